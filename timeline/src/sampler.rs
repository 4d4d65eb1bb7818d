//! The scheduler's own accounting: how long each thread has been on a CPU, and how long it has
//! been runnable but waiting for one.
//!
//! A system call trace cannot tell a thread that runs from one that is ready to run while
//! another has the CPU: neither makes a call. The kernel counts both, per thread, in
//! `/proc/PID/task/TID/schedstat` — nanoseconds on a CPU, nanoseconds waiting in a run queue,
//! number of time slices. [`Sampler`] reads that file of every thread of every process below a
//! root process every few milliseconds, on a thread of its own, and keeps each reading with its
//! time ([`Tick`]). The differences between two readings say what share of the interval a thread
//! spent on a CPU and what share waiting for one ([`crate::model`] does that arithmetic).
//!
//! New processes are found through `/proc/PID/task/TID/children` of the processes already known;
//! their threads through `/proc/PID/task`. Files stay open and are read again at offset 0, which
//! makes the kernel produce fresh numbers: a reading costs one system call per thread.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::strace::Micros;

/// One thread's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskStat {
    /// Its process.
    pub pid: u32,
    /// The thread.
    pub tid: u32,
    /// Nanoseconds it has spent on a CPU since it started.
    pub on_cpu_ns: u64,
    /// Nanoseconds it has spent runnable, waiting in a run queue for a CPU.
    pub waiting_ns: u64,
    /// The CPU it last ran on (`/proc/PID/task/TID/stat`, field 39), if that could be read.
    pub cpu: Option<u32>,
}

/// Every thread's counters, read at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// When they were read (the wall clock strace's `-ttt` uses).
    pub time: Micros,
    /// The threads alive then.
    pub tasks: Vec<TaskStat>,
}

/// What the sampler saw, tick by tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Samples {
    /// In the order they were taken.
    pub ticks: Vec<Tick>,
}

/// Samples the threads of every process below a root process until told to stop.
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Samples>,
}

impl Sampler {
    /// Starts sampling the descendants of `root` (not `root` itself) every `every`.
    pub fn start(root: u32, every: Duration) -> io::Result<Sampler> {
        let stop = Arc::new(AtomicBool::new(false));
        let told = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("schedstat".into())
            .spawn(move || sample(root, every, &told))?;
        Ok(Sampler { stop, thread })
    }

    /// Takes one last reading, stops, and returns everything read.
    pub fn finish(self) -> Samples {
        self.stop.store(true, Ordering::SeqCst);
        // The sampling loop cannot panic on bad input; should it panic anyway, the picture is
        // drawn without the scheduler's numbers rather than not at all.
        self.thread.join().unwrap_or_default()
    }
}

/// The wall clock, in microseconds since the epoch.
pub fn now() -> Micros {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A thread's open files.
#[derive(Debug)]
struct Task {
    schedstat: File,
    stat: Option<File>,
    children: Option<File>,
}

fn sample(root: u32, every: Duration, stop: &AtomicBool) -> Samples {
    let mut samples = Samples::default();
    let mut processes: BTreeMap<u32, BTreeMap<u32, Task>> = BTreeMap::new();
    let mut buffer = [0u8; 1024];
    loop {
        let last = stop.load(Ordering::SeqCst);
        let started = std::time::Instant::now();
        let time = now();
        let mut found = children_of_every_thread(root, &mut buffer);
        let mut tasks = Vec::new();
        let mut visited = std::collections::BTreeSet::new();
        while let Some(pid) = found
            .pop()
            .or_else(|| processes.keys().copied().find(|pid| !visited.contains(pid)))
        {
            if !visited.insert(pid) {
                continue;
            }
            let threads = processes.entry(pid).or_default();
            refresh_threads(pid, threads);
            threads.retain(|&tid, task| match read_stat(&task.schedstat, &mut buffer) {
                Some((on_cpu_ns, waiting_ns)) => {
                    let cpu = task.stat.as_ref().and_then(|stat| {
                        let n = stat.read_at(&mut buffer, 0).ok()?;
                        last_cpu(std::str::from_utf8(buffer.get(..n)?).ok()?)
                    });
                    tasks.push(TaskStat {
                        pid,
                        tid,
                        on_cpu_ns,
                        waiting_ns,
                        cpu,
                    });
                    if let Some(children) = &task.children {
                        found.extend(read_pids(children, &mut buffer));
                    }
                    true
                }
                None => false,
            });
        }
        processes.retain(|_, threads| !threads.is_empty());
        samples.ticks.push(Tick { time, tasks });
        if last {
            return samples;
        }
        if let Some(rest) = every.checked_sub(started.elapsed()) {
            thread::sleep(rest);
        }
    }
}

/// The children of `pid`, whichever of its threads started them.
fn children_of_every_thread(pid: u32, buffer: &mut [u8]) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|entry| File::open(entry.path().join("children")).ok())
        .flat_map(|file| read_pids(&file, buffer))
        .collect()
}

/// Opens the files of the threads of `pid` not known yet.
fn refresh_threads(pid: u32, threads: &mut BTreeMap<u32, Task>) {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        threads.clear();
        return;
    };
    for entry in dir.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        if threads.contains_key(&tid) {
            continue;
        }
        if let Ok(schedstat) = File::open(format!("/proc/{pid}/task/{tid}/schedstat")) {
            let children = File::open(format!("/proc/{pid}/task/{tid}/children")).ok();
            let stat = File::open(format!("/proc/{pid}/task/{tid}/stat")).ok();
            threads.insert(
                tid,
                Task {
                    schedstat,
                    stat,
                    children,
                },
            );
        }
    }
}

/// `on_cpu_ns waiting_ns slices` → the first two; `None` once the thread is gone.
fn read_stat(file: &File, buffer: &mut [u8]) -> Option<(u64, u64)> {
    let n = file.read_at(buffer, 0).ok()?;
    parse_schedstat(std::str::from_utf8(buffer.get(..n)?).ok()?)
}

/// Parses a schedstat line: `91829609 52889918 186`.
pub fn parse_schedstat(text: &str) -> Option<(u64, u64)> {
    let mut fields = text.split_whitespace();
    let on_cpu = fields.next()?.parse().ok()?;
    let waiting = fields.next()?.parse().ok()?;
    Some((on_cpu, waiting))
}

/// The CPU a thread last ran on, from its `stat` line: field 39, counted after the command
/// name, which may hold spaces and parentheses and ends at the last `)`.
pub fn last_cpu(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(36)?.parse().ok()
}

/// The pids listed in a `children` file (`3170 3171 `).
fn read_pids(file: &File, buffer: &mut [u8]) -> Vec<u32> {
    let Ok(n) = file.read_at(buffer, 0) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&buffer[..n])
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_schedstat_line() {
        assert_eq!(
            parse_schedstat("91829609 52889918 186\n"),
            Some((91_829_609, 52_889_918))
        );
        assert_eq!(parse_schedstat(""), None);
        assert_eq!(parse_schedstat("1"), None);
    }

    #[test]
    fn reads_the_last_cpu_from_a_stat_line() {
        let line = "25319 (a (b) c) S 25313 25319 25319 0 -1 4194560 57231 9450066 0 3062 19 66 \
                    27287 10229 20 0 1 0 75670 5455872 1010 18446744073709551615 1 2 3 0 0 0 \
                    65536 4 1132560123 1 0 0 17 1 0 0 0 0 0 1 2 3 4 5 6 7 0";
        assert_eq!(last_cpu(line), Some(1));
        assert_eq!(last_cpu("1 (x) S 1 2"), None);
    }

    #[test]
    fn samples_a_child_and_its_threads() {
        // `sleep` below this test process: found through the children files, sampled until
        // it ends; this process itself is the root and not sampled.
        let mut child = std::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .expect("sleep starts");
        let sampler = Sampler::start(std::process::id(), Duration::from_millis(5)).expect("start");
        child.wait().expect("sleep ends");
        let samples = sampler.finish();
        let seen = samples
            .ticks
            .iter()
            .flat_map(|t| &t.tasks)
            .any(|t| t.pid == child.id() && t.tid == child.id());
        assert!(seen, "the child was never sampled: {samples:?}");
        assert!(
            samples
                .ticks
                .iter()
                .flat_map(|t| &t.tasks)
                .all(|t| t.pid != std::process::id()),
            "the root itself is not sampled"
        );
    }
}
