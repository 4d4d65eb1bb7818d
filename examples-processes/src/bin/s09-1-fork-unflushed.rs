//! §9.1 案例 — the first snippet: fork copies a file's unflushed buffer.
//!
//! With the fork start method the parent sets two globals, `name` (an empty list) and
//! `file_object` (x1.txt opened for appending), writes `武沛齐` into the file *without flushing*,
//! and starts a process. The child prints `name`, writes `alex` and flushes. The file ends up
//! `武沛齐 / alex / 武沛齐`: the child got a copy of the parent's buffer with `武沛齐` still in
//! it and flushed it with its own line; the parent's copy was flushed once more at its exit.
//!
//! Rust: the globals are `static`s set in `main`, and the file is a `BufWriter`, so that "not
//! flushed yet" is real: the bytes sit in this process's memory, and fork copies them. The
//! forked child leaves through `_exit`, as Python's does: its copy of the buffer is not flushed
//! a second time. One more difference: Rust has no interpreter exit that flushes open files — a
//! `static` is never dropped, so without the last lines of `main` the parent's `武沛齐` would be
//! lost. Those lines do explicitly what Python does when the program ends: wait for the child,
//! then flush the file.
//!
//! x1.txt lives in a temporary directory (printed first), which the program makes its working
//! directory; at the end it prints the file's content.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-fork-unflushed`.

use pace::OrFail;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use examples_processes::{Process, StartMethod, set_start_method, target};

static NAME: OnceLock<Vec<String>> = OnceLock::new();
static FILE_OBJECT: OnceLock<Mutex<BufWriter<File>>> = OnceLock::new();

fn file_object() -> MutexGuard<'static, BufWriter<File>> {
    FILE_OBJECT
        .get()
        .expect("main opens x1.txt before it starts the process")
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn task() {
    println!("{:?}", NAME.get().expect("main sets name"));
    let mut file = file_object();
    writeln!(file, "alex").or_fail("writing x1.txt");
    file.flush().or_fail("flushing x1.txt");
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    let dir = pace::temp_dir()?;
    std::env::set_current_dir(dir.path())?;
    println!("工作目录：{}", dir.path().display());

    set_start_method(StartMethod::Fork);

    let _ = NAME.set(Vec::new());
    let file = OpenOptions::new()
        .append(true)
        .read(true)
        .create(true)
        .open("x1.txt")?;
    let _ = FILE_OBJECT.set(Mutex::new(BufWriter::new(file)));
    writeln!(file_object(), "武沛齐")?;

    let mut p1 = Process::new(target!(task), ());
    p1.start()?;

    // What Python does at exit: join the child, then flush the open file.
    p1.join()?;
    file_object().flush()?;

    print!("文件内容：\n{}", std::fs::read_to_string("x1.txt")?);
    Ok(())
}
