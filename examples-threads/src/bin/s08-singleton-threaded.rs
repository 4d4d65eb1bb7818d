//! §8 单例模式 — the thread-safe singleton (多线程实现（加锁）).
//!
//! The snippet adds a lock to the simple singleton and checks twice: first without the lock (the
//! fast path, once the instance exists), then again under the lock, because another thread may
//! have created it while this one waited. Ten threads each construct it and print it: one object,
//! printed ten times.
//!
//! Rust: the class attribute that holds the instance is a `OnceLock` static, and `get()` on it is
//! the unlocked check — one atomic load. The class's `RLock` is `parking_lot::ReentrantMutex<()>`
//! (std's `ReentrantLock` is unstable), held until `new` returns, as the snippet's `with` block
//! holds it; it guards no data, hence the `()`. Storing the new instance is `get_or_init`. The
//! ten threads are joined at the end of `main`, which Python does at exit.
//!
//! Whether the second check ever has work to do is up to the scheduler, in Rust as in Python.
//! `s08-singleton-race` makes it happen on every run; `s08-singleton-oncelock` shows that
//! `OnceLock::get_or_init` alone does all of this.
//!
//! Run it: `cargo run -p examples-threads --bin s08-singleton-threaded`.

use std::fmt;
use std::sync::OnceLock;
use std::thread;

use pace::Report;
use parking_lot::ReentrantMutex;

struct Singleton {
    #[allow(dead_code)] // set, as in the snippet, and never read
    name: String,
}

static INSTANCE: OnceLock<Singleton> = OnceLock::new(); // no instance yet
static LOCK: ReentrantMutex<()> = ReentrantMutex::new(()); // the class's RLock

impl Singleton {
    /// `Singleton(name)`: the first call creates the instance, every call returns it.
    fn new(name: &str) -> &'static Singleton {
        // Once the instance exists, return it without touching the lock: the fast path.
        if let Some(instance) = INSTANCE.get() {
            return instance;
        }
        let _locked = LOCK.lock(); // held until this function returns
        // Another thread may have created it while this one waited for the lock.
        if let Some(instance) = INSTANCE.get() {
            return instance;
        }
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

fn task() {
    let obj = Singleton::new("x");
    println!("{obj}");
}

fn main() -> Result<(), Report> {
    pace::init();
    let mut threads = Vec::new();
    for _ in 0..10 {
        threads.push(thread::spawn(task));
    }
    for t in threads {
        t.join().map_err(|_| "线程 panic 了")?;
    }
    Ok(())
}
