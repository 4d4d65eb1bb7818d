//! §8 单例模式 — extends `s08-singleton-threaded`: `OnceLock::get_or_init`, the idiomatic Rust
//! for the thread-safe singleton.
//!
//! Not in the notes. The snippet checks for the instance without the lock, takes the lock,
//! checks again and creates it. `OnceLock::get_or_init` does that dance inside std: once the
//! value exists, `get_or_init` is one atomic load; before that, the threads that get there at
//! once wait for the one that runs the initializer, which runs exactly once. (`LazyLock` is the
//! same for a value that needs no arguments — see §11.3's `s11-3-singleton-module`.)
//!
//! Ten threads, released together (a latch that `main` opens once all are started) so that they
//! call it at about the same moment, construct the singleton and print it; a counter in the
//! initializer shows that it ran once, and the ten addresses are one.
//!
//! Run it: `cargo run -p examples-threads --bin s08-singleton-oncelock`.

use std::collections::BTreeSet;
use std::fmt;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use examples_threads::latch::CountDownLatch;
use pace::Report;

/// Threads that construct the singleton at once.
const THREADS: usize = 10;

struct Singleton {
    name: String,
}

static INSTANCE: OnceLock<Singleton> = OnceLock::new();
/// How many times the initializer ran.
static CONSTRUCTED: AtomicUsize = AtomicUsize::new(0);

impl Singleton {
    /// The first call creates the instance, every call returns it: no lock, no second check.
    fn new(name: &str) -> &'static Singleton {
        INSTANCE.get_or_init(|| {
            CONSTRUCTED.fetch_add(1, Ordering::SeqCst);
            Singleton {
                name: name.to_string(),
            }
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
    let start = CountDownLatch::new(1);
    let objects = thread::scope(|s| -> Result<Vec<&Singleton>, Report> {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                thread::Builder::new().spawn_scoped(s, || {
                    start.wait();
                    let obj = Singleton::new("x");
                    println!("{obj}");
                    obj
                })
            })
            .collect();
        // Released together — also when one could not be started, so none waits for ever.
        start.count_down();
        let mut objects = Vec::new();
        for t in threads {
            objects.push(t?.join().map_err(|_| "线程 panic 了")?);
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
    Ok(())
}
