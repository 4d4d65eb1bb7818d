//! 2. CPU-bound accumulation (§3): speedup on threads and on processes.

use std::thread;

use examples_processes::{ProcessPoolExecutor, cpu_count, target};
use examples_threads::accumulate;

use crate::chart::{Chart, Series};
use crate::measure::{
    Measurement, Result, Settings, accumulation_size, expect_sum, median, median_ratio,
    python_accumulation_size, rounds, seconds,
};
use crate::python::{self, Python};
use crate::report::{Section, Table, num};

/// A pool task: the sum of `start..end`.
fn part_sum(start: u64, end: u64) -> u64 {
    accumulate::sum(start..end)
}

fn on_processes(pool: &ProcessPoolExecutor, numbers: u64, parts: usize) -> Result<u64> {
    let futures = accumulate::split(0..numbers, parts)
        .into_iter()
        .map(|p| pool.submit(target!(part_sum), (p.start, p.end)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut total: u64 = 0;
    for future in futures {
        total = total.wrapping_add(future.result()?);
    }
    Ok(total)
}

pub fn run(settings: &Settings) -> Result<Section> {
    let numbers = accumulation_size(settings);
    let cores = cpu_count();
    let check = |got: u64| expect_sum(got, 0..numbers);
    let worker_counts: Vec<usize> = (1..=2 * cores).collect();
    let pools = worker_counts
        .iter()
        .map(|&w| ProcessPoolExecutor::new(w))
        .collect::<Result<Vec<_>, _>>()?;
    let python = Python::start("q2_cpu.py");
    // Round by round: the baseline (the whole sum on one thread of its own, as every other row
    // runs it), then each number of threads, then each pool.
    let mut measurements: Vec<Measurement> = vec![Box::new(|| {
        seconds(|| check(accumulate::sum_on_threads(0..numbers, 1)?))
    })];
    for &workers in &worker_counts {
        measurements.push(Box::new(move || {
            seconds(|| check(accumulate::sum_on_threads(0..numbers, workers)?))
        }));
    }
    for (pool, &workers) in pools.iter().zip(&worker_counts) {
        measurements.push(Box::new(move || {
            seconds(|| check(on_processes(pool, numbers, workers)?))
        }));
    }
    // The control: the machine's own capacity. `cores` threads each doing the WHOLE work at
    // once share nothing at all; on `cores` free cores they take as long as one does alone.
    measurements.push(Box::new(move || {
        seconds(|| {
            thread::scope(|s| {
                let copies: Vec<_> = (0..cores)
                    .map(|_| s.spawn(move || accumulate::sum(0..numbers)))
                    .collect();
                copies.into_iter().try_for_each(|copy| {
                    check(copy.join().map_err(|_| "a summing thread panicked")?)
                })
            })
        })
    }));
    // Python, in the same rounds: the whole sum on 1 … 2×cores threads, then on pools of as many
    // processes (each pool made on first use, in the warm-up round, and kept).
    let py_numbers = python_accumulation_size(settings);
    let rust_count = measurements.len();
    for way in ["threads", "processes"] {
        for &workers in &worker_counts {
            measurements.push(python.measurement(format!("{way} {py_numbers} {workers}")));
        }
    }
    let all_samples = rounds(settings, &mut measurements)?;
    drop(measurements);
    drop(pools);
    let (samples, py_samples) = all_samples.split_at(rust_count);
    let (py_threads, py_processes) = py_samples.split_at(worker_counts.len());
    // Python's own baseline: its whole sum on one thread (the first of its thread rows).
    let py_speedup = |s: &[f64]| {
        if python::median(s).is_nan() {
            f64::NAN
        } else {
            median_ratio(&py_threads[0], s)
        }
    };
    // Rust's numbers per second ÷ Python's, round by round.
    let per_number = numbers as f64 / py_numbers as f64;
    let one = median(samples[0].clone());
    // cores × (one copy alone) / (cores copies at once), round by round.
    let capacity = cores as f64 * median_ratio(&samples[0], &samples[samples.len() - 1]);
    let mut table = Table::new(&[
        "workers",
        "threads: speedup",
        "processes: speedup",
        "ideal",
        "Python threads: speedup",
        "Python processes: speedup",
        "Rust × faster, threads",
        "Rust × faster, processes",
    ]);
    let (mut threads, mut processes, mut ideal) = (Vec::new(), Vec::new(), Vec::new());
    let (mut python_threads, mut python_processes) = (Vec::new(), Vec::new());
    let mut faster = Vec::new();
    for (i, &workers) in worker_counts.iter().enumerate() {
        let (rust_threads, rust_processes) =
            (&samples[1 + i], &samples[1 + worker_counts.len() + i]);
        let on_threads = median_ratio(&samples[0], rust_threads);
        let on_processes = median_ratio(&samples[0], rust_processes);
        let best = workers.min(cores) as f64;
        let (py_on_threads, py_on_processes) =
            (py_speedup(&py_threads[i]), py_speedup(&py_processes[i]));
        let faster_threads = python::faster_by_time(rust_threads, &py_threads[i]) * per_number;
        let faster_processes =
            python::faster_by_time(rust_processes, &py_processes[i]) * per_number;
        table.row(vec![
            workers.to_string(),
            num(on_threads),
            num(on_processes),
            num(best),
            num(py_on_threads),
            num(py_on_processes),
            python::times(faster_threads),
            python::times(faster_processes),
        ]);
        threads.push((workers as f64, on_threads));
        processes.push((workers as f64, on_processes));
        ideal.push((workers as f64, best));
        python_threads.push((workers as f64, py_on_threads));
        python_processes.push((workers as f64, py_on_processes));
        faster.push((faster_threads, faster_processes));
    }
    let at = |series: &Vec<(f64, f64)>, w: usize| {
        series.get(w.saturating_sub(1)).map_or(f64::NAN, |p| p.1)
    };
    let (on_threads, on_processes) = (at(&threads, cores), at(&processes, cores));
    let mut verdict = format!(
        "one thread sums {numbers} numbers in {} s. On {cores} cores, {cores} threads are {}× as \
         fast and {cores} processes {}×. ",
        num(one),
        num(on_threads),
        num(on_processes),
    );
    verdict.push_str(if on_threads >= 0.85 * on_processes {
        "Without a GIL, threads speed up CPU-bound work as much as processes do — the notes' \
         advice to use processes for it is about CPython, not about Rust. "
    } else {
        "Here threads fell behind processes. "
    });
    verdict.push_str(&format!(
        "The control — {cores} threads each doing the whole work at once, sharing nothing — ran \
         {}× as much work per second as one thread: that is what the machine gave in these rounds.",
        num(capacity)
    ));
    if cores >= 2 && on_threads < 1.7 {
        verdict.push_str(&format!(
            " Below the 1.7× two free cores give: {}",
            if capacity < 1.7 {
                "the machine itself did not give two cores' worth (it is shared, or a virtual \
                 machine whose CPU time varies) — the threads were held back by the machine, not \
                 by each other."
            } else {
                "the machine had the capacity, so the threads lost time to something else: look \
                 at the rounds (run it again)."
            }
        ));
    }
    if python.running() {
        let (py_on_threads, py_on_processes) =
            (at(&python_threads, cores), at(&python_processes, cores));
        let (one_x, cores_x) = (
            faster.first().map_or(f64::NAN, |f| f.0),
            faster.get(cores - 1).map_or(f64::NAN, |f| f.0),
        );
        verdict.push_str(&format!(
            " CPython in the same rounds: {cores} threads are {}× as fast as one — {} — and \
             {cores} processes {}×. Rust adds up {} as fast as Python on one thread, {} on \
             {cores} threads.",
            num(py_on_threads),
            if py_on_threads < 1.3 {
                "the GIL lets one thread compute at a time, as the notes say"
            } else {
                "more than the GIL allows, so the machine's load changed between rounds (run \
                 it again)"
            },
            num(py_on_processes),
            python::times(one_x),
            python::times(cores_x),
        ));
        verdict.push_str(&python::behind(
            worker_counts.iter().zip(&faster).flat_map(|(w, f)| {
                [
                    (format!("{w} threads"), f.0),
                    (format!("{w} processes"), f.1),
                ]
            }),
            settings.quick,
            "the machine gave Rust's rounds less CPU than Python's (see the control).",
        ));
    }
    table.row(vec![
        format!("control: {cores} whole copies at once"),
        num(capacity),
        "—".into(),
        num(cores as f64),
        "—".into(),
        "—".into(),
        "—".into(),
        "—".into(),
    ]);
    Ok(Section {
        id: "q2-cpu-bound",
        title: "2. CPU-bound accumulation: speedup over one worker",
        claim: "计算密集型，用多进程 (§3) — because of the GIL, CPU-bound work wants processes.",
        chart: Chart::Lines {
            x_label: "workers".into(),
            y_label: "speedup over 1 thread (×)".into(),
            log_x: false,
            log_y: false,
            series: vec![
                Series {
                    name: "threads".into(),
                    points: threads,
                    dashed: false,
                },
                Series {
                    name: "processes (pool)".into(),
                    points: processes,
                    dashed: false,
                },
                Series {
                    name: format!("ideal (capped at {cores} cores)"),
                    points: ideal,
                    dashed: true,
                },
                Series {
                    name: "Python threads".into(),
                    points: python_threads,
                    dashed: false,
                },
                Series {
                    name: "Python processes (pool)".into(),
                    points: python_processes,
                    dashed: false,
                },
            ],
        },
        table,
        python: python.footnote(),
        verdict,
    })
}
