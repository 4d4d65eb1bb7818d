//! §2.1 线程常见方法 — `t.setDaemon(True)` vs `t.setDaemon(False)`.
//!
//! The notes: a daemon thread is stopped when the main thread finishes; a non-daemon thread (the
//! default) is waited for — the program ends only after it has finished.
//!
//! Rust has no `setDaemon`: every spawned thread behaves like a daemon thread. When `main`
//! returns, the process exits and the other threads stop wherever they are, *without running
//! their destructors*. The non-daemon behaviour is something you write: `join()` the thread,
//! which is what Python does for you at exit.
//!
//! Here the daemon thread works in an endless loop and owns a value whose destructor would print
//! `守护线程：收尾工作`; that line never appears. The other thread is joined: it finishes and
//! cleans up.
//!
//! Run it: `cargo run -p examples-threads --bin s02-1-daemon` (or `cargo xtask run s02-1-daemon`).

use std::thread;

use pace::Report;

/// Prints a line when dropped: shows whether a thread got to clean up.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("{}：收尾工作", self.0);
    }
}

fn main() -> Result<(), Report> {
    pace::init();
    // t.setDaemon(True); t.start(): nobody waits for this one.
    thread::Builder::new().name("守护线程".into()).spawn(|| {
        let _cleanup = Cleanup("守护线程");
        for round in 1.. {
            println!("守护线程：第 {round} 轮工作");
            pace::sleep(0.4);
        }
    })?;

    // t.setDaemon(False) — Python's default; in Rust: join it.
    let t = thread::Builder::new().name("非守护线程".into()).spawn(|| {
        let _cleanup = Cleanup("非守护线程");
        pace::sleep(1.0);
        println!("非守护线程：执行完毕");
    })?;
    t.join().map_err(|_| "非守护线程 panic 了")?;

    println!("主线程：执行完毕，进程退出；守护线程就此中断，它的收尾不会执行");
    Ok(())
}
