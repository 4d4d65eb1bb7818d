//! §3 GIL全局锁 — the CPU-bound workload the notes name (累加计算), on threads and on processes.
//!
//! The notes: because of CPython's GIL only one thread of a process computes at a time, so
//! CPU-bound work (summing a long range) wants processes, which use every core; IO-bound work
//! wants threads. They show no code for it; here is the accumulation, summed three ways: on one
//! thread; split over N threads (N = the CPUs available); split over N processes — a
//! `ProcessPoolExecutor` of N workers from `examples_processes`, real processes.
//!
//! Rust has no GIL: the N threads run on N cores at once and are as fast as N processes —
//! CPU-bound work needs no processes in Rust. The processes pay what threads do not: starting
//! them (timed apart here) and sending the parts and the results between processes.
//!
//! The amount of work follows `EXAMPLES_TIME_SCALE`; each way runs three times and the shortest
//! time counts. The times mean something only with the machine otherwise idle: run-all runs this
//! example alone. A control run — N threads each doing the *whole* sum at once, sharing nothing —
//! shows how many cores' worth the machine really gave (a busy machine or a virtual machine may
//! give less than N), and the conclusion printed at the end follows what was measured.
//! `cargo xtask bench` measures the same question for 1 … 2×N workers.
//!
//! Run it: `cargo run -p examples-threads --bin s03-cpu-bound` (`--release` for the real speed).

use std::error::Error;
use std::time::Instant;

use examples_processes::{ProcessPoolExecutor, cpu_count, target};
use examples_threads::accumulate::{self, ROUNDS, fastest};
use pace::Report;

/// A pool task: the sum of `start..end`.
fn part_sum(start: u64, end: u64) -> u64 {
    accumulate::sum(start..end)
}

fn main() -> Result<(), Report> {
    // The process pool's workers are this program started again: `init` keeps them out of main.
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let numbers = accumulate::numbers_at_time_scale();
    let n = cpu_count();
    println!(
        "任务：累加 0..{numbers}，期望结果 {}；本机可用 {n} 个 CPU；每种方式跑 {ROUNDS} 轮，取最短用时",
        accumulate::expected(0..numbers)
    );

    let (total, one) = fastest(|| Ok::<_, Box<dyn Error>>(accumulate::sum(0..numbers)))?;
    println!("1 个线程：结果 {total}，用时 {:.2} 秒", one.as_secs_f64());

    let (total, threads) = fastest(|| accumulate::sum_on_threads(0..numbers, n))?;
    println!(
        "{n} 个线程：结果 {total}，用时 {:.2} 秒，加速 {:.2} 倍",
        threads.as_secs_f64(),
        one.as_secs_f64() / threads.as_secs_f64()
    );

    let started = Instant::now();
    let pool = ProcessPoolExecutor::new(n)?;
    let startup = started.elapsed();
    let (total, processes) = fastest(|| -> Result<u64, Box<dyn Error>> {
        let futures = accumulate::split(0..numbers, n)
            .into_iter()
            .map(|part| pool.submit(target!(part_sum), (part.start, part.end)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut total: u64 = 0;
        for future in futures {
            total = total.wrapping_add(future.result()?);
        }
        Ok(total)
    })?;
    drop(pool);
    println!(
        "{n} 个进程：结果 {total}，用时 {:.2} 秒，加速 {:.2} 倍（启动进程池另用 {:.3} 秒，未计入）",
        processes.as_secs_f64(),
        one.as_secs_f64() / processes.as_secs_f64(),
        startup.as_secs_f64()
    );

    // The control: n threads each computing the WHOLE sum at once, sharing nothing. On n free
    // cores they take as long as one thread alone; whatever more they take, the machine took.
    let (total, copies) = fastest(|| accumulate::copies_on_threads(0..numbers, n))?;
    let capacity = n as f64 * one.as_secs_f64() / copies.as_secs_f64();
    println!(
        "对照：{n} 个线程同时各算一整份，结果 {total}，用时 {:.2} 秒——这次本机实际给出了约 {capacity:.2} 个 CPU 的算力",
        copies.as_secs_f64()
    );

    let on_threads = one.as_secs_f64() / threads.as_secs_f64();
    if capacity < 0.85 * n as f64 {
        println!(
            "这台机器此刻很忙（或是算力会变的虚拟机），加速比被机器限制了，不是线程的问题；机器空闲时再运行一次"
        );
    }
    if on_threads >= 0.8 * capacity {
        println!(
            "Rust 没有 GIL：计算密集型的任务，多线程和多进程一样能用满 CPU；CPython 的多线程做不到，只能用多进程"
        );
    } else {
        println!(
            "这一次多线程没有用满机器给出的算力（{on_threads:.2} 倍 / {capacity:.2}）；Rust 没有 GIL，多线程本可以和多进程一样快，再运行一次看看"
        );
    }
    Ok(())
}
