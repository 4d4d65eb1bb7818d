//! Live recordings of two examples at time scale 0.05, read back from the trace-event JSON the
//! recorder writes. Skipped, with a message saying why, where strace is missing or may not trace.
//!
//! The example binaries come from the same target directory: `cargo test --workspace` builds
//! them (alone, `cargo test -p timeline` may find them missing or stale).

use std::path::{Path, PathBuf};

use harness::Outcome;
use serde_json::Value;

/// Why these tests cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    timeline::record::probe().err().map(|why| why.to_string())
}

/// An example binary beside this test's target directory.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("a test runs from target/<profile>/deps");
    let path = profile.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the examples first (`cargo test --workspace` does, or \
         `cargo build --bins -p examples-threads -p examples-processes`)",
        path.display()
    );
    path
}

/// A recording: what the program printed, and the events of its trace.
struct Recording {
    outcome: Outcome,
    events: Vec<Value>,
    dir: PathBuf,
}

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Recording {
    fn of(name: &str) -> Recording {
        let dir = std::env::temp_dir().join(format!("timeline-live-{}-{name}", std::process::id()));
        let outcome = harness::example(env!("CARGO_BIN_EXE_timeline"))
            .args(["record", "--name", name, "--out"])
            .arg(&dir)
            .arg("--")
            .arg(example(name))
            // run_ok: exit 0, and nothing of its process group left running afterwards.
            .run_ok();
        let json = std::fs::read_to_string(dir.join(format!("{name}.trace.json")))
            .unwrap_or_else(|e| panic!("no trace written ({e})\n{}", outcome.report()));
        let value: Value = serde_json::from_str(&json).expect("the trace is JSON");
        let events = value["traceEvents"]
            .as_array()
            .expect("a list of events")
            .clone();
        Recording {
            outcome,
            events,
            dir,
        }
    }

    /// `(pid, name)` of every process, in the picture's order.
    fn processes(&self) -> Vec<(u64, String)> {
        self.named("process_name")
    }

    /// `(tid, name)` of every thread.
    fn threads(&self) -> Vec<(u64, String)> {
        self.named("thread_name")
    }

    fn named(&self, kind: &str) -> Vec<(u64, String)> {
        self.events
            .iter()
            .filter(|e| e["name"] == kind)
            .map(|e| {
                let id = if kind == "process_name" { "pid" } else { "tid" };
                (
                    e[id].as_u64().expect("an id"),
                    e["args"]["name"].as_str().expect("a name").to_string(),
                )
            })
            .collect()
    }

    /// `(tid, time, text)` of every print.
    fn prints(&self) -> Vec<(u64, f64, String)> {
        self.events
            .iter()
            .filter(|e| e["cat"] == "print")
            .map(|e| {
                (
                    e["tid"].as_u64().expect("a tid"),
                    e["ts"].as_f64().expect("a time"),
                    e["args"]["text"].as_str().expect("a text").to_string(),
                )
            })
            .collect()
    }

    /// `(start, end)` of the waits of thread `tid` named `kind`.
    fn waits(&self, tid: u64, kind: &str) -> Vec<(f64, f64)> {
        self.events
            .iter()
            .filter(|e| e["cat"] == "wait" && e["tid"] == tid && e["name"] == kind)
            .map(|e| {
                let ts = e["ts"].as_f64().expect("a time");
                (ts, ts + e["dur"].as_f64().expect("a duration"))
            })
            .collect()
    }

    /// Each line the program printed is one print of the record, and there are no others.
    fn assert_each_line_printed_once(&self) {
        let mut printed: Vec<String> = self
            .prints()
            .into_iter()
            .flat_map(|(_, _, text)| text.lines().map(str::to_string).collect::<Vec<_>>())
            .collect();
        let mut shown: Vec<String> = self.outcome.lines().iter().map(|l| l.to_string()).collect();
        printed.sort();
        shown.sort();
        assert_eq!(
            printed, shown,
            "the record's prints are the program's output"
        );
    }

    /// Every process recorded is gone.
    fn assert_nothing_left(&self) {
        for (pid, name) in self.processes() {
            assert!(
                !Path::new(&format!("/proc/{pid}")).exists(),
                "{name} is still there after the recording"
            );
        }
    }
}

#[test]
fn s05_lock_the_second_thread_waits_while_the_first_runs() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    // The second thread must reach the lock before the first lets go of it — nearly always: the
    // first counts for milliseconds. Should the scheduler start the second only after that, the
    // run shows no contention to check: record again, at most three times.
    for attempt in 1..=3 {
        let recording = Recording::of("s05-lock");
        let processes = recording.processes();
        assert_eq!(processes.len(), 1, "{processes:?}");
        let pid = processes[0].0;
        let threads = recording.threads();
        let workers: Vec<u64> = threads
            .iter()
            .map(|(tid, _)| *tid)
            .filter(|&tid| tid != pid)
            .collect();
        assert_eq!(threads.len(), 3, "main and two threads: {threads:?}");
        recording.assert_each_line_printed_once();
        recording.assert_nothing_left();

        let prints = recording.prints();
        let printed = |tid: u64, text: &str| {
            prints
                .iter()
                .find(|(t, _, p)| *t == tid && p.trim_end() == text)
                .map(|(_, time, _)| *time)
        };
        let (first, second) = if printed(workers[0], "1000000").is_some() {
            (workers[0], workers[1])
        } else {
            (workers[1], workers[0])
        };
        let first_done = printed(first, "1000000").expect("the first prints 1000000");
        let first_began = printed(first, "开始").expect("the first prints 开始");
        let second_came = printed(second, "开始").expect("the second prints 开始");
        printed(second, "2000000").expect("the second prints 2000000");
        if second_came > first_done {
            eprintln!("attempt {attempt}: the second thread came after the first had finished");
            continue;
        }
        let waits = recording.waits(second, "lock or condition (futex)");
        let overlapping = waits
            .iter()
            .any(|&(start, end)| start < first_done && end > first_began);
        assert!(
            overlapping,
            "the second thread's lock wait overlaps the first thread's run \
             ({first_began} … {first_done} µs): {waits:?}"
        );
        // And it ends only once the first has finished counting.
        let longest = waits
            .iter()
            .max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))
            .expect("a wait");
        assert!(
            longest.1 >= first_done,
            "{longest:?} ends before {first_done}"
        );
        return;
    }
    panic!("in three recordings the two threads never met at the lock");
}

#[test]
fn s09_5_process_pool_one_main_process_and_four_workers() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    let recording = Recording::of("s09-5-process-pool");
    let processes = recording.processes();
    assert_eq!(processes.len(), 5, "1 + 4 processes: {processes:?}");
    assert!(processes[0].1.contains("· started"), "{processes:?}");
    for (_, name) in &processes[1..] {
        assert!(
            name.starts_with("└ ") || name.contains("· spawned"),
            "a worker is spawned by the main process: {processes:?}"
        );
    }
    recording.assert_each_line_printed_once();
    for n in 0..10 {
        let line = format!("执行 {n}");
        let by: Vec<u64> = recording
            .prints()
            .into_iter()
            .filter(|(_, _, text)| text.trim_end() == line)
            .map(|(tid, ..)| tid)
            .collect();
        assert_eq!(by.len(), 1, "{line} printed once: {by:?}");
        assert_ne!(by[0], processes[0].0, "{line} is printed by a worker");
    }
    recording.assert_nothing_left();
}
