//! §9.4 进程锁, extended — the same ten processes, not joined: the lock is gone before they
//! reach it.
//!
//! `s09-4-process-lock` is the snippet, whose parent joins its ten processes before `main`
//! ends. The lock is reached by name — here the path of its file — and the file is removed
//! when the lock is dropped, at the end of `main`. This program drops the lock right after
//! starting the ten, as the end of `main` would without the joins, and only then waits for
//! them. Spawned children need a moment to start: those that open the lock file after it is
//! gone say so (`No such file or directory`), as Python's children raise `FileNotFoundError`
//! for the lock's semaphore. (A child that got there first still sells its ticket: the kernel
//! keeps an open file's lock after its name is gone.)
//!
//! Run it: `cargo run -p examples-processes --bin s09-4-without-join`.

use pace::OrFail;
use std::fs;

use examples_processes::{Lock, Process, StartMethod, set_start_method, target};

fn task(lock: Lock) {
    println!("开始");
    let held = match lock.acquire() {
        Ok(held) => held,
        Err(e) => {
            eprintln!("{} 拿不到锁：{e}", std::process::id());
            return;
        }
    };
    let text = fs::read_to_string("f1.txt").or_fail("reading f1.txt");
    let mut current_num: i32 = text.trim().parse().or_fail("f1.txt holds a number");

    println!("{} 排队抢票了", std::process::id());
    pace::sleep(0.5);
    current_num -= 1;

    fs::write("f1.txt", current_num.to_string()).or_fail("writing f1.txt");
    drop(held);
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
    // What the end of main does without the joins: the lock, and its file, go.
    drop(lock);
    for item in &mut process_list {
        item.join()?;
    }
    Ok(())
}
