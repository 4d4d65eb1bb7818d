//! §2.1 线程常见方法 — a custom thread class (自定义线程类).
//!
//! The snippet subclasses `threading.Thread` and puts the thread's work in `run`; the arguments
//! passed to the constructor are read back in `run` (`self._args`), and `start()` runs `run` on
//! a new thread, which prints `执行此线程 (100,)`.
//!
//! Rust has no inheritance. The "base class" is a trait: `run` is the method each type writes,
//! `start` is provided once for every type that implements it and runs `run` on a new thread.
//! The arguments are fields of the value, which moves into the thread. `start` returns the
//! `JoinHandle` that `main` joins (Python joins for you at exit).
//!
//! Run it: `cargo run -p examples-threads --bin s02-1-custom-thread`.

use std::io;
use std::thread::{self, JoinHandle};

use pace::Report;

/// What `threading.Thread` gives a subclass: `start()` runs the subclass's `run()` on a new
/// thread.
trait Thread: Send + Sized + 'static {
    fn run(&self);

    fn start(self) -> io::Result<JoinHandle<()>> {
        thread::Builder::new().spawn(move || self.run())
    }
}

struct MyThread {
    args: (u32,),
}

impl Thread for MyThread {
    fn run(&self) {
        // The arguments it was made with; a tuple's Debug form is how Python prints it: (100,)
        println!("执行此线程 {:?}", self.args);
    }
}

fn main() -> Result<(), Report> {
    pace::init();
    let t = MyThread { args: (100,) };
    let handle = t.start()?;
    handle.join().map_err(|_| "线程 panic 了")?;
    Ok(())
}
