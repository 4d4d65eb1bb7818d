//! 5. Locks: increments per second, alone and with every core contending.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use examples_processes::cpu_count;

use crate::chart::Chart;
use crate::measure::{Measurement, Result, Settings, median, rounds, seconds};
use crate::python::{self, Python};
use crate::report::{Section, Table, num, rate};

/// A lock under test: its name, one increment under it, the count, and how to reset it.
type Lock<'a> = (
    &'a str,
    Box<dyn Fn() + Sync + 'a>,
    Box<dyn Fn() -> u64 + 'a>,
    Box<dyn Fn() + 'a>,
);

/// Increments per second when `threads` threads each take `lock` `each` times to increment:
/// one measurement, which checks the final count.
fn throughput<'a>(threads: usize, each: u64, lock: &'a Lock<'a>) -> Measurement<'a> {
    let (_, increment, total, reset) = lock;
    Box::new(move || {
        reset();
        let secs = seconds(|| {
            thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| (0..each).for_each(|_| increment()));
                }
            });
            Ok(())
        })?;
        let want = threads as u64 * each;
        if total() != want {
            return Err(format!("lost increments: {} of {want}", total()).into());
        }
        Ok(want as f64 / secs)
    })
}

/// Python's locks, in the order the Python column's samples come in.
const PYTHON_LOCKS: [&str; 2] = ["lock", "rlock"];

/// For each Rust lock of the table, the index of the Python lock that does the same.
const PYTHON_TWIN: [Option<usize>; 4] = [Some(0), Some(0), Some(1), None];

pub fn run(settings: &Settings) -> Result<Section> {
    let each: u64 = settings.pick(500_000, 5_000_000);
    let python_each: u64 = settings.pick(100_000, 1_000_000);
    let cores = cpu_count();
    let std_mutex = Mutex::new(0u64);
    let pl_mutex = parking_lot::Mutex::new(0u64);
    let reentrant = parking_lot::ReentrantMutex::new(Cell::new(0u64));
    let atomic = AtomicU64::new(0);
    let locks: Vec<Lock> = vec![
        (
            "std::sync::Mutex",
            Box::new(|| *std_mutex.lock().unwrap_or_else(|e| e.into_inner()) += 1),
            Box::new(|| *std_mutex.lock().unwrap_or_else(|e| e.into_inner())),
            Box::new(|| *std_mutex.lock().unwrap_or_else(|e| e.into_inner()) = 0),
        ),
        (
            "parking_lot::Mutex",
            Box::new(|| *pl_mutex.lock() += 1),
            Box::new(|| *pl_mutex.lock()),
            Box::new(|| *pl_mutex.lock() = 0),
        ),
        (
            "parking_lot::ReentrantMutex (RLock)",
            Box::new(|| {
                let guard = reentrant.lock();
                guard.set(guard.get() + 1);
            }),
            Box::new(|| reentrant.lock().get()),
            Box::new(|| reentrant.lock().set(0)),
        ),
        (
            "AtomicU64::fetch_add",
            Box::new(|| {
                atomic.fetch_add(1, Ordering::Relaxed);
            }),
            Box::new(|| atomic.load(Ordering::SeqCst)),
            Box::new(|| atomic.store(0, Ordering::SeqCst)),
        ),
    ];
    // Round by round: each lock alone and contended, then Python's Lock and RLock the same way.
    let python = Python::start("q5_locks.py");
    let mut measurements: Vec<Measurement> = Vec::new();
    for lock in &locks {
        measurements.push(throughput(1, each, lock));
        measurements.push(throughput(cores, each, lock));
    }
    for kind in PYTHON_LOCKS {
        for threads in [1, cores] {
            measurements.push(python.measurement(format!("{kind} {threads} {python_each}")));
        }
    }
    let samples = rounds(settings, &mut measurements)?;
    drop(measurements);
    let (rust, py) = samples.split_at(2 * locks.len());
    let mut table = Table::new(&[
        "lock",
        "1 thread (increments/s)",
        &format!("{cores} threads contending (increments/s)"),
        "Python: the same",
        "Python, 1 thread",
        &format!("Python, {cores} threads"),
        "Rust × faster, 1 thread",
        &format!("Rust × faster, {cores} threads"),
    ]);
    let (mut alone, mut contended) = (Vec::new(), Vec::new());
    let (mut py_alone, mut py_contended) = (Vec::new(), Vec::new());
    let mut faster = Vec::new();
    for (i, (name, ..)) in locks.iter().enumerate() {
        let (one, many) = (median(rust[2 * i].clone()), median(rust[2 * i + 1].clone()));
        // Which of Python's locks does the same: Lock for a mutex, RLock for the reentrant one.
        let twin = PYTHON_TWIN[i];
        let nothing: [f64; 0] = [];
        let (py_one, py_many): (&[f64], &[f64]) = match twin {
            Some(k) => (&py[2 * k], &py[2 * k + 1]),
            None => (&nothing, &nothing),
        };
        let (faster_one, faster_many) = (
            python::faster_by_rate(&rust[2 * i], py_one),
            python::faster_by_rate(&rust[2 * i + 1], py_many),
        );
        table.row(vec![
            name.to_string(),
            rate(one),
            rate(many),
            twin.map_or("— (no atomics in Python)".to_string(), |k| {
                format!("`threading.{}`", ["Lock", "RLock"][k])
            }),
            rate(python::median(py_one)),
            rate(python::median(py_many)),
            python::times(faster_one),
            python::times(faster_many),
        ]);
        alone.push(one);
        contended.push(many);
        py_alone.push(python::median(py_one));
        py_contended.push(python::median(py_many));
        faster.push((faster_one, faster_many));
    }
    let ns = |per_second: f64| num(1e9 / per_second);
    let mut verdict = format!(
        "alone, one increment under std's Mutex takes {} ns, under parking_lot's {} ns, under the \
         reentrant lock {} ns (it also checks who owns it), and an atomic fetch_add {} ns. With \
         {cores} threads contending, every increment also moves the counter's cache line between \
         cores: {} ns, {} ns, {} ns and {} ns. ",
        ns(alone[0]),
        ns(alone[1]),
        ns(alone[2]),
        ns(alone[3]),
        ns(contended[0]),
        ns(contended[1]),
        ns(contended[2]),
        ns(contended[3]),
    );
    let slowest_ratio = alone
        .iter()
        .zip(&contended)
        .map(|(a, c)| a / c)
        .fold(0.0_f64, f64::max);
    verdict.push_str(&if slowest_ratio > 1.5 {
        format!(
            "Contention, not the lock, is the cost (up to {}× slower): what the notes' locks \
             buy in safety they pay in turns — hold a lock briefly.",
            num(slowest_ratio)
        )
    } else {
        "Contention cost little here.".to_string()
    });
    if python.running() {
        verdict.push_str(&format!(
            " CPython in the same rounds: an increment under `threading.Lock` takes {} ns alone \
             and {} ns with {cores} threads, under `RLock` {} ns and {} ns; Rust's Mutex is {} as \
             fast alone and {} with {cores} threads.",
            ns(py_alone[0]),
            ns(py_contended[0]),
            ns(py_alone[2]),
            ns(py_contended[2]),
            python::times(faster[0].0),
            python::times(faster[0].1),
        ));
        // Alone ÷ contended: how much each loses to contention.
        let (rust_loss, python_loss) = (alone[0] / contended[0], py_alone[0] / py_contended[0]);
        if python_loss < rust_loss {
            verdict.push_str(
                " Python's threads lose less to contention: the GIL already makes them take \
                 turns, so the lock is rarely fought over.",
            );
        }
        verdict.push_str(&python::behind(
            locks.iter().zip(&faster).flat_map(|((name, ..), f)| {
                [
                    (format!("{name} alone"), f.0),
                    (format!("{name} contended"), f.1),
                ]
            }),
            settings.quick,
            "the machine gave Rust's rounds less CPU than Python's; run it again.",
        ));
    }
    Ok(Section {
        id: "q5-locks",
        title: "5. Locks: increments per second",
        claim: "Lock and RLock (§5): a lock makes threads take turns; RLock may be taken again by its holder.",
        chart: Chart::Bars {
            y_label: "increments per second (log scale)".into(),
            log_y: true,
            categories: locks.iter().map(|l| l.0.to_string()).collect(),
            groups: vec![
                ("1 thread".into(), alone),
                (format!("{cores} threads contending"), contended),
                ("Python, 1 thread".into(), py_alone),
                (format!("Python, {cores} threads"), py_contended),
            ],
        },
        table,
        python: python.footnote(),
        verdict,
    })
}
