//! §8 单例模式 — the simple singleton (简单实现).
//!
//! The snippet takes over the creation of the object: the class keeps its one instance in a
//! class attribute that starts empty; creating returns that instance if there is one, otherwise
//! makes it and keeps it. So the two objects the snippet creates, named 'alex' and 'SB', are one
//! object, and printing both shows one address twice.
//!
//! Rust: the class attribute is a `static`, and a `static` must be safe to share between threads
//! — an unsynchronized "if empty, fill it" does not compile. `OnceLock` is the static that starts
//! empty and is filled once: `get_or_init` is the snippet's check-then-store in one call (and it
//! is thread-safe already; §8's threaded version shows what that costs by hand).
//!
//! One difference shows in the name: Python runs the initializer on every creation, even when
//! the old object was returned, so after the second one the one instance is named 'SB'. Here the
//! value is built once, so it keeps 'alex'.
//!
//! Run it: `cargo run -p examples-threads --bin s08-singleton`.

use std::fmt;
use std::sync::OnceLock;

struct Singleton {
    name: String,
}

static INSTANCE: OnceLock<Singleton> = OnceLock::new(); // the class attribute: empty at first

impl Singleton {
    /// `Singleton(name)`: the first call creates the instance, every call returns it.
    fn new(name: &str) -> &'static Singleton {
        // If the instance is there, hand it back; otherwise create it, keep it, hand it back.
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

fn main() {
    pace::init();
    let obj1 = Singleton::new("alex");
    let obj2 = Singleton::new("SB");

    println!("{obj1} {obj2}"); // both, on one line, as the snippet prints them
    println!(
        "name: {}（Python 每次调用都会重新执行 __init__，那里的 name 会变成 'SB'；这里只构造一次）",
        obj2.name
    );
}
