//! §2.1 线程常见方法 — `t.start()` and `t.join()`.
//!
//! The notes describe the two calls in words: `start()` only makes the thread ready — the CPU
//! decides when it runs — and returns at once; `join()` waits until the thread's task is done.
//! Here a thread runs a task that takes 1 s, and `main` prints what each call did.
//!
//! Rust: `thread::spawn` is `Thread(target=task)` and `t.start()` in one call. `join()` is
//! `JoinHandle::join`, which, unlike Python's, hands back the task's return value — or its
//! panic as an `Err`.
//!
//! So that every run prints the same order, the task first waits for `main` to say "go", and
//! `main` says it only after printing what it is about to do: the task cannot have finished
//! before `main` looks at it, nor print before `main`'s line about `join()`.
//!
//! Run it: `cargo run -p examples-threads --bin s02-1-start-join` (or
//! `cargo xtask run s02-1-start-join`).

use std::sync::mpsc;
use std::thread;

use pace::Report;

fn task(go: mpsc::Receiver<()>) -> &'static str {
    let _ = go.recv();
    println!("子线程：开始执行任务");
    pace::sleep(1.0);
    println!("子线程：任务执行完毕");
    "任务的返回值"
}

fn main() -> Result<(), Report> {
    pace::init();
    let (go, wait_for_go) = mpsc::channel();
    let t = thread::spawn(move || task(wait_for_go)); // t = Thread(target=task); t.start()
    println!(
        "主线程：t.start() 已返回，子线程已就绪，何时执行由 CPU 决定（子线程已结束？{}）",
        t.is_finished()
    );

    println!("主线程：t.join() 等待子线程执行完毕……");
    go.send(())?;
    let value = t.join().map_err(|_| "子线程 panic 了")?;
    println!("主线程：t.join() 已返回（Rust 的 join 还带回了{value}），继续向下执行");
    Ok(())
}
