//! §9.2 数据共享 — shared memory, the second snippet: `Array('i', [11, 22, 33, 44])`.
//!
//! A child process sets element 0 of a shared array of four ints to 666; once it has been
//! joined, the parent prints the whole array, `arr[:]`: `[666, 22, 33, 44]`.
//!
//! Rust: `examples_ipc::Array<i32>` keeps its elements in a POSIX shared memory segment, as
//! `Value` does (see `s09-2-value`). The notes remark that the elements must be ints — one type
//! code for the whole array; here the element type is the Rust type, `i32` for `'i'`, and an
//! array of another type does not compile. An index out of range panics, as a slice's does
//! (Python raises `IndexError`).
//!
//! Run it: `cargo run -p examples-ipc --bin s09-2-array` (prefix `EXAMPLES_START_METHOD=spawn`
//! or `=forkserver` to start the child another way; the notes use the default: fork, the
//! default on Linux in their Python — 3.14 switched to forkserver).

use examples_ipc::Array;
use examples_processes::{Process, target};

fn f(data_array: Array<i32>) {
    data_array.set(0, 666);
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let arr = Array::<i32>::new(&[11, 22, 33, 44])?; // Array('i', [11, 22, 33, 44])

    let mut p = Process::new(target!(f), (arr.clone(),));
    p.start()?;
    p.join()?;

    println!("{:?}", arr.to_vec()); // arr[:]
    Ok(())
}
