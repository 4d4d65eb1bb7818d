//! §11.3 单例模式 — the singleton through `__new__` (基于`__new__`方法实现).
//!
//! The first of the notes' two common ways: §8's threaded singleton again, this time with no
//! constructor arguments — `__init__` sets the name 武沛齐 itself. The class keeps its one
//! instance and an `RLock`; `__new__` returns the instance if it exists, otherwise takes the lock,
//! checks again and creates it. The snippet constructs it twice and prints `obj1 is obj2`: `True`.
//!
//! Rust: the class attribute `instance` is a `OnceLock` static, the class's `RLock` is
//! `parking_lot::ReentrantMutex` (std's `ReentrantLock` is unstable), and Python's `is` — the
//! same object? — is `std::ptr::eq` on the two references. The program prints what the snippet
//! prints, `True`, then one line on a difference: Python runs `__init__` on every `Singleton()`
//! call, even when `__new__` returned the old object; here the value is built once.
//! `s08-singleton-threaded` shows this double check under ten threads at once;
//! `s11-3-singleton-module` is the notes' second way.
//!
//! Run it: `cargo run -p examples-threads --bin s11-3-singleton-new`.

use std::ptr;
use std::sync::OnceLock;

use parking_lot::ReentrantMutex;

struct Singleton {
    name: String,
}

static INSTANCE: OnceLock<Singleton> = OnceLock::new(); // no instance yet
static LOCK: ReentrantMutex<()> = ReentrantMutex::new(()); // the class's RLock

impl Singleton {
    /// `Singleton()`: the first call creates the instance, every call returns it.
    fn new() -> &'static Singleton {
        // the check without the lock: once the instance exists, nobody takes the lock
        if let Some(instance) = INSTANCE.get() {
            return instance;
        }
        let _locked = LOCK.lock(); // held until this function returns
        if let Some(instance) = INSTANCE.get() {
            return instance; // created by another thread while this one waited for the lock
        }
        INSTANCE.get_or_init(|| Singleton {
            name: "武沛齐".to_string(), // __init__
        })
    }
}

/// A bool as Python prints it.
fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

fn main() {
    pace::init();
    let obj1 = Singleton::new();
    let obj2 = Singleton::new();

    println!("{}", py_bool(ptr::eq(obj1, obj2))); // the same object?
    println!(
        "（obj2.name 是 {}：Python 每次调用都会重新执行 __init__，这里只构造一次）",
        obj2.name
    );
}
