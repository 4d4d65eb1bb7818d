//! §9.5 进程池 — the last snippet: a lock for the tasks of a process pool, `manager.RLock()`.
//!
//! f1.txt holds 10 (in a temporary directory: the program's working directory, and so its
//! workers'). A process pool runs ten tasks; each prints `开始`, then, holding the lock, reads
//! the number, prints `排队抢票了`, sleeps 1 s and writes the number minus one. The lock lets one
//! task at a time through, so no decrement is lost: the file ends at 0, which the program prints
//! at the end.
//!
//! Why a Manager lock: the notes say a plain `multiprocessing.RLock()` cannot be used here. It
//! can only be shared by *inheritance* — given to a `Process` when it is created — but a pool's
//! workers already exist, and a task's arguments are pickled onto the pool's queue; pickling the
//! lock raises `RuntimeError: Lock objects should only be shared between processes through
//! inheritance`. A manager's RLock lives in the manager's server process; what the tasks get is a
//! proxy, which pickles fine.
//!
//! Rust: the compiler checks what can go to a worker: a task's arguments must be serializable.
//! `examples_ipc::RLockProxy` is (a request channel to the server and the lock's number), so,
//! as in Python, the manager's lock goes to the workers. (The process layer's own lock,
//! `examples_processes::Lock`, is a `flock` on a file that travels as its path: it could go to
//! pool workers too — Python's restriction does not exist for it.) A holder that dies releases
//! the managed lock here; in Python it stays held. The Python snippet never waits for its pool
//! and relies on the interpreter waiting at exit; here `pool.shutdown(true)` waits, before the
//! file is read and before the manager is dropped.
//!
//! Run it: `cargo run -p examples-ipc --bin s09-5-pool-manager-lock` (about 10 s: the tasks take
//! turns).

use pace::OrFail;
use std::fs;

use examples_ipc::{Manager, RLockProxy};
use examples_processes::{ProcessPoolExecutor, cpu_count, target};

fn task(lock: RLockProxy) {
    println!("开始");
    let _with_lock = lock.acquire().or_fail("the manager's server is running");
    // f1.txt holds one number: the tickets left (10 at the start).
    let text = fs::read_to_string("f1.txt").or_fail("read f1.txt");
    let mut current_num: i32 = text.trim().parse().or_fail("f1.txt holds a number");

    println!("排队抢票了");
    pace::sleep(1.0);
    current_num -= 1;

    fs::write("f1.txt", current_num.to_string()).or_fail("write f1.txt");
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    // The workers are started from this directory, and start in it too: the tasks find f1.txt
    // by its bare name, as the snippet's do.
    let dir = pace::temp_dir()?;
    std::env::set_current_dir(dir.path())?;
    fs::write("f1.txt", "10")?;

    // No size given: as Python's default, one worker per CPU.
    let mut pool = ProcessPoolExecutor::new(cpu_count())?;
    // Not the process layer's own lock, the manager's: see the header for why the snippet
    // insists on it. A manager's Lock would do as well as its RLock.
    let manager = Manager::new()?;
    let lock_object = manager.rlock()?;
    let mut futures = Vec::new();
    for _ in 0..10 {
        futures.push(pool.submit(target!(task), (lock_object.clone(),))?);
    }

    pool.shutdown(true);
    for future in futures {
        future.result()?; // a task that failed says why
    }
    println!("f1.txt 最后的内容：{}", fs::read_to_string("f1.txt")?);
    Ok(())
}
