//! 1. What it costs to start and join one unit of concurrency.

use std::thread;
use std::time::Instant;

use examples_processes::{Process, StartMethod, floor, target};

use crate::chart::Chart;
use crate::measure::{Measurement, Result, Settings, median, median_ratio, rounds};
use crate::python::{self, Python};
use crate::report::{Section, Table, num};

fn noop() {}

/// What the Python column measures for each row (`bench/python/q1_start.py`).
const PYTHON_UNITS: [&str; 7] = [
    "`threading.Thread` start + join",
    "asyncio task: `create_task` + `await`",
    "`multiprocessing` fork",
    "bare `os.fork` + `waitpid`",
    "`multiprocessing` forkserver",
    "`multiprocessing` spawn",
    "a new `python3 -c ''` + wait",
];

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
    let python = Python::start("q1_start.py");
    // (row of the table, bar of the chart, how to measure it, the Python command that measures
    // the same — an interpreter is much slower to start, so it starts fewer of each)
    let units: Vec<(&str, &str, Measurement, String)> = vec![
        (
            "thread: `std::thread::spawn` + `join`",
            "thread",
            per_start(s.pick(200, 2000), || {
                thread::spawn(noop)
                    .join()
                    .map_err(|_| "a thread panicked".into())
            }),
            format!("thread {}", s.pick(100, 1000)),
        ),
        (
            "tokio task: `spawn` + `await` (current-thread runtime)",
            "tokio task",
            per_start(s.pick(2000, 20000), || {
                runtime.block_on(async { tokio::spawn(async {}).await })?;
                Ok(())
            }),
            format!("task {}", s.pick(1000, 10000)),
        ),
        (
            "process by fork (the layer)",
            "fork",
            per_start(s.pick(20, 200), || process(StartMethod::Fork)),
            format!("fork {}", s.pick(3, 50)),
        ),
        (
            "  floor: bare `fork` + `waitpid`",
            "bare fork",
            per_start(s.pick(20, 200), || Ok(floor::fork_and_wait()?)),
            format!("bare_fork {}", s.pick(3, 50)),
        ),
        (
            "process by forkserver (the layer)",
            "forkserver",
            per_start(s.pick(20, 200), || process(StartMethod::ForkServer)),
            format!("forkserver {}", s.pick(3, 50)),
        ),
        (
            "process by spawn (the layer)",
            "spawn",
            per_start(s.pick(10, 50), || process(StartMethod::Spawn)),
            format!("spawn {}", s.pick(1, 10)),
        ),
        (
            "  floor: bare re-exec of the program + wait",
            "bare exec",
            per_start(s.pick(10, 50), || Ok(floor::exec_and_wait()?)),
            format!("bare_interpreter {}", s.pick(1, 10)),
        ),
    ];
    let mut names = Vec::new();
    let mut measurements: Vec<Measurement> = Vec::new();
    let mut python_commands = Vec::new();
    for (row, bar, m, command) in units {
        names.push((row, bar));
        measurements.push(m);
        python_commands.push(command);
    }
    // Each Rust measurement, then each Python one, round by round.
    for command in python_commands {
        measurements.push(python.measurement(command));
    }
    let all_samples = rounds(s, &mut measurements)?;
    drop(measurements);
    let (samples, py_samples) = all_samples.split_at(names.len());
    // (row, bar, µs, × a thread, Python µs, Rust × faster)
    let rows: Vec<(&str, &str, f64, f64, f64, f64)> = names
        .iter()
        .zip(samples)
        .zip(py_samples)
        .map(|((&(row, bar), sample), py_sample)| {
            (
                row,
                bar,
                median(sample.clone()),
                median_ratio(sample, &samples[0]),
                python::median(py_sample),
                python::faster_by_time(sample, py_sample),
            )
        })
        .collect();
    let thread_us = rows[0].2;
    let mut table = Table::new(&[
        "unit",
        "µs per start + join",
        "× a thread",
        "Python: the same",
        "Python µs",
        "Rust × faster",
    ]);
    for ((name, _, us, times, py_us, faster), python_name) in rows.iter().zip(PYTHON_UNITS) {
        table.row(vec![
            name.to_string(),
            num(*us),
            num(*times),
            python_name.to_string(),
            num(*py_us),
            python::times(*faster),
        ]);
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
    let py = |prefix: &str| {
        rows.iter()
            .find(|r| r.0.starts_with(prefix))
            .map_or((f64::NAN, f64::NAN), |r| (r.4, r.5))
    };
    if python.running() {
        let ((thread, thread_x), (spawned, spawn_x)) = (py("thread"), py("process by spawn"));
        verdict.push_str(&format!(
            " CPython in the same rounds: a thread {} µs (Rust {} as fast), a process by spawn \
             {} µs (Rust {} as fast) — a new interpreter has to start and import before it runs \
             a line.",
            num(thread),
            python::times(thread_x),
            num(spawned),
            python::times(spawn_x),
        ));
        verdict.push_str(&python::behind(
            rows.iter().map(|r| (r.0.trim().to_string(), r.5)),
            s.quick,
            "most of a start and a join is the kernel's work (a new thread or process, a wait \
             for its end), the same for both languages.",
        ));
    }
    Ok(Section {
        id: "q1-start-cost",
        title: "1. Cost to start and join one unit of concurrency",
        claim: "多进程的开销要比多线程的开销大 (§2) — processes cost more than threads.",
        chart: Chart::Bars {
            y_label: "µs per start + join (log scale)".into(),
            log_y: true,
            categories: rows.iter().map(|r| r.1.to_string()).collect(),
            groups: vec![
                (
                    "Rust: µs per start + join".into(),
                    rows.iter().map(|r| r.2).collect(),
                ),
                (
                    "Python: the same".into(),
                    rows.iter().map(|r| r.4).collect(),
                ),
            ],
        },
        table,
        python: python.footnote(),
        verdict,
    })
}
