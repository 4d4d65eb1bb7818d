//! §9.5 进程池 — the first snippet: `ProcessPoolExecutor(4)`, ten tasks, `shutdown(True)`.
//!
//! A pool of four worker processes gets ten tasks; each prints `执行 N` and sleeps 2 s. The
//! main process then waits in `shutdown(wait=true)` until all ten have run — three rounds of up
//! to four tasks, about 6 s — and only then prints `1`.
//!
//! Rust: std has no process pool. `examples_processes::ProcessPoolExecutor` is one, with real
//! worker processes: they are this executable started again, and receive each task's registered
//! name (`target!`) and serialized arguments. As in Python, `main` begins with `init()` — the
//! `if __name__ == '__main__':` that keeps the workers from running `main` themselves.
//!
//! Run it: `cargo run -p examples-processes --bin s09-5-process-pool`.

use examples_processes::{ProcessPoolExecutor, target};

fn task(num: u32) {
    println!("执行 {num}");
    pace::sleep(2.0);
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let mut pool = ProcessPoolExecutor::new(4)?;
    for i in 0..10 {
        pool.submit(target!(task), (i,))?;
    }
    // Returns only when every submitted task has run.
    pool.shutdown(true);
    println!("1");
    Ok(())
}
