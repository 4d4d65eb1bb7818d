//! §7 线程池 — a fixed pool, `submit` returning a future, a done-callback, `shutdown(True)`.
//!
//! The notes advise against creating threads without limit and for a thread pool instead, and
//! show its calls in one block: `pool.submit(task, url)` returns a future;
//! `future.add_done_callback(done)` has `done` print `任务执行后的返回值` and the future's result
//! once the task is over; `pool.shutdown(True)` waits for every task; then the futures collected
//! in `future_list` give their results. The block leaves out the pool and the task; here the
//! pool has four threads and the task downloads a video (`ureq::get`, Python's `requests.get`)
//! from a local "video site" that answers each after 1 s — ten videos, so about three rounds.
//! The program submits each task once and does both things the notes show with its future: adds
//! the callback and keeps it in the list.
//!
//! Rust's standard library has no thread pool. The threads here are the `threadpool` crate's;
//! `examples_threads::pool` adds `submit`, which returns a future: `result()` waits for the
//! task's return value, and a callback runs on the worker thread right after the task — as in
//! Python's thread pool. The task returns a `Result` (a download can fail), whose error says
//! which download failed and why; `value()` is `result()` for such a task: the value, or — where
//! Python's `result()` raises — the error, which then ends `main` with that one line.
//! `s07-callback-threads` shows on which thread each callback runs.
//!
//! Run it: `cargo run -p examples-threads --bin s07-thread-pool`.

use examples_threads::download::{NETWORK_DELAY, VideoServer};
use examples_threads::pool::{Future, ThreadPool};
use pace::Report;

/// What a task returns: what it downloaded, or why it could not.
type Download = Result<String, String>;

/// Downloads the video at `url`.
fn task(url: &str) -> Download {
    let failed = |e: ureq::Error| format!("下载 {url} 失败：{e}");
    let mut response = ureq::get(url).call().map_err(failed)?;
    let content = response.body_mut().read_to_vec().map_err(failed)?;
    Ok(format!("{url}：{} 字节", content.len()))
}

/// The callback: prints the task's return value once the task is over.
fn done(response: &Future<Download>) {
    match response.value() {
        Ok(value) => println!("任务执行后的返回值 {value}"),
        Err(error) => eprintln!("{error}"),
    }
}

fn main() -> Result<(), Report> {
    pace::init();
    let site = VideoServer::start(pace::scaled(NETWORK_DELAY))?;
    let pool = ThreadPool::new(4, "线程池-worker");

    let mut future_list = Vec::new();
    for i in 1..=10 {
        let url = site.url(&format!("video-{i}.mp4"));
        let future = pool.submit(move || task(&url));
        future.add_done_callback(done);
        future_list.push(future);
    }

    pool.shutdown(); // waits for every task, and every callback
    for fu in &future_list {
        println!("{}", fu.value()?);
    }
    Ok(())
}
