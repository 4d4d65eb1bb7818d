//! 5. Locks: increments per second, alone and with every core contending.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use examples_processes::cpu_count;

use crate::chart::Chart;
use crate::measure::{Result, Settings, median_of, seconds};
use crate::report::{Section, Table, num, rate};

/// Increments per second when `threads` threads each call `increment` `each` times; checks the
/// final count with `total`.
fn throughput(
    settings: &Settings,
    threads: usize,
    each: u64,
    increment: &(dyn Fn() + Sync),
    total: &dyn Fn() -> u64,
    reset: &dyn Fn(),
) -> Result<f64> {
    median_of(settings, || {
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

pub fn run(settings: &Settings) -> Result<Section> {
    let each: u64 = settings.pick(500_000, 5_000_000);
    let cores = cpu_count();
    let std_mutex = Mutex::new(0u64);
    let pl_mutex = parking_lot::Mutex::new(0u64);
    let reentrant = parking_lot::ReentrantMutex::new(Cell::new(0u64));
    let atomic = AtomicU64::new(0);
    type Lock<'a> = (
        &'a str,
        Box<dyn Fn() + Sync + 'a>,
        Box<dyn Fn() -> u64 + 'a>,
        Box<dyn Fn() + 'a>,
    );
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
    let mut table = Table::new(&[
        "lock",
        "1 thread (increments/s)",
        &format!("{cores} threads contending (increments/s)"),
    ]);
    let (mut alone, mut contended) = (Vec::new(), Vec::new());
    for (name, increment, total, reset) in &locks {
        let one = throughput(
            settings,
            1,
            each,
            increment.as_ref(),
            total.as_ref(),
            reset.as_ref(),
        )?;
        let many = throughput(
            settings,
            cores,
            each,
            increment.as_ref(),
            total.as_ref(),
            reset.as_ref(),
        )?;
        table.row(vec![name.to_string(), rate(one), rate(many)]);
        alone.push(one);
        contended.push(many);
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
            ],
        },
        table,
        python: String::new(),
        verdict,
    })
}
