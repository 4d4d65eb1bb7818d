//! §7 线程池 — extends `s07-thread-pool`: on which thread does a done-callback run?
//!
//! Not in the notes. Python's `ThreadPoolExecutor` runs a callback on the worker thread that ran
//! the task, right after it — unless the task had already finished when the callback was added:
//! then `add_done_callback` runs it at once, on the thread that adds it. `examples_threads::pool`
//! does the same, and this program shows both cases.
//!
//! 1. Ten tasks on a pool of four threads, each with a callback that prints the thread it runs on
//!    (its name and its OS thread id, Python's `threading.get_native_id()`). So that no task can
//!    finish before its callback is added — a race the scheduler would usually, not always, win —
//!    the tasks wait at a latch that `main` opens once every callback is in place. Every callback
//!    then runs on a pool thread, and the ten use at most four threads.
//! 2. A callback added to a future whose task is over runs at once, on `main`.
//!
//! Run it: `cargo run -p examples-threads --bin s07-callback-threads`.

use std::collections::HashSet;
use std::sync::{Arc, mpsc};
use std::thread;

use examples_threads::latch::CountDownLatch;
use examples_threads::pool::ThreadPool;
use examples_threads::this_thread;
use pace::Report;

fn main() -> Result<(), Report> {
    pace::init();
    let pool = ThreadPool::new(4, "线程池-worker");
    println!(
        "主线程是 {}；线程池有 {} 个线程",
        this_thread(),
        pool.workers()
    );

    println!("—— 1. 任务结束前加上的回调 ——");
    let callbacks_added = Arc::new(CountDownLatch::new(1));
    let (ran_on, callback_threads) = mpsc::channel();
    let mut futures = Vec::new();
    for i in 1..=10u32 {
        let gate = Arc::clone(&callbacks_added);
        let future = pool.submit(move || {
            gate.wait(); // until main has added every callback
            i * i
        });
        let ran_on = ran_on.clone();
        future.add_done_callback(move |done| {
            let value = done.result().map_or(0, |value| *value);
            println!(
                "任务 {i} 的回调：返回值 {value}，在 {} 上执行",
                this_thread()
            );
            let _ = ran_on.send(thread::current().id());
        });
        futures.push(future);
    }
    callbacks_added.count_down();
    pool.shutdown();
    drop(ran_on);
    let threads: HashSet<_> = callback_threads.iter().collect();
    println!("10 个回调用了 {} 个线程（线程池共 4 个）", threads.len());

    println!("—— 2. 任务结束后才加上的回调 ——");
    futures[0].add_done_callback(|_| {
        println!("回调立即执行，在 {} 上——加回调的线程", this_thread());
    });
    Ok(())
}
