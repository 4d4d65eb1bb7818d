//! §8 单例模式 — the thread-safe singleton (多线程实现（加锁）).
//!
//! The snippet adds a lock to the simple singleton and checks twice: first without the lock (the
//! fast path, for speed once the instance exists), then again under the lock, because another
//! thread may have created it while this one waited. Ten threads each construct it and print it:
//! one object, printed ten times.
//!
//! Rust, first one-to-one: `INSTANCE.get()` is the unlocked check — one atomic load — and a
//! `Mutex` is the class's lock (an RLock in the snippet; nothing here re-enters it). The ten
//! threads are released together by a Barrier. So that the second check has work to do on every
//! run, the thread that gets the lock first waits (at most 10 s) until all ten have found the
//! instance missing before it builds it: the other nine are then sure to queue at the lock, and
//! all nine stop at the second check. (In Python it is the same race, left to the scheduler.)
//!
//! Then the idiomatic way: `OnceLock::get_or_init` does exactly this double-checked dance
//! inside std (`LazyLock` too, for a value that needs no arguments — see §11.3). Both ways the
//! constructor runs once and all ten threads get the same address.
//!
//! Run it: `cargo run -p examples-threads --bin s08-singleton-threaded`.

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Condvar, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;

/// Threads that construct the singleton at once.
const THREADS: usize = 10;

struct Singleton {
    name: String,
}

/// How many times a `Singleton` was built.
static CONSTRUCTED: AtomicUsize = AtomicUsize::new(0);

impl Singleton {
    fn build(name: &str) -> Singleton {
        CONSTRUCTED.fetch_add(1, Ordering::SeqCst);
        Singleton {
            name: name.to_string(),
        }
    }
}

impl fmt::Display for Singleton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<__main__.Singleton object at {self:p}>")
    }
}

// ── 1. The snippet, one-to-one: a fast unlocked check, then a lock and a second check ──
static INSTANCE: OnceLock<Singleton> = OnceLock::new(); // instance = None
static LOCK: Mutex<()> = Mutex::new(()); // lock = threading.RLock()

/// How many threads found the instance missing without the lock — and how many of them then
/// found it there under the lock.
static MISSED: Mutex<usize> = Mutex::new(0);
static MISSED_CHANGED: Condvar = Condvar::new();
static STOPPED_BY_SECOND_CHECK: AtomicUsize = AtomicUsize::new(0);

fn new_double_checked(name: &str) -> &'static Singleton {
    // the fast path: once the instance exists, no thread takes the lock
    if let Some(instance) = INSTANCE.get() {
        return instance;
    }
    note_missed();
    let _locked = LOCK.lock().unwrap_or_else(PoisonError::into_inner); // with cls.lock:
    if let Some(instance) = INSTANCE.get() {
        // another thread created it while this one waited for the lock
        STOPPED_BY_SECOND_CHECK.fetch_add(1, Ordering::SeqCst);
        return instance;
    }
    wait_until_all_missed();
    let instance = Singleton::build(name);
    INSTANCE.get_or_init(|| instance) // cls.instance = …; return cls.instance
}

/// For the demonstration: this thread found no instance without the lock.
fn note_missed() {
    *MISSED.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    MISSED_CHANGED.notify_all();
}

/// For the demonstration: the builder waits until every thread has missed the unlocked check,
/// so that the other nine queue at the lock. Bounded: after 10 s it builds anyway.
fn wait_until_all_missed() {
    let missed = MISSED.lock().unwrap_or_else(PoisonError::into_inner);
    let (missed, waited) = MISSED_CHANGED
        .wait_timeout_while(missed, Duration::from_secs(10), |n| *n < THREADS)
        .unwrap_or_else(PoisonError::into_inner);
    drop(missed);
    if waited.timed_out() {
        eprintln!("10 秒内没等到 {THREADS} 个线程都在锁外检查过：不再等，直接创建");
    }
}

// ── 2. Idiomatic Rust: OnceLock does all of the above ──
static ONCE: OnceLock<Singleton> = OnceLock::new();

fn new_once_lock(name: &str) -> &'static Singleton {
    ONCE.get_or_init(|| Singleton::build(name))
}

/// Ten threads, released together, each construct the singleton with `new` and print it.
fn ten_threads(new: fn(&str) -> &'static Singleton) -> Result<(), Box<dyn Error>> {
    let start = Barrier::new(THREADS);
    let objects = thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let obj = new("x"); // obj = Singleton('x')
                    println!("{obj}"); // print(obj)
                    obj
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().map_err(|_| "线程 panic 了"))
            .collect::<Result<Vec<&Singleton>, _>>()
    })?;
    let distinct: BTreeSet<*const Singleton> = objects.iter().map(|o| ptr::from_ref(*o)).collect();
    println!(
        "构造函数执行了 {} 次；{THREADS} 个线程拿到的是 {} 个对象（name 为 '{}'）",
        CONSTRUCTED.swap(0, Ordering::SeqCst),
        distinct.len(),
        objects.first().map_or("", |o| o.name.as_str())
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    println!("—— 1. 加锁 + 两次检查（同笔记）——");
    ten_threads(new_double_checked)?;
    println!(
        "其中 {} 个线程在锁外看到实例还没有，排队拿到锁后第二次检查才发现已创建",
        STOPPED_BY_SECOND_CHECK.load(Ordering::SeqCst)
    );
    println!("—— 2. OnceLock::get_or_init（Rust 的惯用写法）——");
    ten_threads(new_once_lock)?;
    Ok(())
}
