//! §6 死锁 — case 1: one thread takes the same lock twice (单个线程中连续的获取锁).
//!
//! The notes list it in words: a thread holding a `Lock` that calls `acquire()` on it again
//! waits for itself — forever. An `RLock` (§5) counts its holder's acquisitions instead.
//!
//! Rust: std's `Mutex::lock` by a thread that already holds it may deadlock or panic; it is
//! never allowed to succeed. So that the program ends, the second acquisition here waits at most
//! 1 s (`NamedLock::lock_within`, a timed `parking_lot` lock); the lock remembers its holder,
//! so the report shows that the thread is waiting for itself. Then `parking_lot`'s
//! `ReentrantMutex` takes the same two steps and gets in at once.
//!
//! Run it: `cargo run -p examples-threads --bin s06-deadlock-self`.

use std::time::Duration;

use examples_threads::named_lock::NamedLock;
use pace::Report;
use parking_lot::ReentrantMutex;

/// How long a stuck acquire waits before the program gives up, at time scale 1.
const PATIENCE: Duration = Duration::from_secs(1);

fn main() -> Result<(), Report> {
    pace::init();
    let patience = pace::scaled(PATIENCE);

    let lock = NamedLock::new("Lock"); // threading.Lock()
    let first = lock.lock();
    println!("Lock：第 1 次 acquire 成功");
    println!(
        "Lock：第 2 次 acquire，等待中……（最多等 {:.2} 秒）",
        patience.as_secs_f64()
    );
    match lock.lock_within(patience) {
        Ok(_) => return Err("Lock 竟然被同一线程拿到了两次".into()),
        Err(blocked) => {
            println!("{blocked}");
            println!("死锁：线程在等它自己释放锁；真的 acquire() 会永远等下去");
        }
    }
    drop(first);

    let rlock = ReentrantMutex::new(()); // threading.RLock()
    let first = rlock.lock();
    println!("RLock：第 1 次 acquire 成功");
    let second = rlock
        .try_lock_for(patience)
        .ok_or("RLock 没能被同一线程再次拿到")?;
    println!("RLock：第 2 次 acquire 立即成功（同一线程可以重复申请）");
    drop(second);
    drop(first);
    println!("RLock：release 两次，锁才真正放开");
    Ok(())
}
