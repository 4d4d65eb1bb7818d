//! §9.1 案例 — the third snippet: fork copies a lock in the state it is in.
//!
//! The parent takes an `RLock` and, still holding it, starts a process with the fork start
//! method. The child's copy of the lock is taken too — by the child's main thread, the copy of
//! the thread that took it. The child starts ten threads; each prints `来了` and blocks on the
//! lock. After 2 s the child's main thread releases it, and the ten threads get it one after the
//! other, each printing `666` and holding it for 1 s.
//!
//! Rust: the lock is `parking_lot::ReentrantMutex`, the counterpart of `threading.RLock`: it
//! records the thread that owns it. Rust usually releases a lock by dropping its guard — but a
//! guard taken before the fork lives in a stack frame of `main` that the child never returns to,
//! so a `std::sync::Mutex` copied that way would stay locked in the child forever. Here the
//! parent takes the lock and forgets the guard (`mem::forget`): that is `lock.acquire()` without
//! a `with` block. The child's main thread releases it with `force_unlock` — `lock.release()` —
//! after checking that it does own it, as the notes say it does.
//!
//! Two more differences. The child's main thread waits until all ten threads have printed
//! `来了` before its 2 s begin, so that every run shows the same order. And Rust does not wait
//! for a process's other threads when its main thread is done — Python's child does
//! (`threading._shutdown`) — so the child joins its ten threads before it ends.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-fork-lock` (about 12 s).

use std::sync::{Arc, Barrier};
use std::thread;

use examples_processes::{Process, StartMethod, set_start_method, target};
use parking_lot::ReentrantMutex;

static LOCK: ReentrantMutex<()> = ReentrantMutex::new(());

fn func(all_arrived: Arc<Barrier>) {
    println!("来了"); // blocks next: the lock is still taken by the child's main thread
    all_arrived.wait();
    let _guard = LOCK.lock();
    println!("666");
    pace::sleep(1.0);
}

fn task() {
    // The copied lock is taken — by whom? By the child's main thread.
    let all_arrived = Arc::new(Barrier::new(11));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let all_arrived = Arc::clone(&all_arrived);
            thread::spawn(move || func(all_arrived))
        })
        .collect();
    all_arrived.wait();
    pace::sleep(2.0);
    assert!(
        LOCK.is_owned_by_current_thread(),
        "the child's main thread owns the lock it copied"
    );
    // SAFETY: this thread owns the lock (checked above): it is the child's copy of the parent's
    // main thread, which took the lock and forgot the guard. No guard of it exists in this
    // process that could release it a second time.
    unsafe { LOCK.force_unlock() };
    for t in threads {
        let _ = t.join();
    }
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    set_start_method(StartMethod::Fork);
    std::mem::forget(LOCK.lock()); // lock.acquire(), released by nobody in this process

    let mut p1 = Process::new(target!(task), ());
    p1.start()?;
    Ok(())
}
