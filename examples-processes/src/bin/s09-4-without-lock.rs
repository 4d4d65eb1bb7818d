//! §9.4 进程锁, extended — the same ten processes without the lock: sales are lost.
//!
//! `s09-4-process-lock` is the snippet; this shows what its lock prevents. f1.txt holds `10`;
//! ten spawned processes each print `开始`, read the count, print their pid and `排队抢票了`,
//! sleep 0.5 s and write the count minus one — with no lock. Every process reads `10` before
//! any of them writes, so all ten write back `9`: nine sales are lost.
//!
//! A lucky schedule could hide that, so this run forces it: each process tells the parent when
//! it has read, and waits until the parent has heard from all ten before it goes on (channels
//! between the processes: not part of the snippet, only here to make the race certain).
//!
//! Run it: `cargo run -p examples-processes --bin s09-4-without-lock`.

use pace::OrFail;
use std::fs;
use std::time::Duration;

use examples_processes::{Process, StartMethod, set_start_method, target};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};

/// `task` of §9.4 without the lock; `have_read` and `go` make every process read before any
/// writes.
fn task(have_read: IpcSender<()>, go: IpcReceiver<()>) {
    println!("开始");
    let text = fs::read_to_string("f1.txt").or_fail("reading f1.txt");
    let mut current_num: i32 = text.trim().parse().or_fail("f1.txt holds a number");

    println!("{} 排队抢票了", std::process::id());
    have_read.send(()).or_fail("telling the parent");
    go.recv().or_fail("waiting for the parent");
    pace::sleep(0.5);
    current_num -= 1;

    fs::write("f1.txt", current_num.to_string()).or_fail("writing f1.txt");
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    let dir = pace::temp_dir()?;
    std::env::set_current_dir(dir.path())?;
    println!("工作目录：{}", dir.path().display());
    fs::write("f1.txt", "10")?;

    set_start_method(StartMethod::Spawn);
    let (have_read, heard) = ipc::channel::<()>()?;
    let mut process_list = Vec::new();
    let mut gos = Vec::new();
    for _ in 0..10 {
        let (go, wait_for_go) = ipc::channel::<()>()?;
        let mut p = Process::new(target!(task), (have_read.clone(), wait_for_go));
        p.start()?;
        process_list.push(p);
        gos.push(go);
    }
    drop(have_read);
    for _ in 0..10 {
        // One more has read. (A process that died first must not leave us waiting.)
        if heard.try_recv_timeout(Duration::from_secs(30)).is_err() {
            break;
        }
    }
    for go in gos {
        let _ = go.send(()); // to a process that died, nothing
    }
    for item in &mut process_list {
        item.join()?;
    }
    println!("f1.txt 文件内容：{}", fs::read_to_string("f1.txt")?);
    Ok(())
}
