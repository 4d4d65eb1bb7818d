//! §10 协程 — two coroutines take turns on one thread, switching whenever one waits on IO.
//!
//! The notes: a coroutine is not something the OS provides; it is code switching between blocks
//! *inside one thread*, in user space, and it switches whenever the running block waits on IO. The
//! section has no code; this is the picture it describes.
//!
//! Two coroutines share a local socket pair, one end each. Coroutine 1 prints a step, writes one
//! byte to its partner and awaits a byte back; coroutine 2 awaits a byte, prints a step and
//! writes a byte back. Awaiting a byte that has not come is an IO wait: at that `.await` the
//! coroutine hands the thread back to the runtime, which runs the other one — until that one
//! waits in turn, and the byte it sent wakes the first. So the prints alternate, 协程1, 协程2,
//! 协程1, …, every line shows the same thread, and the process has that one thread only.
//!
//! Rust: an `async fn` is Python's `async def`; calling it only builds a *future* (a coroutine
//! object) that does nothing until something polls it. Rust has no built-in event loop like
//! `asyncio`: tokio is one. `Builder::new_current_thread()` makes a runtime that runs every task
//! on the calling thread — `asyncio.run` — and `tokio::spawn` is `asyncio.create_task`. As in
//! Python, a switch happens *only* at an `.await`: a coroutine that blocks (a
//! `std::thread::sleep`, a blocking read) holds the one thread and the other one waits.
//! `s10-executor-by-hand` shows what the runtime does underneath.
//!
//! Run it: `cargo run -p examples-async --bin s10-coroutine-switch`.

use std::io;

use examples_async::threads;
use examples_threads::this_thread;
use pace::Report;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Prints step `step` of coroutine `name`, with the thread it runs on.
fn step(name: &str, step: u32) {
    println!("{name}：第 {step} 步（线程 {}）", this_thread());
}

/// Coroutine 1: a step, a byte to its partner, and an IO wait for the partner's byte.
async fn coroutine1(mut socket: UnixStream) -> io::Result<()> {
    for n in 1..=3 {
        step("协程1", n);
        socket.write_all(b"1").await?;
        // Nothing to read yet: the coroutine stops here and the runtime runs the other one.
        socket.read_exact(&mut [0u8]).await?;
    }
    println!("协程1：结束");
    Ok(())
}

/// Coroutine 2: an IO wait for its partner's byte, a step, a byte back.
async fn coroutine2(mut socket: UnixStream) -> io::Result<()> {
    for n in 1..=3 {
        socket.read_exact(&mut [0u8]).await?;
        step("协程2", n);
        socket.write_all(b"2").await?;
    }
    println!("协程2：结束");
    Ok(())
}

fn main() -> Result<(), Report> {
    pace::init();
    // asyncio.run(…): an event loop on this thread, and no other thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let (one, two) = UnixStream::pair()?;
        // asyncio.create_task(…) twice: both are ready to run; neither has started yet.
        let first = tokio::spawn(coroutine1(one));
        let second = tokio::spawn(coroutine2(two));
        first.await??;
        second.await??;
        println!(
            "两个协程交替执行完毕；本进程的 OS 线程数：{}",
            threads::count(std::process::id())?
        );
        Ok(())
    })
}
