//! §11.3 单例模式 — the singleton as a module-level object (基于模块导入方式).
//!
//! The notes give two common ways. The first, `__new__` with a lock and two checks, is
//! `s11-3-singleton-new` (and §8's `s08-singleton-threaded`). The second is this one: a module
//! makes the one instance when it is loaded, and every other module that imports the name gets
//! that same object — a module's code runs once, on its first import — so printing it from two
//! places shows one object, as `<utils.Singleton object at 0x…>`, the way Python prints it.
//!
//! Rust: a `static` in a module is the module-level object, and `use` is the import. A static's
//! initializer must be a constant; for one that runs code, `LazyLock` runs it once, on first use
//! (the first "import" here), from whichever thread gets there first. Both places below print the
//! same address, and "创建 single" appears once.
//!
//! Run it: `cargo run -p examples-threads --bin s11-3-singleton-module`.

mod utils {
    use std::fmt;
    use std::sync::LazyLock;

    pub struct Singleton {
        name: String,
    }

    impl fmt::Display for Singleton {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "<utils.Singleton object at {self:p}>")
        }
    }

    // The module's one object, created when the module is first used.
    pub static SINGLE: LazyLock<Singleton> = LazyLock::new(|| {
        let single = Singleton {
            name: "武沛齐".to_string(),
        };
        println!("utils：创建 single，name 为 {}（只执行一次）", single.name);
        single
    });
}

/// One place that imports it.
mod first {
    use crate::utils::SINGLE; // imports the module's object

    pub fn show() {
        println!("{}", *SINGLE); // prints it
    }
}

/// Another place that imports it.
mod second {
    use crate::utils::SINGLE; // imports the module's object

    pub fn show() {
        println!("{}", *SINGLE); // prints it
    }
}

fn main() {
    pace::init();
    first::show();
    second::show();
}
