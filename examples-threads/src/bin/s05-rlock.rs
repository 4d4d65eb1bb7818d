//! §5 线程锁 — `RLock`, the reentrant lock (递归锁).
//!
//! The snippet is §5's `Lock` program with `threading.RLock()`: two threads, each prints `开始`,
//! takes the lock, adds 1 a million times, releases it and prints the number. What makes an
//! RLock different, the notes say, is that it may be acquired several times and released as many
//! times — by the thread that holds it. The snippet itself never does that. This program adds one
//! step the snippet does not have, marked as such in the code: each thread, still holding the
//! lock, calls `show`, which takes the same lock again to print the number — with a plain `Lock`
//! the thread would wait for itself forever (§6, `s06-deadlock-self`).
//!
//! Rust: std's `ReentrantLock` is not stable yet; `parking_lot::ReentrantMutex` is the RLock.
//! Because the same thread may hold it twice, its guard gives only shared access (`&T`): the
//! number sits in a `Cell`, which a shared reference may change. A `Cell` could not be shared
//! between threads on its own (§4); inside the reentrant mutex only the holding thread reaches
//! it. As in `s05-lock`, the number is printed before the final release, so 1000000 comes
//! before 2000000.
//!
//! Run it: `cargo run -p examples-threads --bin s05-rlock`.

use std::cell::Cell;
use std::thread;

use pace::Report;
use parking_lot::ReentrantMutex;

static NUM: ReentrantMutex<Cell<u64>> = ReentrantMutex::new(Cell::new(0)); // num and RLock()

/// Not in the snippet: prints the number, taking the lock itself although its caller already
/// holds it — what an RLock allows.
fn show() {
    let num = NUM.lock(); // the second acquire, by the same thread: an RLock lets it in
    println!("同一线程再次 acquire 成功（RLock 可重入）");
    println!("{}", num.get());
    // dropping `num` is the first release; the lock stays held by the outer acquire
}

fn task() {
    println!("开始");
    let num = NUM.lock(); // acquire(): the first thread in holds it, the other waits here
    for _ in 0..1_000_000 {
        num.set(num.get() + 1);
    }
    show(); // not in the snippet: the thread takes the lock it holds a second time
    drop(num); // release(): now the waiting thread gets in
}

fn main() -> Result<(), Report> {
    pace::init();
    let mut threads = Vec::new();
    for _ in 0..2 {
        threads.push(thread::spawn(task));
    }
    for t in threads {
        t.join().map_err(|_| "线程 panic 了")?;
    }
    Ok(())
}
