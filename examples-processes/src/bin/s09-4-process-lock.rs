//! §9.4 进程锁 — ten processes sell the tickets counted in one file, under a process lock.
//!
//! f1.txt holds `10`. With the spawn start method, ten processes each print `开始`, take the
//! lock, read the count, print their pid and `排队抢票了`, sleep 0.5 s, write the count minus
//! one and release the lock. The parent joins them all. Because only one process at a time
//! reads and writes, the file ends at `0`.
//!
//! Then the same without the lock, to show what it prevents: every process reads `10` before
//! any of them writes, and all ten write back `9` — nine sales are lost. A lucky schedule could
//! hide that, so this run forces it: each process tells the parent when it has read, and waits
//! until the parent has heard from all ten before it goes on (channels between the processes).
//!
//! Rust: `examples_processes::Lock` is the process lock, `multiprocessing.RLock()`'s counterpart
//! (it is not reentrant; the snippet takes it only once). It is `flock` on a lock file: the
//! kernel drops it when its holder exits *or dies*, so a process killed while it holds the lock
//! cannot block the others forever. A clone of the lock is handed to each process, as Python
//! pickles the lock for each. `acquire()` returns a guard; dropping it is `lock.release()`.
//!
//! f1.txt lives in a temporary directory (printed first), which the program makes its working
//! directory — spawned processes inherit it. After each run the program prints the file's
//! content.
//!
//! Run it: `cargo run -p examples-processes --bin s09-4-process-lock` (about 6 s).

use std::error::Error;
use std::time::Duration;

use examples_processes::{Lock, Process, StartMethod, set_start_method, target};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};

fn read_count() -> i32 {
    let text = std::fs::read_to_string("f1.txt").expect("reading f1.txt");
    text.trim().parse().expect("f1.txt holds a number")
}

fn write_count(count: i32) {
    std::fs::write("f1.txt", count.to_string()).expect("writing f1.txt");
}

fn task(lock: Lock) {
    println!("开始");
    let held = lock.acquire().expect("taking the lock");
    // Suppose the file holds one number: 10.
    let mut current_num = read_count();

    println!("{} 排队抢票了", std::process::id());
    pace::sleep(0.5);
    current_num -= 1;

    write_count(current_num);
    drop(held); // lock.release()
}

/// `task` without the lock; `have_read` and `go` make every process read before any writes.
fn task_without_lock(have_read: IpcSender<()>, go: IpcReceiver<()>) {
    println!("开始");
    let mut current_num = read_count();

    println!("{} 排队抢票了", std::process::id());
    have_read.send(()).expect("telling the parent");
    go.recv().expect("waiting for the parent");
    pace::sleep(0.5);
    current_num -= 1;

    write_count(current_num);
}

/// Joins every process; an error if one of them failed.
fn join_all<A: examples_processes::Wire>(
    process_list: &mut [Process<A>],
) -> Result<(), Box<dyn Error>> {
    for item in process_list.iter_mut() {
        item.join()?;
    }
    match process_list.iter().find(|p| p.exitcode() != Some(0)) {
        Some(p) => Err(format!("{} failed: exit code {:?}", p.get_name(), p.exitcode()).into()),
        None => Ok(()),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let _main = examples_processes::init();
    let dir = tempfile::tempdir()?;
    std::env::set_current_dir(dir.path())?;
    println!("工作目录：{}", dir.path().display());
    write_count(10);

    println!("== 有锁 ==");
    set_start_method(StartMethod::Spawn);
    let lock = Lock::new()?;

    let mut process_list = Vec::new();
    for _ in 0..10 {
        let mut p = Process::new(target!(task), (lock.clone(),));
        p.start()?;
        process_list.push(p);
    }
    // Under spawn the parent must wait for them before it reads the file: the special handling
    // the snippet points out for that start method.
    join_all(&mut process_list)?;
    println!("f1.txt 文件内容：{}", read_count());

    println!("== 没有锁：十个进程都先读到 10，再各自写回 9 ==");
    write_count(10);
    let (have_read, heard) = ipc::channel::<()>()?;
    let mut process_list = Vec::new();
    let mut gos = Vec::new();
    for _ in 0..10 {
        let (go, wait_for_go) = ipc::channel::<()>()?;
        let mut p = Process::new(target!(task_without_lock), (have_read.clone(), wait_for_go));
        p.start()?;
        process_list.push(p);
        gos.push(go);
    }
    drop(have_read);
    for _ in 0..10 {
        // One more has read. (Bounded: one that died first must not leave us waiting.)
        heard
            .try_recv_timeout(Duration::from_secs(30))
            .map_err(|e| format!("a process did not say it had read f1.txt: {e:?}"))?;
    }
    for go in gos {
        go.send(())?;
    }
    join_all(&mut process_list)?;
    println!("f1.txt 文件内容：{}", read_count());
    Ok(())
}
