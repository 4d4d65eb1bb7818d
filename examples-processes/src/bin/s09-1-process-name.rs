//! §9.1 案例 — naming a process, and reading the name back in the child.
//!
//! The parent prints its pid, sets the spawn start method, creates a process for `task('xxx')`,
//! names it `哈哈哈哈` and starts it, then prints `继续执行...` at once: `start()` does not wait for
//! the child. The child starts ten threads that sleep 3 s, prints its pid and its parent's pid
//! (the one on the first line), the number of threads (`线程个数 11`: ten and its main thread),
//! sleeps 2 s and prints its own name, `当前进程的名称： 哈哈哈哈`.
//!
//! Rust: `Process::new(..).name("哈哈哈哈")` is `p.name = "哈哈哈哈"`; the name travels to the
//! spawned child with its target, and `current_process().name` reads it there. Python counts the
//! threads it knows (`threading.enumerate()`); here the count is the operating system's own,
//! the entries of `/proc/self/task` — also 11, because the child runs its target on its main
//! thread and this crate starts no helper thread in it. The threads begin their 3 s only once they
//! have been counted (a `Barrier`), so that even a slow machine cannot let one end too early.
//! Python's child waits for its threads before it ends; a Rust process does not, so `task` joins
//! them.
//!
//! `start()` returns at once, as in Python, and the parent prints `继续执行...` while the child is
//! still starting: it has to connect back for its target and arguments (a thread of the parent
//! hands them over), then start its ten threads. So `继续执行...` comes right after the parent's
//! pid, in practice every time (20 runs out of 20 here, with or without two busy loops beside
//! it) — but it is the scheduler's call, in Python as here: nothing guarantees the order.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-process-name` (about 3 s).

use std::sync::{Arc, Barrier};
use std::thread;

use examples_processes::{Process, StartMethod, current_process, set_start_method, target};

fn func(counted: Arc<Barrier>) {
    counted.wait();
    pace::sleep(3.0);
}

/// The threads of this process, as the OS counts them.
fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count)
}

fn task(_arg: String) {
    let counted = Arc::new(Barrier::new(11));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let counted = Arc::clone(&counted);
            thread::spawn(move || func(counted))
        })
        .collect();
    println!(
        "{} {}",
        std::process::id(),
        std::os::unix::process::parent_id()
    );
    println!("线程个数 {}", thread_count());
    counted.wait();
    pace::sleep(2.0);
    println!("当前进程的名称： {}", current_process().name);
    for t in threads {
        let _ = t.join();
    }
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    println!("{}", std::process::id());
    set_start_method(StartMethod::Spawn);
    let mut p = Process::new(target!(task), ("xxx".to_string(),)).name("哈哈哈哈");
    p.start()?;

    println!("继续执行...");
    Ok(())
}
