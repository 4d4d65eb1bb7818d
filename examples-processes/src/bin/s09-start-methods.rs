//! §9 进程 — the three start methods, `multiprocessing.set_start_method(...)`.
//!
//! The notes compare fork, spawn and forkserver in a table: fork copies (almost) everything of
//! the parent, spawn and forkserver start from a clean state and get only what the target needs.
//! Here one target runs under each method in turn. It prints its pid and its parent's pid, and
//! whether it can see two things the parent set up in `main`: a global it filled in and a file
//! it opened. Under fork the child sees both; under spawn and forkserver it sees neither.
//!
//! Rust: the start methods are built by this crate's library (`examples_processes`), for real:
//! fork is `fork(2)`; spawn runs this executable again, and the child finds `task` by the name
//! `target!` registered; forkserver asks a single-threaded server process to fork. Under
//! forkserver the parent pid the child prints is the server's, not `main`'s.
//!
//! Run it: `cargo run -p examples-processes --bin s09-start-methods`.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;

use examples_processes::{Process, StartMethod, set_start_method, target};

/// A global the parent fills in inside `main`.
static NAME: OnceLock<String> = OnceLock::new();
/// A file the parent opens inside `main`.
static FILE_OBJECT: OnceLock<File> = OnceLock::new();

fn task(method: String) {
    let global = NAME.get().map_or("看不到", |_| "看得到");
    let file = match FILE_OBJECT.get() {
        // The object is there; is its file descriptor really open in this process?
        Some(f) if std::fs::metadata(format!("/proc/self/fd/{}", f.as_raw_fd())).is_ok() => {
            "看得到"
        }
        Some(_) => "只有对象，文件描述符已关闭",
        None => "看不到",
    };
    println!(
        "[{method}] 子进程 pid={} ppid={}  全局变量 name：{global}  打开的文件 file_object：{file}",
        std::process::id(),
        std::os::unix::process::parent_id(),
    );
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let dir = pace::temp_dir()?;
    let _ = NAME.set("武沛齐".to_string());
    let _ = FILE_OBJECT.set(File::create(dir.path().join("x1.txt"))?);
    println!("主进程 pid={}", std::process::id());

    for method in [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::ForkServer,
    ] {
        set_start_method(method);
        let mut p = Process::new(target!(task), (method.name().to_string(),));
        p.start()?;
        p.join()?;
    }
    Ok(())
}
