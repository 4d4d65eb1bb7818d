//! §9.2 数据共享 — shared memory, the first snippet: `Value('i', 666)`, `Value('c')`, `Value('u')`.
//!
//! A child process sets three shared values — the int to 888, the byte to `a`, the wide
//! character to 武 — and once it has been joined, the parent prints what it reads in them: 888,
//! `b'a'`, 武. The child wrote into memory the parent reads: shared memory, not a copy.
//!
//! The notes' comment says the second line prints `a`. Python really prints `b'a'` — a
//! `Value('c')` holds one byte and reads back as a `bytes` object — and so does this program.
//!
//! Rust: std has no memory shared between processes. `examples_ipc::Value` keeps the value in a
//! POSIX shared memory segment (`/dev/shm/examples-ipc-<pid>-<n>` while it exists). A forked
//! child has the mapping already; a spawned one opens the segment by the name it receives. The
//! child gets clones: handles to the same memory (Python passes the object itself). Rust types
//! stand for the type codes: `i32` for `'i'`, `CChar` for `'c'`, `char` for `'u'`. The parent
//! created the segments, so it removes them when the values are dropped at the end of `main` —
//! also if it panics; the child only unmaps them.
//!
//! Run it: `cargo run -p examples-ipc --bin s09-2-value` (prefix `EXAMPLES_START_METHOD=spawn`
//! or `=forkserver` to start the child another way; the notes use the default: fork, the
//! default on Linux in their Python — 3.14 switched to forkserver).

use examples_ipc::{CChar, Value};
use examples_processes::{Process, target};

fn func(n: Value<i32>, m1: Value<CChar>, m2: Value<char>) {
    n.set_value(888);
    m1.set_value(CChar(b'a')); // 'a'.encode('utf-8'): one byte
    m2.set_value('武');
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let num = Value::<i32>::new(666)?; // Value('i', 666)
    let v1 = Value::new(CChar::default())?; // Value('c'): b'\x00'
    let v2 = Value::new('\0')?; // Value('u'): '\x00'

    let mut p = Process::new(target!(func), (num.clone(), v1.clone(), v2.clone()));
    p.start()?;
    p.join()?;

    println!("{}", num.value()); // 888
    println!("{}", v1.value()); // b'a' (the notes' comment says a)
    println!("{}", v2.value()); // 武
    Ok(())
}
