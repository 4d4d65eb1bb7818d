//! §9.1 案例 — `multiprocessing.cpu_count()`, and how many processes to start.
//!
//! To use every core, the notes' rule of thumb: start `cpu_count() - 1` processes, the main
//! process being the last one. Here the program prints the CPU count, then starts that many
//! processes minus one (the notes leave the target open; here each child prints its pid and
//! its parent's pid). On a 2-core machine that is one child.
//!
//! Rust: `examples_processes::cpu_count()` is `std::thread::available_parallelism()`: the CPUs
//! this process may run on, which can be fewer than the machine has (an affinity mask, a
//! container's quota) — Python's `os.process_cpu_count()` rather than `os.cpu_count()`. The
//! snippet sets no start method: fork then, the default on Linux in the notes' Python (3.14
//! switched to forkserver), and this layer's default. The children are joined when
//! `main` ends, as multiprocessing joins them at exit.
//!
//! Run it: `cargo run -p examples-processes --bin s09-1-cpu-count`.

use examples_processes::{Process, cpu_count, target};

fn task(i: usize) {
    println!(
        "进程 {i}：pid={} ppid={}",
        std::process::id(),
        std::os::unix::process::parent_id()
    );
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    println!("cpu_count() = {}", cpu_count());

    let count = cpu_count();
    for i in 0..count - 1 {
        let mut p = Process::new(target!(task), (i,));
        p.start()?;
    }
    Ok(())
}
