//! §9.5 进程池 — the second snippet: done-callbacks of a process pool run in the main process.
//!
//! Fifty tasks go to a pool of four; each prints `执行 N`, sleeps 2 s and returns N. Every
//! future gets a callback that prints `multiprocessing.current_process()` — the main process,
//! every time — sleeps 1 s, prints the result, sleeps 1 s. The main process prints itself too,
//! then waits in `shutdown(True)`.
//!
//! The callbacks run one at a time on one thread of the main process, as Python's do; with 2 s
//! of sleep each, fifty of them take about 100 s (the tasks themselves only about 26 s). A
//! thread pool differs: there the callback runs on the worker thread that ran the task (see
//! `s07-thread-pool`).
//!
//! Run it: `cargo run -p examples-processes --bin s09-5-pool-callback` (about 100 s; prefix
//! `EXAMPLES_TIME_SCALE=0.05` to see it in 5).

use examples_processes::{Future, ProcessPoolExecutor, current_process, target};

fn task(num: u32) -> u32 {
    println!("执行 {num}");
    pace::sleep(2.0);
    num
}

fn done(res: &Future<u32>) {
    println!("{}", current_process());
    pace::sleep(1.0);
    match res.result() {
        Ok(value) => println!("{value}"),
        Err(e) => println!("{e}"),
    }
    pace::sleep(1.0);
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let mut pool = ProcessPoolExecutor::new(4)?;
    for i in 0..50 {
        let fur = pool.submit(target!(task), (i,))?;
        fur.add_done_callback(done);
    }
    println!("{}", current_process());
    pool.shutdown(true);
    Ok(())
}
