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
    /// Records example `name` at the tests' time scale.
    fn of(name: &str) -> Recording {
        Recording::at(name, harness::TEST_TIME_SCALE)
    }

    /// Records example `name` at time scale `scale`.
    fn at(name: &str, scale: &str) -> Recording {
        let dir = std::env::temp_dir().join(format!("timeline-live-{}-{name}", std::process::id()));
        let outcome = harness::example(env!("CARGO_BIN_EXE_timeline"))
            .env("EXAMPLES_TIME_SCALE", scale)
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

    /// Named rows of the program's own processes: the resource tracker that `pace` starts for a
    /// program that creates files or shared memory (a process of its own, like Python's) is
    /// not one of the processes the snippets start.
    fn named(&self, kind: &str) -> Vec<(u64, String)> {
        let trackers: Vec<&serde_json::Value> = self
            .events
            .iter()
            .filter(|e| {
                e["name"] == "process_name"
                    && e["args"]["name"]
                        .as_str()
                        .is_some_and(|n| n.starts_with(pace::cleanup::TRACKER_NAME))
            })
            .map(|e| &e["pid"])
            .collect();
        self.events
            .iter()
            .filter(|e| !trackers.contains(&&e["pid"]))
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

    /// `(pid, tid, start, end, pinned CPUs)` of every thread's life.
    fn lives(&self) -> Vec<(u64, u64, f64, f64, Option<String>)> {
        self.events
            .iter()
            .filter(|e| e["cat"] == "thread")
            .map(|e| {
                let ts = e["ts"].as_f64().expect("a time");
                (
                    e["pid"].as_u64().expect("a pid"),
                    e["tid"].as_u64().expect("a tid"),
                    ts,
                    ts + e["dur"].as_f64().expect("a duration"),
                    e["args"]["cpus"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    /// `(start, end, timed out)` of every wait of thread `tid` named `kind`.
    fn timed_waits(&self, tid: u64, kind: &str) -> Vec<(f64, f64, bool)> {
        self.events
            .iter()
            .filter(|e| e["cat"] == "wait" && e["tid"] == tid && e["name"] == kind)
            .map(|e| {
                let ts = e["ts"].as_f64().expect("a time");
                (
                    ts,
                    ts + e["dur"].as_f64().expect("a duration"),
                    e["args"]["timed_out"] == true,
                )
            })
            .collect()
    }

    /// The average number of CPUs process `pid` used over `[from, to]`, from its counters.
    fn cpus_used(&self, pid: u64, from: f64, to: f64) -> f64 {
        let mut counters: Vec<(f64, f64)> = self
            .events
            .iter()
            .filter(|e| e["ph"] == "C" && e["pid"] == pid && e["name"] == "CPUs used")
            .map(|e| {
                (
                    e["ts"].as_f64().expect("a time"),
                    e["args"]["CPUs on"].as_f64().expect("a count"),
                )
            })
            .collect();
        counters.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut busy, mut span) = (0.0, 0.0);
        for pair in counters.windows(2) {
            let ((start, used), (end, _)) = (pair[0], pair[1]);
            if start >= from && end <= to {
                busy += used * (end - start);
                span += end - start;
            }
        }
        assert!(span > 0.0, "no CPU readings within {from} … {to}");
        busy / span
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

#[test]
fn s06_deadlock_cycle_both_wait_at_once_then_the_fixed_order_runs_through() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    // 0.3: each stuck acquire waits 0.3 s. At 0.05 a loaded machine may keep a thread off the
    // CPU past its whole 50 ms patience, so that it gives up without ever blocking in futex.
    let recording = Recording::at("s06-deadlock-cycle", "0.3");
    let pid = recording.processes()[0].0;
    let mut workers: Vec<(u64, u64, f64, f64, Option<String>)> = recording
        .lives()
        .into_iter()
        .filter(|life| life.1 != pid)
        .collect();
    workers.sort_by(|a, b| a.2.total_cmp(&b.2));
    assert_eq!(workers.len(), 4, "two threads, then two more: {workers:?}");
    let lock = "lock or condition (futex)";
    // Both first threads give up a timed wait, and those waits overlap.
    let gave_up: Vec<(f64, f64, bool)> = workers[..2]
        .iter()
        .map(|w| {
            recording
                .timed_waits(w.1, lock)
                .into_iter()
                .find(|wait| wait.2)
                .unwrap_or_else(|| {
                    panic!(
                        "thread {} gave up no timed wait: {:?}\nthreads: {workers:?}\n{}",
                        w.1,
                        recording.timed_waits(w.1, lock),
                        recording.outcome.report()
                    )
                })
        })
        .collect();
    assert!(
        gave_up[0].0 < gave_up[1].1 && gave_up[1].0 < gave_up[0].1,
        "the two stuck waits overlap: {gave_up:?}"
    );
    // Then the fixed order: both later threads start after the first two ended, give up
    // nothing, and say they got both locks.
    let first_end = workers[..2].iter().map(|w| w.3).fold(0.0, f64::max);
    for w in &workers[2..] {
        assert!(
            w.2 >= first_end,
            "{w:?} starts after the deadlocked pair ended"
        );
        assert!(
            recording.timed_waits(w.1, lock).iter().all(|wait| !wait.2),
            "thread {} gives up no wait",
            w.1
        );
        assert!(
            recording
                .prints()
                .iter()
                .any(|(tid, _, text)| *tid == w.1 && text.contains("锁A → 锁B")),
            "thread {} takes both locks in order",
            w.1
        );
    }
    recording.assert_each_line_printed_once();
    recording.assert_nothing_left();
}

#[test]
fn s09_1_fork_lock_the_childs_threads_wait_then_take_the_lock_one_at_a_time() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    let recording = Recording::of("s09-1-fork-lock");
    let processes = recording.processes();
    assert_eq!(processes.len(), 2, "{processes:?}");
    assert!(processes[1].1.contains("· forked"), "{processes:?}");
    let child = processes[1].0;
    let threads: Vec<u64> = recording
        .lives()
        .into_iter()
        .filter(|life| life.0 == child && life.1 != child)
        .map(|life| life.1)
        .collect();
    assert_eq!(threads.len(), 10, "the child's ten threads: {threads:?}");
    // The child's main thread sleeps holding the lock; every thread waits through that sleep.
    let held = recording
        .waits(child, "asleep")
        .into_iter()
        .max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))
        .expect("the child's main thread sleeps");
    let mut turns = Vec::new();
    for &tid in &threads {
        let waited = recording
            .waits(tid, "lock or condition (futex)")
            .into_iter()
            .any(|(start, end)| start < held.1 && end >= held.1);
        assert!(
            waited,
            "thread {tid} waits for the lock until {held:?} ends"
        );
        let got = recording
            .prints()
            .into_iter()
            .find(|(t, _, text)| *t == tid && text.trim_end() == "666")
            .map(|(_, time, _)| time)
            .expect("each thread prints 666");
        let slept = recording
            .waits(tid, "asleep")
            .into_iter()
            .find(|(start, _)| *start >= got)
            .expect("it sleeps holding the lock");
        turns.push((got, slept.1));
    }
    // One at a time: the next thread gets the lock only after the previous one's sleep.
    turns.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in turns.windows(2) {
        assert!(pair[1].0 >= pair[0].1, "overlapping turns: {turns:?}");
    }
    recording.assert_each_line_printed_once();
    recording.assert_nothing_left();
}

#[test]
fn s09_5_pool_callback_the_callbacks_run_on_after_the_workers_are_done() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    // 0.01: the same shape as at 0.05 in a fifth of the time.
    let recording = Recording::at("s09-5-pool-callback", "0.01");
    let processes = recording.processes();
    assert_eq!(processes.len(), 5, "1 + 4 processes: {processes:?}");
    let callbacks = recording
        .threads()
        .into_iter()
        .find(|(_, name)| name == "pool-callbacks")
        .map(|(tid, _)| tid)
        .expect("a callback thread");
    let prints = recording.prints();
    let by_callbacks: Vec<f64> = prints
        .iter()
        .filter(|(tid, ..)| *tid == callbacks)
        .map(|(_, time, _)| *time)
        .collect();
    assert_eq!(by_callbacks.len(), 100, "two lines per callback");
    let tasks: Vec<f64> = prints
        .iter()
        .filter(|(tid, _, text)| *tid != callbacks && text.starts_with("执行"))
        .map(|(_, time, _)| *time)
        .collect();
    assert_eq!(tasks.len(), 50);
    // The workers are done before half of the callbacks have run.
    let last_task = tasks.iter().copied().fold(0.0, f64::max);
    assert!(
        last_task < by_callbacks[50],
        "the last task ({last_task}) before the 26th callback ({})",
        by_callbacks[50]
    );
    // Busy without gaps: once the callbacks have begun, their thread hardly ever waits for a
    // result (less than a tenth of the time).
    let (first, last) = (by_callbacks[0], by_callbacks[99]);
    let waited: f64 = recording
        .waits(callbacks, "lock or condition (futex)")
        .into_iter()
        .map(|(start, end)| (end.min(last) - start.max(first)).max(0.0))
        .sum();
    assert!(
        waited < 0.1 * (last - first),
        "the callback thread waited {waited} µs of {}",
        last - first
    );
    recording.assert_each_line_printed_once();
    recording.assert_nothing_left();
}

#[test]
fn s10_coroutine_switch_one_thread_takes_turns() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    let recording = Recording::of("s10-coroutine-switch");
    assert_eq!(recording.processes().len(), 1);
    let threads = recording.threads();
    assert_eq!(threads.len(), 1, "one thread: {threads:?}");
    let steps: Vec<String> = recording
        .prints()
        .into_iter()
        .filter(|(_, _, text)| text.contains("步"))
        .map(|(_, _, text)| text.chars().take(3).collect())
        .collect();
    assert_eq!(
        steps,
        ["协程1", "协程2", "协程1", "协程2", "协程1", "协程2"],
        "the coroutines take turns"
    );
    recording.assert_each_line_printed_once();
    recording.assert_nothing_left();
}

#[test]
fn s11_2_the_pinned_threads_share_one_cpu() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    let recording = Recording::of("s11-2-concurrency-vs-parallelism");
    let pid = recording.processes()[0].0;
    let lives = recording.lives();
    let (pinned, free): (Vec<_>, Vec<_>) =
        lives.iter().filter(|life| life.1 != pid).partition(|life| {
            // Pinned: started with an affinity of one CPU (`[0]`).
            life.4
                .as_deref()
                .is_some_and(|cpus| cpus.split_whitespace().count() == 1)
        });
    assert!(pinned.len() >= 2 && free.len() >= 2, "{lives:?}");
    // While pinned, the whole process (its main thread is pinned too) used one CPU at most.
    let from = pinned.iter().map(|l| l.2).fold(f64::MAX, f64::min);
    let to = pinned.iter().map(|l| l.3).fold(0.0, f64::max);
    let used = recording.cpus_used(pid, from, to);
    assert!(used <= 1.1, "{used} CPUs while pinned to one");
    // And each pinned thread ran on that CPU only.
    for life in &pinned {
        let cpu: u64 = life
            .4
            .as_deref()
            .and_then(|set| set.trim_matches(['[', ']']).parse().ok())
            .expect("one CPU number");
        let ran_on: Vec<u64> = recording
            .events
            .iter()
            .filter(|e| {
                e["ph"] == "C"
                    && e["name"].as_str().is_some_and(|n| {
                        n.ends_with(": which CPU") && n.contains(&format!(" {}:", life.1))
                    })
            })
            .filter_map(|e| e["args"]["cpu"].as_u64())
            .collect();
        assert!(
            !ran_on.is_empty() && ran_on.iter().all(|&c| c == cpu),
            "thread {} pinned to CPU {cpu} ran on {ran_on:?}",
            life.1
        );
    }
    // The free ones run at the same time (whether they get two CPUs depends on the machine's
    // other load: the picture shows it, the test does not bet on it).
    let overlap = free
        .iter()
        .any(|a| free.iter().any(|b| a.1 != b.1 && a.2 < b.3 && b.2 < a.3));
    assert!(overlap, "{free:?}");
    recording.assert_nothing_left();
}

#[test]
fn the_recorder_ends_as_the_program_did() {
    if let Some(why) = unavailable() {
        eprintln!("SKIPPED: cannot record here: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("timeline-live-{}-status", std::process::id()));
    let record = |script: &str| {
        harness::Spec::new(env!("CARGO_BIN_EXE_timeline"))
            .args(["record", "--name", "sh", "--out"])
            .arg(&dir)
            .args(["--", "sh", "-c", script])
            .run()
    };
    let exited = record("exit 7");
    assert_eq!(
        exited.status,
        harness::Status::Exited(7),
        "{}",
        exited.report()
    );
    // Killed by SIGPIPE, as a program whose reader went away: the recorder too (141 in a shell).
    let piped = record("kill -PIPE $$");
    assert_eq!(
        piped.status,
        harness::Status::Signaled(13),
        "{}",
        piped.report()
    );
    assert!(dir.join("sh.svg").exists(), "the picture is written first");
    let _ = std::fs::remove_dir_all(&dir);
}
