//! §9.1 案例 — the second snippet: the same, flushed before the fork.
//!
//! As in the first snippet (`s09-1-fork-unflushed`), the parent sets `name` and `file_object`
//! and writes `武沛齐` into x1.txt — but flushes it before it starts the process. The child's
//! copy of the buffer is empty then: it prints `name`, writes `alex`, flushes, and the file ends
//! up `武沛齐 / alex`, each line once.
//!
//! Rust: the same as the first snippet — `static`s set in `main`, a `BufWriter` that fork copies,
//! a child that leaves through `_exit`, and at the end of `main` what Python does at exit, done
//! explicitly (wait for the child, flush the file: nothing is left to flush this time).
//!
//! x1.txt lives in a temporary directory (printed first), which the program makes its working
//! directory; at the end it prints the file's content.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-fork-flushed`.

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
    file_object().flush()?;

    let mut p1 = Process::new(target!(task), ());
    p1.start()?;

    // What Python does at exit: join the child, then flush the open file.
    p1.join()?;
    file_object().flush()?;

    print!("文件内容：\n{}", std::fs::read_to_string("x1.txt")?);
    Ok(())
}
