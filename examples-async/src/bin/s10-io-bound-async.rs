//! §10 协程 — IO-bound work: many coroutines on one thread, or one OS thread per download.
//!
//! §3 sends IO-bound work (下载视频) to threads, and §10 says coroutines do it cheaper: one thread
//! switching between downloads whenever one waits on the network. Here both fetch the same
//! videos from a local "video site" (`VideoServer` of examples-threads, on 127.0.0.1 at a port
//! the OS picks, answering each request after a delay — 1 s, scaled by `EXAMPLES_TIME_SCALE`):
//!
//! 1. 协程: a current-thread tokio runtime, one task per video — every task on the main thread.
//!    Each downloads with `fetch::get(url).await` and `response.read().await` (hyper's client;
//!    Python's `aiohttp`: `session.get(url)`, `await response.read()`);
//! 2. 多线程: one OS thread per video, as §3 would, each with `ureq::get(url).call()` (Python's
//!    `requests.get(url)`).
//!
//! Both take about one delay: the waits overlap. The difference is the price: the tasks cost one
//! thread in all, the threads one each. Each part prints its wall time and how many OS threads
//! the process has while its downloads run (Linux: `/proc/self/task`), counted at a moment when
//! every download has the head of its answer and none has read the body: each download waits
//! there, at a barrier, until main has counted. The video site's thread (named `video-server`)
//! is left out of the count: the site stands for another computer.
//!
//! Rust: no GIL here, so the threads would also run Rust code in parallel — but for waiting that
//! does not matter. A tokio task is a future of a few hundred bytes; a thread has its own stack
//! (2 MiB reserved by default) and a kernel task. With thousands of connections that difference
//! decides (see `s11-server-async`).
//!
//! Run it: `cargo run -p examples-async --bin s10-io-bound-async` (about 2 s).

use std::sync::Arc;
use std::thread;
use std::time::Instant;

use examples_async::{fetch, threads};
use examples_threads::download::{NETWORK_DELAY, SITE_THREAD, VideoServer};
use pace::Report;

/// How many videos each part downloads.
const VIDEOS: usize = 20;

/// 协程: one task per video on a runtime with one thread; the bytes and the thread count.
async fn with_tasks(site: &VideoServer) -> Result<(usize, usize), Report> {
    // Each task waits at `answered` once the head of its answer is in, then at `counted` until
    // main has counted: when main counts, every download is under way, none finished.
    let answered = Arc::new(tokio::sync::Barrier::new(VIDEOS + 1));
    let counted = Arc::new(tokio::sync::Barrier::new(VIDEOS + 1));
    let tasks: Vec<_> = (0..VIDEOS)
        .map(|i| {
            let url = site.url(&i.to_string());
            let (answered, counted) = (Arc::clone(&answered), Arc::clone(&counted));
            tokio::spawn(async move {
                let response = fetch::get(&url).await;
                // Even a failed download waits here: the others are not left waiting for it.
                answered.wait().await;
                counted.wait().await;
                response?.read().await
            })
        })
        .collect();
    answered.wait().await; // this task hands the thread to the downloads until all are answered
    let threads = threads::count_except(SITE_THREAD)?;
    counted.wait().await;
    let mut bytes = 0;
    for task in tasks {
        bytes += task.await??.len();
    }
    Ok((bytes, threads))
}

/// 多线程: one OS thread per video; the bytes and the thread count.
fn with_threads(site: &VideoServer) -> Result<(usize, usize), Report> {
    // The same two meeting points as the tasks: main counts while every download is under way.
    let answered = Arc::new(std::sync::Barrier::new(VIDEOS + 1));
    let counted = Arc::new(std::sync::Barrier::new(VIDEOS + 1));
    let mut handles = Vec::new();
    for i in 0..VIDEOS {
        let url = site.url(&i.to_string());
        let (answered, counted) = (Arc::clone(&answered), Arc::clone(&counted));
        let handle = thread::Builder::new()
            .name(format!("download-{i}"))
            .spawn(move || {
                let response = ureq::get(&url).call();
                answered.wait();
                counted.wait();
                response?.body_mut().read_to_vec()
            });
        handles.push(handle);
    }
    // A thread that could not be started never meets the others at the barriers: give up then,
    // before main waits there. (The started ones stay blocked until the process exits.)
    let handles = handles.into_iter().collect::<Result<Vec<_>, _>>()?;
    answered.wait();
    let threads = threads::count_except(SITE_THREAD)?;
    counted.wait();
    let mut bytes = 0;
    for handle in handles {
        bytes += handle
            .join()
            .map_err(|_| "a download thread panicked")??
            .len();
    }
    Ok((bytes, threads))
}

fn main() -> Result<(), Report> {
    pace::init();
    let delay = pace::scaled(NETWORK_DELAY);
    let site = VideoServer::start(delay)?;
    println!(
        "本地视频网站：{} … /video/{}（每个视频等 {:.2} s 才开始发送）",
        site.url("0"),
        VIDEOS - 1,
        delay.as_secs_f64()
    );

    // 1. 协程 — the runtime is built here and runs on this thread only.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let started = Instant::now();
    let (bytes, with_tasks) = runtime.block_on(with_tasks(&site))?;
    println!(
        "协程：{VIDEOS} 个下载，共 {bytes} 字节，用时 {:.2} s；下载时本进程的线程数：{with_tasks}",
        started.elapsed().as_secs_f64()
    );

    // 2. 多线程 — one OS thread per download, and main waiting for them.
    let started = Instant::now();
    let (bytes, with_threads) = with_threads(&site)?;
    println!(
        "多线程：{VIDEOS} 个下载，共 {bytes} 字节，用时 {:.2} s；下载时本进程的线程数：{with_threads}",
        started.elapsed().as_secs_f64()
    );
    println!(
        "用时相近，因为等待是重叠的；线程：协程 {with_tasks} 个，多线程 {with_threads} 个（主线程 + 每个下载 1 个）"
    );
    Ok(())
}
