//! 1. What it costs to start and join one unit of concurrency.

use std::thread;
use std::time::Instant;

use examples_processes::{Process, StartMethod, floor, target};

use crate::chart::Chart;
use crate::measure::{Result, Settings, median_of};
use crate::report::{Section, Table, num};

fn noop() {}

/// Microseconds per start-and-join of `op`, `count` at a time; the median of several runs.
fn per_start(settings: &Settings, count: usize, mut op: impl FnMut() -> Result<()>) -> Result<f64> {
    median_of(settings, || {
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
    // (row of the table, bar of the chart, µs)
    let rows: Vec<(&str, &str, f64)> = vec![
        (
            "thread: `std::thread::spawn` + `join`",
            "thread",
            per_start(s, s.pick(200, 2000), || {
                thread::spawn(noop)
                    .join()
                    .map_err(|_| "a thread panicked".into())
            })?,
        ),
        (
            "tokio task: `spawn` + `await` (current-thread runtime)",
            "tokio task",
            per_start(s, s.pick(2000, 20000), || {
                runtime.block_on(async { tokio::spawn(async {}).await })?;
                Ok(())
            })?,
        ),
        (
            "process by fork (the layer)",
            "fork",
            per_start(s, s.pick(20, 200), || process(StartMethod::Fork))?,
        ),
        (
            "  floor: bare `fork` + `waitpid`",
            "bare fork",
            per_start(s, s.pick(20, 200), || Ok(floor::fork_and_wait()?))?,
        ),
        (
            "process by forkserver (the layer)",
            "forkserver",
            per_start(s, s.pick(20, 200), || process(StartMethod::ForkServer))?,
        ),
        (
            "process by spawn (the layer)",
            "spawn",
            per_start(s, s.pick(10, 50), || process(StartMethod::Spawn))?,
        ),
        (
            "  floor: bare re-exec of the program + wait",
            "bare exec",
            per_start(s, s.pick(10, 50), || Ok(floor::exec_and_wait()?))?,
        ),
    ];
    let thread_us = rows[0].2;
    let mut table = Table::new(&["unit", "µs per start + join", "× a thread"]);
    for (name, _, us) in &rows {
        table.row(vec![name.to_string(), num(*us), num(us / thread_us)]);
    }
    let find = |prefix: &str| {
        rows.iter()
            .find(|r| r.0.starts_with(prefix))
            .map_or(f64::NAN, |r| r.2)
    };
    let spawn = find("process by spawn");
    let fork = find("process by fork");
    let served = find("process by forkserver");
    let ratio = spawn / thread_us;
    let mut verdict = format!(
        "a thread starts and joins in {} µs: {}× faster than a spawned process ({} µs), {}× faster \
         than a forked one ({} µs); the fork server starts one in {} µs. The notes' claim holds: \
         processes cost more than threads.",
        num(thread_us),
        num(ratio),
        num(spawn),
        num(fork / thread_us),
        num(fork),
        num(served)
    );
    if ratio < 10.0 {
        verdict.push_str(" (Less than 10× here: on this machine starting a thread is unusually slow or exec unusually fast — compare the floors.)");
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
