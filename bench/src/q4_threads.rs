//! 4. Too many threads (§7): the same CPU-bound work on 1 … 256 threads, and through a pool.

use examples_processes::cpu_count;
use examples_threads::accumulate;
use examples_threads::pool::ThreadPool;

use crate::chart::{Chart, Series};
use crate::measure::{
    Measurement, Result, Settings, accumulation_size, expect_sum, median, median_ratio,
    python_accumulation_size, rounds, seconds,
};
use crate::python::{self, Python};
use crate::report::{Section, Table, num, rate};

pub fn run(settings: &Settings) -> Result<Section> {
    let numbers = accumulation_size(settings);
    let cores = cpu_count();
    let check = |got: u64| expect_sum(got, 0..numbers);
    let py_numbers = python_accumulation_size(settings);
    let python_size = format!("{} numbers", rate(py_numbers as f64));
    let mut table = Table::new(&[
        "parts",
        "a thread per part (ms)",
        &format!("a pool of {cores} threads (ms)"),
        &format!("Python: a thread per part (ms, {python_size})"),
        &format!("Python: a pool of {cores} (ms)"),
        "Rust × faster, threads",
        "Rust × faster, pool",
    ]);
    let counts: Vec<usize> = (0..=8).map(|p| 1usize << p).collect();
    let on_pool = |parts: usize| -> Result<()> {
        let pool = ThreadPool::new(cores, "sum");
        let futures: Vec<_> = accumulate::split(0..numbers, parts)
            .into_iter()
            .map(|part| pool.submit(move || accumulate::sum(part)))
            .collect();
        let mut total: u64 = 0;
        for f in &futures {
            total = total.wrapping_add(*f.result().map_err(|e| e.to_string())?);
        }
        pool.shutdown();
        check(total)
    };
    // Round by round: every number of threads, then every number of pool tasks; then the same
    // in Python (a `concurrent.futures` pool).
    let python = Python::start("q4_threads.py");
    let mut measurements: Vec<Measurement> = Vec::new();
    for &parts in &counts {
        measurements.push(Box::new(move || {
            seconds(|| check(accumulate::sum_on_threads(0..numbers, parts)?))
        }));
    }
    for &parts in &counts {
        measurements.push(Box::new(move || seconds(|| on_pool(parts))));
    }
    for &parts in &counts {
        measurements.push(python.measurement(format!("threads {py_numbers} {parts}")));
    }
    for &parts in &counts {
        measurements.push(python.measurement(format!("pool {py_numbers} {parts} {cores}")));
    }
    let samples = rounds(settings, &mut measurements)?;
    drop(measurements);
    let (own_samples, rest) = samples.split_at(counts.len());
    let (pool_samples, rest) = rest.split_at(counts.len());
    let (py_own_samples, py_pool_samples) = rest.split_at(counts.len());
    // Rust's numbers per second ÷ Python's.
    let per_number = numbers as f64 / py_numbers as f64;
    let (mut own, mut pooled) = (Vec::new(), Vec::new());
    let (mut py_own, mut py_pooled) = (Vec::new(), Vec::new());
    // Every Rust × faster, with its name: where Rust is not ahead, the verdict says why.
    let mut every_faster: Vec<(String, f64)> = Vec::new();
    for (i, &parts) in counts.iter().enumerate() {
        let faster_own = python::faster_by_time(&own_samples[i], &py_own_samples[i]) * per_number;
        let faster_pool =
            python::faster_by_time(&pool_samples[i], &py_pool_samples[i]) * per_number;
        every_faster.push((format!("{parts} threads"), faster_own));
        every_faster.push((format!("a pool for {parts} parts"), faster_pool));
        let t = median(own_samples[i].clone());
        let p = median(pool_samples[i].clone());
        let py_t = python::median(&py_own_samples[i]);
        let py_p = python::median(&py_pool_samples[i]);
        table.row(vec![
            parts.to_string(),
            num(t * 1e3),
            num(p * 1e3),
            num(py_t * 1e3),
            num(py_p * 1e3),
            python::times(faster_own),
            python::times(faster_pool),
        ]);
        own.push((parts as f64, t * 1e3));
        pooled.push((parts as f64, p * 1e3));
        py_own.push((parts as f64, py_t * 1e3));
        py_pooled.push((parts as f64, py_p * 1e3));
    }
    let at = |s: &Vec<(f64, f64)>, parts: usize| {
        s.iter()
            .find(|p| p.0 == parts as f64)
            .map_or(f64::NAN, |p| p.1)
    };
    let index = |parts: usize| counts.iter().position(|&c| c == parts);
    let (on_cores, on_256) = (at(&own, cores), at(&own, 256));
    // Compared round by round, like with like.
    let slowdown = match (index(cores), index(256)) {
        (Some(c), Some(m)) => median_ratio(&own_samples[m], &own_samples[c]),
        _ => on_256 / on_cores,
    };
    let head = format!(
        "the work takes {} ms on {cores} threads and {} ms on 256 ({}× as long, compared round \
         by round); a pool of {cores} threads takes {} ms for 256 parts. ",
        num(on_cores),
        num(on_256),
        num(slowdown),
        num(at(&pooled, 256))
    );
    let tail = if slowdown > 1.15 {
        "More threads than cores only add starts, stacks and switches: the notes' point, and \
         the pool avoids it."
    } else if slowdown < 0.87 {
        "256 threads were even faster here: with many more parts than cores the scheduler \
         evens out cores that do not run at the same speed (this machine's do not, see \
         question 2's control). Threads are cheap next to this much work each; they weigh more \
         when they are many more or their work shorter (question 1 gives one thread's cost)."
    } else {
        "More threads than cores bring nothing, and at this size cost little: each thread's \
         start, stack and switches are small next to its share of the work. They weigh more \
         when the threads are many more or their work shorter (question 1 gives one thread's \
         cost)."
    };
    let mut verdict = head + tail;
    if python.running() {
        let py_slowdown = match (index(cores), index(256)) {
            (Some(c), Some(m)) => median_ratio(&py_own_samples[m], &py_own_samples[c]),
            _ => f64::NAN,
        };
        verdict.push_str(&format!(
            " CPython, adding up {python_size}: {} ms on {cores} threads, {} ms on 256 ({}× as \
             long), {} ms on a pool of {cores}; its threads take turns under the GIL whatever \
             their number.",
            num(at(&py_own, cores)),
            num(at(&py_own, 256)),
            num(py_slowdown),
            num(at(&py_pooled, 256)),
        ));
        verdict.push_str(&python::behind(
            every_faster,
            settings.quick,
            "with many threads and little work each, the cost is the kernel's — starting, \
             switching and joining threads — the same for both languages.",
        ));
    }
    Ok(Section {
        id: "q4-too-many-threads",
        title: "4. Too many threads: one job split over 1 … 256 threads",
        claim: "线程不是开的越多越好，开的多了可能会导致系统的性能更低了 (§7) — use a thread pool.",
        chart: Chart::Lines {
            x_label: "parts (threads, or tasks for the pool; log scale)".into(),
            y_label: "wall time (ms, log scale)".into(),
            log_x: true,
            log_y: true,
            series: vec![
                Series {
                    name: "a thread per part".into(),
                    points: own,
                    dashed: false,
                },
                Series {
                    name: format!("a pool of {cores} threads"),
                    points: pooled,
                    dashed: false,
                },
                Series {
                    name: format!("Python: a thread per part ({python_size})"),
                    points: py_own,
                    dashed: false,
                },
                Series {
                    name: format!("Python: a pool of {cores} threads ({python_size})"),
                    points: py_pooled,
                    dashed: false,
                },
            ],
        },
        table,
        python: python.footnote(),
        verdict,
    })
}
