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
//! level: a thread that `load`s the value, adds 1 and `store`s it back does exactly what
//! Python's `num += 1` does, and loses increments the same way. `fetch_add` does the read, the
//! add and the write as one indivisible step, and loses none. Two threads each add 1 000 000
//! both ways; a Barrier releases them together so that they really overlap.
//!
//! How many updates the first way loses depends on the scheduler (on one core it may be none);
//! `fetch_add` is exact every time.
//!
//! Run it: `cargo run -p examples-threads --bin s04-thread-unsafe`.

use std::error::Error;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread;

const TIMES: u64 = 1_000_000;
const THREADS: u64 = 2;

static NUM: AtomicU64 = AtomicU64::new(0);
static NUM_FETCH_ADD: AtomicU64 = AtomicU64::new(0);

/// `num += 1` as Python runs it: read, add, write — three steps.
fn task_load_store(start: &Barrier) {
    start.wait();
    for _ in 0..TIMES {
        let num = NUM.load(Relaxed);
        NUM.store(num + 1, Relaxed);
    }
}

/// The increment as one indivisible step.
fn task_fetch_add(start: &Barrier) {
    start.wait();
    for _ in 0..TIMES {
        NUM_FETCH_ADD.fetch_add(1, Relaxed);
    }
}

/// Runs `task` on [`THREADS`] threads released together, and waits for them.
fn run_on_threads(task: fn(&Barrier)) -> Result<(), Box<dyn Error>> {
    let start = Barrier::new(THREADS as usize);
    thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS).map(|_| s.spawn(|| task(&start))).collect();
        for t in threads {
            t.join().map_err(|_| "线程 panic 了")?;
        }
        Ok(())
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let expected = THREADS * TIMES;
    println!("{THREADS} 个线程，各把 num 加 {TIMES} 次");

    run_on_threads(task_load_store)?;
    let got = NUM.load(Relaxed);
    println!(
        "load 再 store（同 Python 的 num += 1）：期望 {expected}，实际 {got}，丢失 {} 次更新",
        expected - got
    );

    run_on_threads(task_fetch_add)?;
    let got = NUM_FETCH_ADD.load(Relaxed);
    println!(
        "fetch_add（一步完成）：期望 {expected}，实际 {got}，丢失 {} 次更新",
        expected - got
    );
    println!(
        "不加同步、直接改共享变量的写法，Rust 编译不通过：见 examples-threads/src/thread_safety.rs"
    );
    Ok(())
}
