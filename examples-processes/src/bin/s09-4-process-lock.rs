//! §9.4 进程锁 — ten processes sell the tickets counted in one file, under a process lock.
//!
//! f1.txt holds `10`. With the spawn start method, ten processes each print `开始`, take the
//! lock, read the count, print their pid and `排队抢票了`, sleep 0.5 s, write the count minus
//! one and release the lock. The parent joins them all. Because only one process at a time
//! reads and writes, the file ends at `0` (printed at the end: the snippet leaves it in the
//! file).
//!
//! Why the parent joins: the snippet's comment says spawn needs it. The reason is the lock:
//! the children reach it by its name (Python's RLock by the name of its semaphore, this one by
//! the path of its file), and it is removed when `main` ends — before the spawned children that
//! have not opened it yet do so. Without the joins they fail: see `s09-4-without-join`. What
//! the lock prevents, lost updates, is shown by `s09-4-without-lock`.
//!
//! Rust: `examples_processes::Lock` is the process lock, `multiprocessing.RLock()`'s counterpart
//! (it is not reentrant; the snippet takes it only once). It is `flock` on a lock file: the
//! kernel drops it when its holder exits *or dies*, so a process killed while it holds the lock
//! cannot block the others forever. A clone of the lock is handed to each process, as Python
//! pickles the lock for each. `acquire()` returns a guard; dropping it is `lock.release()`.
//!
//! f1.txt lives in a temporary directory (printed first), which the program makes its working
//! directory — spawned processes inherit it.
//!
//! Run it: `cargo run -p examples-processes --bin s09-4-process-lock` (about 5 s).

use pace::OrFail;
use std::fs;

use examples_processes::{Lock, Process, StartMethod, set_start_method, target};

fn task(lock: Lock) {
    println!("开始");
    let held = lock.acquire().or_fail("taking the lock");
    // Suppose the file holds one number: 10.
    let text = fs::read_to_string("f1.txt").or_fail("reading f1.txt");
    let mut current_num: i32 = text.trim().parse().or_fail("f1.txt holds a number");

    println!("{} 排队抢票了", std::process::id());
    pace::sleep(0.5);
    current_num -= 1;

    fs::write("f1.txt", current_num.to_string()).or_fail("writing f1.txt");
    drop(held); // lock.release()
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    let dir = pace::temp_dir()?;
    std::env::set_current_dir(dir.path())?;
    println!("工作目录：{}", dir.path().display());
    fs::write("f1.txt", "10")?;

    set_start_method(StartMethod::Spawn);
    let lock = Lock::new()?;

    let mut process_list = Vec::new();
    for _ in 0..10 {
        let mut p = Process::new(target!(task), (lock.clone(),));
        p.start()?;
        process_list.push(p);
    }

    // The lock file goes when `lock` does, at the end of main: wait for every child first.
    for item in &mut process_list {
        item.join()?;
    }
    println!("f1.txt 文件内容：{}", fs::read_to_string("f1.txt")?);
    Ok(())
}
