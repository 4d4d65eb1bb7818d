//! 1. What it costs to start and join one unit of concurrency.

use std::thread;
use std::time::Instant;

use examples_processes::{Process, StartMethod, floor, target};

use crate::chart::Chart;
use crate::measure::{Measurement, Result, Settings, median, median_ratio, rounds};
use crate::report::{Section, Table, num};

fn noop() {}

/// Microseconds per start-and-join of `op`, `count` at a time: one measurement.
fn per_start<'a>(count: usize, mut op: impl FnMut() -> Result<()> + 'a) -> Measurement<'a> {
    Box::new(move || {
        let started = Instant::now();
        for _ in 0..count {
            op()?;
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / count as f64)
    })
}

fn process(method: StartMethod) -> Result<()> {
    let mut p = Process::new(target!(noop), ()).start_method(method);
    p.start()?;
    p.join()?;
    Ok(())
}

pub fn run(settings: &Settings) -> Result<Section> {
    let s = settings;
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    // (row of the table, bar of the chart, how to measure it)
    let units: Vec<(&str, &str, Measurement)> = vec![
        (
            "thread: `std::thread::spawn` + `join`",
            "thread",
            per_start(s.pick(200, 2000), || {
                thread::spawn(noop)
                    .join()
                    .map_err(|_| "a thread panicked".into())
            }),
        ),
        (
            "tokio task: `spawn` + `await` (current-thread runtime)",
            "tokio task",
            per_start(s.pick(2000, 20000), || {
                runtime.block_on(async { tokio::spawn(async {}).await })?;
                Ok(())
            }),
        ),
        (
            "process by fork (the layer)",
            "fork",
            per_start(s.pick(20, 200), || process(StartMethod::Fork)),
        ),
        (
            "  floor: bare `fork` + `waitpid`",
            "bare fork",
            per_start(s.pick(20, 200), || Ok(floor::fork_and_wait()?)),
        ),
        (
            "process by forkserver (the layer)",
            "forkserver",
            per_start(s.pick(20, 200), || process(StartMethod::ForkServer)),
        ),
        (
            "process by spawn (the layer)",
            "spawn",
            per_start(s.pick(10, 50), || process(StartMethod::Spawn)),
        ),
        (
            "  floor: bare re-exec of the program + wait",
            "bare exec",
            per_start(s.pick(10, 50), || Ok(floor::exec_and_wait()?)),
        ),
    ];
    let (names, mut measurements): (Vec<(&str, &str)>, Vec<Measurement>) = units
        .into_iter()
        .map(|(row, bar, m)| ((row, bar), m))
        .unzip();
    let samples = rounds(s, &mut measurements)?;
    drop(measurements);
    // (row, bar, µs, × a thread)
    let rows: Vec<(&str, &str, f64, f64)> = names
        .iter()
        .zip(&samples)
        .map(|(&(row, bar), sample)| {
            (
                row,
                bar,
                median(sample.clone()),
                median_ratio(sample, &samples[0]),
            )
        })
        .collect();
    let thread_us = rows[0].2;
    let mut table = Table::new(&["unit", "µs per start + join", "× a thread"]);
    for (name, _, us, times) in &rows {
        table.row(vec![name.to_string(), num(*us), num(*times)]);
    }
    let find = |prefix: &str| {
        rows.iter()
            .find(|r| r.0.starts_with(prefix))
            .map_or(f64::NAN, |r| r.2)
    };
    let times = |prefix: &str| {
        rows.iter()
            .find(|r| r.0.starts_with(prefix))
            .map_or(f64::NAN, |r| r.3)
    };
    let (spawn, fork, served) = (
        find("process by spawn"),
        find("process by fork"),
        find("process by forkserver"),
    );
    let ratio = times("process by spawn");
    let claim = if times("process by fork") > 1.0 && ratio > 1.0 {
        "The notes' claim holds in Rust too: a process costs more than a thread."
    } else {
        "Here the notes' claim does not hold for every kind of process."
    };
    let mut verdict = format!(
        "a thread starts and joins in {} µs, a tokio task in {} µs. A process by fork takes {} µs \
         ({}× a thread; the bare fork is {} µs), by the fork server {} µs, by spawn {} µs ({}× a \
         thread; the bare re-exec is {} µs). {claim}",
        num(thread_us),
        num(find("tokio task")),
        num(fork),
        num(times("process by fork")),
        num(find("  floor: bare `fork`")),
        num(served),
        num(spawn),
        num(ratio),
        num(find("  floor: bare re-exec")),
    );
    if ratio < 10.0 {
        verdict.push_str(
            " A spawned process is less than 10× a thread here: compare the bare re-exec, the \
             operating system's own floor — on this machine starting a program is unusually \
             cheap, or starting a thread unusually dear.",
        );
    }
    Ok(Section {
        id: "q1-start-cost",
        title: "1. Cost to start and join one unit of concurrency",
        claim: "多进程的开销要比多线程的开销大 (§2) — processes cost more than threads.",
        chart: Chart::Bars {
            y_label: "µs per start + join (log scale)".into(),
            log_y: true,
            categories: rows.iter().map(|r| r.1.to_string()).collect(),
            groups: vec![(
                "µs per start + join".into(),
                rows.iter().map(|r| r.2).collect(),
            )],
        },
        table,
        verdict,
    })
}
