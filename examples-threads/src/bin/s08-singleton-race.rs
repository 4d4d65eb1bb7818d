//! §8 单例模式 — extends `s08-singleton-threaded`: the race the second check is there for,
//! forced to happen on every run.
//!
//! Not in the notes. The snippet's singleton checks for the instance twice: without the lock, then
//! under it. The second check matters only when several threads find the instance missing at
//! the first check at about the same time: all of them then queue at the lock, the first one in
//! creates the instance, and each of the others must find it at the second check instead of
//! creating another. Left to the scheduler (as in `s08-singleton-threaded`, and in Python) that
//! happens on some runs only.
//!
//! Here it happens on every run: each thread that misses the unlocked check counts down a latch
//! (`examples_threads::latch`), and the first thread to get the lock waits — at most 10 s —
//! until all ten have missed before it builds the instance. The other nine are then sure to be
//! queued at the lock, and all nine stop at the second check. Counters show it: the constructor
//! runs once, ten threads get one object, nine were stopped by the second check.
//!
//! Run it: `cargo run -p examples-threads --bin s08-singleton-race`.

use std::collections::BTreeSet;
use std::fmt;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use examples_threads::latch::CountDownLatch;
use pace::Report;
use parking_lot::ReentrantMutex;

/// Threads that construct the singleton at once.
const THREADS: usize = 10;

struct Singleton {
    name: String,
}

static INSTANCE: OnceLock<Singleton> = OnceLock::new();
static LOCK: ReentrantMutex<()> = ReentrantMutex::new(());

/// Counts the threads that found no instance without the lock, down to zero.
static MISSED: CountDownLatch = CountDownLatch::new(THREADS);
/// How many times the constructor ran.
static CONSTRUCTED: AtomicUsize = AtomicUsize::new(0);
/// How many threads found the instance at the second check.
static STOPPED_BY_SECOND_CHECK: AtomicUsize = AtomicUsize::new(0);

impl Singleton {
    /// `s08-singleton-threaded`'s `new`, with the counters and the wait for the race.
    fn new(name: &str) -> &'static Singleton {
        if let Some(instance) = INSTANCE.get() {
            return instance;
        }
        MISSED.count_down();
        let _locked = LOCK.lock();
        if let Some(instance) = INSTANCE.get() {
            STOPPED_BY_SECOND_CHECK.fetch_add(1, Ordering::SeqCst);
            return instance;
        }
        if !MISSED.wait_timeout(Duration::from_secs(10)) {
            eprintln!("10 秒内没等到 {THREADS} 个线程都在锁外检查过：不再等，直接创建");
        }
        CONSTRUCTED.fetch_add(1, Ordering::SeqCst);
        INSTANCE.get_or_init(|| Singleton {
            name: name.to_string(),
        })
    }
}

impl fmt::Display for Singleton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<__main__.Singleton object at {self:p}>")
    }
}

fn main() -> Result<(), Report> {
    pace::init();
    let objects = thread::scope(|s| -> Result<Vec<&Singleton>, Report> {
        let mut threads = Vec::new();
        for _ in 0..THREADS {
            threads.push(thread::Builder::new().spawn_scoped(s, || {
                let obj = Singleton::new("x");
                println!("{obj}");
                obj
            })?);
        }
        let mut objects = Vec::new();
        for t in threads {
            objects.push(t.join().map_err(|_| "线程 panic 了")?);
        }
        Ok(objects)
    })?;
    let distinct: BTreeSet<*const Singleton> = objects.iter().map(|o| ptr::from_ref(*o)).collect();
    println!(
        "构造函数执行了 {} 次；{THREADS} 个线程拿到的是 {} 个对象（name 为 '{}'）",
        CONSTRUCTED.load(Ordering::SeqCst),
        distinct.len(),
        objects.first().map_or("", |o| o.name.as_str())
    );
    println!(
        "其中 {} 个线程在锁外看到实例还没有，排队拿到锁后第二次检查才发现已创建",
        STOPPED_BY_SECOND_CHECK.load(Ordering::SeqCst)
    );
    Ok(())
}
