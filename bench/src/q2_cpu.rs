//! 2. CPU-bound accumulation (§3): speedup on threads and on processes.

use examples_processes::{ProcessPoolExecutor, cpu_count, target};
use examples_threads::accumulate;

use crate::chart::{Chart, Series};
use crate::measure::{Result, Settings, accumulation_size, expect_sum, median_of, seconds};
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
    let one = median_of(settings, || seconds(|| check(accumulate::sum(0..numbers))))?;
    let mut table = Table::new(&["workers", "threads: speedup", "processes: speedup", "ideal"]);
    let (mut threads, mut processes, mut ideal) = (Vec::new(), Vec::new(), Vec::new());
    for workers in 1..=2 * cores {
        let t = median_of(settings, || {
            seconds(|| check(accumulate::sum_on_threads(0..numbers, workers)?))
        })?;
        let pool = ProcessPoolExecutor::new(workers)?;
        let p = median_of(settings, || {
            seconds(|| check(on_processes(&pool, numbers, workers)?))
        })?;
        drop(pool);
        let best = workers.min(cores) as f64;
        table.row(vec![
            workers.to_string(),
            num(one / t),
            num(one / p),
            num(best),
        ]);
        threads.push((workers as f64, one / t));
        processes.push((workers as f64, one / p));
        ideal.push((workers as f64, best));
    }
    let at = |series: &Vec<(f64, f64)>, w: usize| {
        series.get(w.saturating_sub(1)).map_or(f64::NAN, |p| p.1)
    };
    let speedup = at(&threads, cores.min(2));
    let mut verdict = format!(
        "one thread sums {numbers} numbers in {} s. On {cores} cores, {} threads are {}× faster and \
         {} processes {}× (at {cores} workers: threads {}×, processes {}×). In Rust threads speed up \
         CPU-bound work as much as processes: there is no GIL; more workers than cores add nothing.",
        num(one),
        cores.min(2),
        num(speedup),
        cores.min(2),
        num(at(&processes, cores.min(2))),
        num(at(&threads, cores)),
        num(at(&processes, cores))
    );
    if cores >= 2 && speedup < 1.7 {
        verdict.push_str(&format!(
            " Below the 1.7× two cores should give: the cores were not free for the whole run \
             (another load, or a virtual machine whose CPU time is shared) — the processes, which \
             have no lock in common with the threads, are held back the same way ({}×).",
            num(at(&processes, 2))
        ));
    }
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
            ],
        },
        table,
        verdict,
    })
}
