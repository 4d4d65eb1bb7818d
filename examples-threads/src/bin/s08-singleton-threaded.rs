//! §8 单例模式 — the thread-safe singleton (多线程实现（加锁）).
//!
//! The snippet adds a lock to the simple singleton and checks twice: first without the lock (the
//! fast path, for speed once the instance exists), then again under the lock, because another
//! thread may have created it while this one waited. Ten threads each construct it and print it:
//! one object, printed ten times.
//!
//! Rust, first one-to-one: `INSTANCE.get()` is the unlocked check — one atomic load — and a
//! `Mutex` is the class's lock (an RLock in the snippet; nothing here re-enters it). The ten
//! threads are released together by a Barrier, and building the instance takes a moment, so
//! several threads really do find it empty and queue at the lock.
//!
//! Then the idiomatic way: `OnceLock::get_or_init` does exactly this double-checked dance
//! inside std (`LazyLock` too, for a value that needs no arguments — see §11.3). Both ways the
//! constructor runs once and all ten threads get the same address.
//!
//! Run it: `cargo run -p examples-threads --bin s08-singleton-threaded`.

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex, OnceLock, PoisonError};
use std::thread;

struct Singleton {
    #[allow(dead_code)] // kept to mirror the snippet's __init__
    name: String,
}

/// How many times a `Singleton` was built.
static CONSTRUCTED: AtomicUsize = AtomicUsize::new(0);
/// How many threads found the instance missing, waited for the lock, and then found it there.
static STOPPED_BY_SECOND_CHECK: AtomicUsize = AtomicUsize::new(0);

impl Singleton {
    fn build(name: &str) -> Singleton {
        CONSTRUCTED.fetch_add(1, Ordering::SeqCst);
        pace::sleep(0.1); // building takes a moment: other threads arrive meanwhile
        Singleton {
            name: name.to_string(),
        }
    }
}

impl fmt::Display for Singleton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Singleton object at {self:p}>")
    }
}

// ── 1. The snippet, one-to-one: a fast unlocked check, then a lock and a second check ──
static INSTANCE: OnceLock<Singleton> = OnceLock::new(); // instance = None
static LOCK: Mutex<()> = Mutex::new(()); // lock = threading.RLock()

fn new_double_checked(name: &str) -> &'static Singleton {
    // the fast path: once the instance exists, no thread takes the lock
    if let Some(instance) = INSTANCE.get() {
        return instance;
    }
    let _locked = LOCK.lock().unwrap_or_else(PoisonError::into_inner); // with cls.lock:
    if let Some(instance) = INSTANCE.get() {
        // another thread created it while this one waited for the lock
        STOPPED_BY_SECOND_CHECK.fetch_add(1, Ordering::SeqCst);
        return instance;
    }
    let instance = Singleton::build(name);
    INSTANCE.get_or_init(|| instance) // cls.instance = …; return cls.instance
}

// ── 2. Idiomatic Rust: OnceLock does all of the above ──
static ONCE: OnceLock<Singleton> = OnceLock::new();

fn new_once_lock(name: &str) -> &'static Singleton {
    ONCE.get_or_init(|| Singleton::build(name))
}

/// Ten threads, released together, each construct the singleton with `new` and print it.
fn ten_threads(new: fn(&str) -> &'static Singleton) -> Result<(), Box<dyn Error>> {
    let start = Barrier::new(10);
    let addresses = thread::scope(|s| {
        let threads: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let obj = new("x");
                    println!("{obj}");
                    format!("{obj:p}")
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().map_err(|_| "线程 panic 了"))
            .collect::<Result<BTreeSet<String>, _>>()
    })?;
    println!(
        "构造函数执行了 {} 次；10 个线程拿到的是 {} 个对象",
        CONSTRUCTED.swap(0, Ordering::SeqCst),
        addresses.len()
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
