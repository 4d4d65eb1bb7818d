//! §4 线程安全 — several threads changing one shared value *may* mix it up.
//!
//! The notes say it in words: threads share the process's data, and when several change the same
//! thing at once the result can be wrong — `num += 1` is a read, an add and a write, and another
//! thread can run in between, so an increment gets lost.
//!
//! Rust refuses the plain version at compile time: a `static mut` counter, or one local counter
//! borrowed by two threads, does not compile. Those programs are kept, with the compiler's error
//! codes, as `compile_fail` doctests in `examples-threads/src/thread_safety.rs` (run them with
//! `cargo test -p examples-threads --doc`).
//!
//! What Rust allows is a counter whose every single access is atomic. Then the race moves up a
//! level: a thread that `load`s the value, adds 1 and `store`s it back does what Python's
//! `num += 1` does. Whether another thread gets in between is up to the scheduler — in a tight
//! loop the window is so short (in release mode a single instruction) that often nothing is lost.
//! So the program first *forces* the bad interleaving: both threads read, meet at a Barrier, and
//! only then both write back what they read plus 1. Two increments, the counter goes up by one:
//! exactly one update lost, on every run. `fetch_add` does the read, the add and the write as one
//! indivisible step: under the same Barrier both increments count.
//!
//! Then the bulk run, unforced: two threads each add 1 000 000 both ways. How many updates
//! load-then-store loses there is luck (it may be none); `fetch_add` is exact every time.
//!
//! Run it: `cargo run -p examples-threads --bin s04-thread-unsafe` (and with `--release`).

use std::error::Error;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread;

use pace::Report;

const TIMES: u64 = 1_000_000;
const THREADS: u64 = 2;

/// `num += 1` as Python runs it, with the other thread forced in between: read, wait until the
/// other thread has read too, write.
fn racy_increment(num: &AtomicU64, both_read: &Barrier) {
    let read = num.load(Relaxed);
    both_read.wait(); // the other thread reads the same value before anyone writes
    num.store(read + 1, Relaxed);
}

/// The increment as one step, after the same meeting point.
fn atomic_increment(num: &AtomicU64, both_ready: &Barrier) {
    both_ready.wait();
    num.fetch_add(1, Relaxed);
}

/// `num += 1` as Python runs it, `TIMES` times, unforced: read, add, write.
fn task_load_store(num: &AtomicU64, start: &Barrier) {
    start.wait();
    for _ in 0..TIMES {
        let read = num.load(Relaxed);
        num.store(read + 1, Relaxed);
    }
}

/// `TIMES` increments, each one indivisible step.
fn task_fetch_add(num: &AtomicU64, start: &Barrier) {
    start.wait();
    for _ in 0..TIMES {
        num.fetch_add(1, Relaxed);
    }
}

/// Runs `task` on [`THREADS`] threads that share a counter starting at 0 and a Barrier for all
/// of them; returns the counter once they have finished.
fn run_on_threads(task: fn(&AtomicU64, &Barrier)) -> Result<u64, Box<dyn Error>> {
    let num = AtomicU64::new(0);
    let barrier = Barrier::new(THREADS as usize);
    thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| s.spawn(|| task(&num, &barrier)))
            .collect();
        for t in threads {
            t.join().map_err(|_| "线程 panic 了")?;
        }
        Ok::<_, Box<dyn Error>>(())
    })?;
    Ok(num.load(Relaxed))
}

/// One line of the report.
fn report(way: &str, expected: u64, got: u64) {
    println!(
        "{way}：期望 {expected}，实际 {got}，丢失 {} 次更新",
        expected - got
    );
}

fn main() -> Result<(), Report> {
    pace::init();
    println!("—— 强制交错：{THREADS} 个线程各加 1，都先读、再都写回 ——");
    report("load 再 store", THREADS, run_on_threads(racy_increment)?);
    report("fetch_add", THREADS, run_on_threads(atomic_increment)?);

    let expected = THREADS * TIMES;
    println!("—— 不强制：{THREADS} 个线程，各把 num 加 {TIMES} 次 ——");
    report(
        "load 再 store（同 Python 的 num += 1；丢多少看调度，可能是 0）",
        expected,
        run_on_threads(task_load_store)?,
    );
    report(
        "fetch_add（一步完成）",
        expected,
        run_on_threads(task_fetch_add)?,
    );
    println!(
        "不加同步、直接改共享变量的写法，Rust 编译不通过：见 examples-threads/src/thread_safety.rs"
    );
    Ok(())
}
