//! §11.2 并发和并行 — serial, concurrent and parallel, measured on the same work.
//!
//! The notes define three ways to run several tasks: serially (串行, one after another);
//! concurrently (并发, one CPU switching between them, so they only seem to run at once); and in
//! parallel (并行, several CPUs, each running one task at the same moment). In CPython, threads
//! give only concurrency (the GIL), and parallelism needs processes.
//!
//! Here the work is §3's accumulation (累加计算, `examples_threads::accumulate`), summed three
//! ways: on one thread; split over N threads (N = available CPUs) that are all pinned to a single
//! CPU with `sched_setaffinity`, so the kernel can only take turns between them; and split over
//! the same N threads free to use every CPU. Concurrent takes about as long as serial; parallel
//! takes about serial / N.
//!
//! Rust has no GIL: plain threads run in parallel; the one-CPU run has to be forced. (On Linux,
//! `sched_setaffinity(0, …)` pins the calling thread; threads it starts afterwards inherit the
//! mask, and the main thread gets every CPU back before the parallel run.) The amount of work
//! follows `EXAMPLES_TIME_SCALE`, like the sleeps elsewhere. The times are only meaningful with
//! the machine otherwise idle — run-all runs this example alone — and each way runs three times,
//! keeping its shortest time.
//!
//! Run it: `cargo run -p examples-threads --bin s11-2-concurrency-vs-parallelism`.

use std::error::Error;
use std::thread;

use examples_threads::accumulate::{self, ROUNDS, fastest};
use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
use nix::unistd::Pid;
use pace::Report;

/// The CPUs in `set`.
fn cpus(set: &CpuSet) -> Vec<usize> {
    (0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect()
}

/// CPUs as a list, `[0, 1]`.
fn list(cpus: &[usize]) -> String {
    let numbers: Vec<String> = cpus.iter().map(usize::to_string).collect();
    format!("[{}]", numbers.join(", "))
}

fn main() -> Result<(), Report> {
    pace::init();
    let numbers = accumulate::numbers_at_time_scale();
    let cores = thread::available_parallelism()?.get();
    let this_thread = Pid::from_raw(0);
    let all_cpus = sched_getaffinity(this_thread)?;
    let one_cpu = *cpus(&all_cpus)
        .first()
        .ok_or("this thread may run on no CPU at all?")?;
    println!(
        "任务：累加 0..{numbers}，期望结果 {}；本机可用 {cores} 个 CPU；每种方式跑 {ROUNDS} 轮，取最短用时",
        accumulate::expected(0..numbers)
    );

    // 串行: one thread, start to end.
    let (total, serial) = fastest(|| Ok::<_, Box<dyn Error>>(accumulate::sum(0..numbers)))?;
    println!(
        "串行：1 个线程从头算到尾，结果 {total}，用时 {:.2} 秒",
        serial.as_secs_f64()
    );

    // 并发: N threads, one CPU.
    let mut only_one = CpuSet::new();
    only_one.set(one_cpu)?;
    sched_setaffinity(this_thread, &only_one)?;
    println!(
        "sched_setaffinity：主线程和它新建的线程只能用 CPU {}",
        list(&cpus(&sched_getaffinity(this_thread)?))
    );
    let pinned_run = fastest(|| accumulate::sum_on_threads(0..numbers, cores));
    sched_setaffinity(this_thread, &all_cpus)?;
    let (total, concurrent) = pinned_run?;
    println!(
        "并发：{cores} 个线程都只能在 CPU {one_cpu} 上运行，轮流执行，结果 {}，用时 {:.2} 秒",
        total,
        concurrent.as_secs_f64()
    );

    // 并行: N threads, N CPUs.
    let (total, parallel) = fastest(|| accumulate::sum_on_threads(0..numbers, cores))?;
    println!(
        "并行：{cores} 个线程在 {cores} 个 CPU 上同时运行，结果 {}，用时 {:.2} 秒",
        total,
        parallel.as_secs_f64()
    );

    println!(
        "并发用时 / 串行用时 = {:.2}（只是轮流执行，不会更快）；串行用时 / 并行用时 = {:.2}（最多 {cores} 倍）",
        concurrent.as_secs_f64() / serial.as_secs_f64(),
        serial.as_secs_f64() / parallel.as_secs_f64()
    );
    println!("Rust 没有 GIL：多个线程就能并行计算；CPython 的多线程只有并发，并行要靠多进程");
    Ok(())
}
