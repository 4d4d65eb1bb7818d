//! §7 线程池 — a fixed pool, `submit` returning a future, a done-callback, `shutdown(True)`.
//!
//! The notes advise against creating threads without limit and for a thread pool instead, and
//! show its calls: `future = pool.submit(task, url)`; `future.add_done_callback(done)`, where
//! `done` prints `任务执行后的返回值` and the result; `pool.shutdown(True)` to wait for every
//! task; then `fu.result()` for each collected future. This program does all of it, with
//! download tasks: ten videos from a local "video site" that answers each after 1 s, on a pool
//! of four threads — so about three rounds, three seconds.
//!
//! The download is `ureq::get(url).call()`, Python's `requests.get(url)`.
//!
//! Rust's standard library has no thread pool. The threads here are the `threadpool` crate's;
//! `examples_threads::pool` adds `submit`, which returns a future: a per-task channel carries
//! the result, `result()` waits for it, and the callback runs on the worker thread right after
//! the task — as in Python's thread pool (a process pool runs it in the main process, §9.5).
//! Each callback prints, on a line of its own under the snippet's line, the thread it runs on.
//!
//! In both languages a callback added to a future whose task has *already* finished runs at once,
//! on the thread that adds it — here `main`. So that every callback shows the pool's side, the
//! tasks wait at a gate that `main` opens only once it has added every callback.
//!
//! Run it: `cargo run -p examples-threads --bin s07-thread-pool`.

use std::collections::HashSet;
use std::error::Error;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use examples_threads::download::VideoServer;
use examples_threads::pool::{Future, ThreadPool};

/// Threads in the pool: a fixed number, however many tasks come.
const WORKERS: usize = 4;
/// Download tasks submitted.
const TASKS: usize = 10;
/// How long the video site waits before each answer, at time scale 1.
const NETWORK_DELAY: Duration = Duration::from_secs(1);

/// Downloads `url`'s video; returns what was downloaded.
fn task(url: &str) -> Result<String, ureq::Error> {
    let video = ureq::get(url).call()?.body_mut().read_to_vec()?;
    Ok(format!("{url}：{} 字节", video.len()))
}

/// The future's result as text: the return value, or what went wrong.
fn describe(future: &Future<Result<String, ureq::Error>>) -> String {
    match future.result() {
        Ok(Ok(downloaded)) => downloaded.clone(),
        Ok(Err(error)) => format!("下载失败：{error}"),
        Err(panicked) => panicked.to_string(),
    }
}

/// The done-callback: runs on the worker thread that ran the task, and notes which one that was.
fn done(response: &Future<Result<String, ureq::Error>>, seen: &Mutex<HashSet<ThreadId>>) {
    let me = thread::current();
    // One println: the two lines stay together when several callbacks print at once.
    println!(
        "任务执行后的返回值 {}\n  （回调在线程 {} {:?} 上执行）",
        describe(response),
        me.name().unwrap_or("?"),
        me.id()
    );
    seen.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(me.id());
}

/// Closed until [`open`](Gate::open): the tasks wait at it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let _open = self
            .opened
            .wait_while(open, |open| !*open)
            .unwrap_or_else(PoisonError::into_inner);
    }

    fn open(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.opened.notify_all();
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let server = VideoServer::start(pace::scaled(NETWORK_DELAY))?;
    let pool = ThreadPool::new(WORKERS, "线程池-worker"); // ThreadPoolExecutor(4)
    println!(
        "线程池：{} 个线程；主线程是 {} {:?}",
        pool.workers(),
        thread::current().name().unwrap_or("?"),
        thread::current().id()
    );

    // Which threads ran the callbacks: to count them at the end.
    let callback_threads = Arc::new(Mutex::new(HashSet::new()));

    // No task finishes before every callback is added: they all run on the workers.
    let gate = Arc::new(Gate::default());
    let mut future_list = Vec::new();
    for i in 1..=TASKS {
        let url = server.url(&format!("video-{i}.mp4"));
        let gate = Arc::clone(&gate);
        let future = pool.submit(move || {
            gate.wait();
            task(&url)
        });

        let seen = Arc::clone(&callback_threads);
        future.add_done_callback(move |response| done(response, &seen));
        future_list.push(future);
    }
    gate.open();
    println!("{TASKS} 个任务已提交；pool.shutdown(True)：等池里的任务全部做完……");

    pool.shutdown();
    println!("线程池已关闭，所有任务都已完成");
    for fu in &future_list {
        println!("{}", describe(fu));
    }

    let threads = callback_threads
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len();
    println!("{TASKS} 个任务由 {threads} 个线程完成，没有多建线程（线程池共 {WORKERS} 个）");
    Ok(())
}
