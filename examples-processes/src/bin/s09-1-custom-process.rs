//! §9.1 案例 — a process class with its own `run` (subclassing `multiprocessing.Process`).
//!
//! Instead of handing `Process` a target, the snippet subclasses it: `MyProcess.run` is what the
//! new process does. It is created with `args=('xxx',)`, started with the spawn start method,
//! and prints `执行此进程` with its args; the parent prints `继续执行...`.
//!
//! Rust has no subclassing. `MyProcess` is a plain struct with its own `run` and a `start` that
//! does what `Process.start` does for a subclass under spawn: the object itself is serialized
//! (Python pickles it) and sent to a fresh process, where a small registered function calls its
//! `run` — Python's `Process._bootstrap` calling `self.run()`. The args print as Python prints
//! the tuple, `('xxx',)` (Rust's `{:?}` would print `("xxx",)`).
//!
//! `start()` returns at once, as Python's does, and the parent prints `继续执行...` while the new
//! process is still starting — it has to connect back for the object first (a thread of the
//! parent hands it over). So `继续执行...` comes first, in practice every time (20 runs out of
//! 20 here, with or without two busy loops beside it); in Python the child even needs tens of
//! milliseconds to start its interpreter. Still, it is the scheduler's call: nothing guarantees
//! the order.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-custom-process`.

use examples_processes::{Process, StartMethod, set_start_method, target};
use serde::{Deserialize, Serialize};

/// `class MyProcess(multiprocessing.Process)`.
#[derive(Debug, Serialize, Deserialize)]
struct MyProcess {
    args: (String,),
}

impl MyProcess {
    fn new(args: (String,)) -> Self {
        MyProcess { args }
    }

    /// What the new process does.
    fn run(&self) {
        // As Python prints the tuple (its repr quotes a string with single quotes).
        println!("执行此进程 ('{}',)", self.args.0);
    }

    /// Sends this object to a new process, which calls its `run`; returns that process.
    fn start(self) -> examples_processes::Result<Process<(MyProcess,)>> {
        let mut p = Process::new(target!(bootstrap), (self,));
        p.start()?;
        Ok(p)
    }
}

/// In the new process: run the object that was sent (Python's `Process._bootstrap`).
fn bootstrap(p: MyProcess) {
    p.run();
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    set_start_method(StartMethod::Spawn);
    let p = MyProcess::new(("xxx".to_string(),));
    let _p = p.start()?;
    println!("继续执行...");
    Ok(())
}
