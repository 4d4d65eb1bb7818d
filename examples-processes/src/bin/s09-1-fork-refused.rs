//! §9.1 案例, extended — fork in a process with a second thread is refused.
//!
//! `s09-1-fork-lock` shows what fork does to a lock: the child gets it in the state it was in,
//! held. There the parent has one thread, and the lock was taken by that thread, so the child's
//! copy of that thread can release it. Here a second thread of the parent holds a lock when the
//! program asks for a fork child. The child would be a copy of the calling thread only: the
//! lock would stay held in it for ever, by a thread that does not exist there — and the same
//! goes for the locks inside the allocator and the standard library. Python 3.12 prints a
//! `DeprecationWarning` and forks anyway; this process layer refuses: `start()` returns an
//! error that names the start methods that work. With spawn the same target runs.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-fork-refused`.

use std::sync::{Mutex, mpsc};
use std::thread;

use examples_processes::{Process, StartMethod, set_start_method, target};

static LOCK: Mutex<()> = Mutex::new(());

fn task() {
    println!("子进程 {} 运行了", std::process::id());
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    // A second thread that holds a lock, as a helper thread of a program may at any moment.
    let (held, is_held) = mpsc::channel();
    let (release, wait_for_release) = mpsc::channel::<()>();
    let helper = thread::spawn(move || {
        let _guard = LOCK.lock();
        let _ = held.send(());
        let _ = wait_for_release.recv();
    });
    is_held.recv()?;

    set_start_method(StartMethod::Fork);
    let mut p = Process::new(target!(task), ());
    match p.start() {
        Err(e) => println!("fork 被拒绝：{e}"),
        Ok(()) => {
            p.join()?;
            println!("fork 没有被拒绝？");
        }
    }

    set_start_method(StartMethod::Spawn);
    let mut p = Process::new(target!(task), ());
    p.start()?;
    p.join()?;
    if let Some(code) = p.exitcode() {
        println!("spawn 的子进程结束了，退出码 {code}");
    }

    drop(release);
    let _ = helper.join();
    Ok(())
}
