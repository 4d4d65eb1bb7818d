//! §5 线程锁 — `Lock`, the plain lock (同步锁).
//!
//! The snippet: two threads each print `开始`, take the lock, add 1 to a global number a million
//! times, release the lock and print the number. The first thread to arrive works while the other
//! waits at `acquire()`, so the numbers printed are 1000000, then 2000000.
//!
//! Rust: the lock owns the number — `Mutex<u64>` is `num` and `lock_object` in one — so the
//! number cannot be touched without taking the lock. `lock()` is `acquire()`; the guard it
//! returns is the access to the number, and dropping it is `release()`. Here the number is
//! printed just before the release rather than just after (Python reads the global after
//! releasing): that way the printed numbers come out in the order the lock was held, 1000000
//! before 2000000, on every run. `main` joins the threads, which Python does at exit.
//!
//! Run it: `cargo run -p examples-threads --bin s05-lock`.

use std::sync::{Mutex, PoisonError};
use std::thread;

use pace::Report;

static NUM: Mutex<u64> = Mutex::new(0); // num = 0 and lock_object = threading.Lock(), together

fn task() {
    println!("开始");
    // acquire(): the first thread in holds it, the other waits here. (A poisoned lock only
    // means another holder panicked; the number is still usable.)
    let mut num = NUM.lock().unwrap_or_else(PoisonError::into_inner);
    for _ in 0..1_000_000 {
        *num += 1;
    }
    println!("{num}");
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
