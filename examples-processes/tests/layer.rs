//! The process layer: a child's role does not leak into programs it starts; a join does not
//! hold up `active_children()`; a fork server's child works in the parent's directory with the
//! parent's arguments; a child started from a thread that ends lives on; the exit joins a child
//! that `main` did not; an unusable TMPDIR and an impossible time scale are one line each, never
//! a panic.

use std::time::Duration;

use harness::{Spec, Status, example};

fn layer(mode: &str) -> harness::Outcome {
    Spec::new(harness::fixture("layer"))
        .arg(mode)
        .timeout(Duration::from_secs(60))
        .run_ok()
}

#[test]
fn a_program_started_by_a_spawned_child_is_an_ordinary_program() {
    let out = layer("nested");
    assert_eq!(
        out.lines(),
        ["inner child ran", "inner program: exit status: 0"],
        "{}",
        out.report()
    );
}

#[test]
fn active_children_answers_at_once_while_another_thread_joins() {
    let out = layer("active");
    assert_eq!(
        out.lines(),
        [
            "active_children() is the child: true",
            "active_children() during a join: 1 running, answered within 50 ms: true",
            "joined, exit code Some(0)",
        ],
        "{}",
        out.report()
    );
}

#[test]
fn a_fork_server_child_works_in_the_parents_directory_with_its_arguments() {
    let out = layer("cwd");
    let lines = out.lines();
    let parent = lines
        .iter()
        .find_map(|l| l.strip_prefix("parent cwd: "))
        .unwrap_or_else(|| panic!("{}", out.report()));
    assert!(
        lines.contains(&format!("child cwd: {parent}").as_str()),
        "{}",
        out.report()
    );
    assert!(
        lines.contains(&"child argv[1]: Some(\"cwd\")"),
        "{}",
        out.report()
    );
}

#[test]
fn a_child_started_from_a_thread_that_ends_lives_on() {
    let out = layer("thread");
    assert_eq!(
        out.lines(),
        ["child of an ended thread: exit code Some(0)"],
        "{}",
        out.report()
    );
}

#[test]
fn the_exit_joins_a_child_that_main_did_not_even_with_the_guard_dropped_early() {
    let out = layer("exit");
    assert_eq!(
        out.lines(),
        [
            "inner child ran",
            "main returns without joining",
            "child: its parent waits for it at exit: true",
        ],
        "{}",
        out.report()
    );
    assert!(out.leftovers.is_empty(), "{}", out.report());
}

#[test]
fn kill_ends_a_child_by_sigkill() {
    let out = layer("kill");
    assert_eq!(
        out.lines(),
        ["killed child: exit code Some(-9)"],
        "{}",
        out.report()
    );
}

/// A child killed with its parent is gone, or a zombie not yet reaped by whoever adopted it; a
/// live process with the pid and another name is a newcomer under a reused pid.
fn gone(pid: u32, name: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    let Some((head, rest)) = stat.rsplit_once(')') else {
        return true;
    };
    let comm = head.split_once(" (").map_or("", |(_, comm)| comm);
    rest.split_whitespace().next() == Some("Z") || comm != name
}

/// Children that would sleep 30 s, and hold nothing of their parent's that would end them
/// sooner: only the parent-death signal does (examples-ipc's tests/killed.rs kills parents
/// whose children would also see their channels close).
#[test]
fn no_child_outlives_its_parent_killed_with_sigkill_whatever_its_start_method() {
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;
    let mut running = Spec::new(harness::fixture("layer"))
        .arg("orphaned")
        .timeout(Duration::from_secs(60))
        .spawn()
        .expect("start the fixture");
    let line = running
        .wait_for_line(Duration::from_secs(20), |_| true)
        .unwrap_or_default();
    let pids: Vec<u32> = line
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect();
    // Looked at before the harness kills what is left of the program's group: whether the
    // kernel did that already is the test.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut alive = pids.clone();
    while !alive.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        alive.retain(|pid| !gone(*pid, "layer"));
    }
    // The children it adopts are reaped there; a killed program's are no leftovers of its own.
    let out = running
        .wait(&AtomicBool::new(false))
        .expect("wait for the program");
    assert_eq!(pids.len(), 3, "three pids: {}", out.report());
    assert_eq!(out.status, Status::Signaled(9), "{}", out.report());
    assert!(
        alive.is_empty(),
        "still running 10 s after their parent was killed: {alive:?} of {pids:?}"
    );
}

#[test]
fn the_first_send_of_a_process_with_no_descriptor_to_spare_is_no_panic() {
    let out = layer("full-table");
    assert_eq!(
        out.lines(),
        [
            "with no descriptor to spare: sent and received 1",
            "then: sent and received 2",
        ],
        "{}",
        out.report()
    );
}

#[test]
fn a_fork_server_whose_requests_close_without_stop_ends() {
    let out = layer("exec");
    assert_eq!(
        out.lines(),
        ["inner child ran", "fork server ended"],
        "{}",
        out.report()
    );
}

/// Every program of the crate, with the arguments that make it quick.
const PROGRAMS: &[(&str, &[&str])] = &[
    (env!("CARGO_BIN_EXE_s02-thread-vs-process"), &["3"]),
    (env!("CARGO_BIN_EXE_s09-start-methods"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-fork-unflushed"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-fork-flushed"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-fork-lock"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-fork-refused"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-process-name"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-custom-process"), &[]),
    (env!("CARGO_BIN_EXE_s09-1-cpu-count"), &[]),
    (env!("CARGO_BIN_EXE_s09-4-process-lock"), &[]),
    (env!("CARGO_BIN_EXE_s09-4-without-lock"), &[]),
    (env!("CARGO_BIN_EXE_s09-4-without-join"), &[]),
    (env!("CARGO_BIN_EXE_s09-5-process-pool"), &[]),
    (env!("CARGO_BIN_EXE_s09-5-pool-callback"), &[]),
];

#[test]
fn an_unusable_tmpdir_is_one_line_never_a_panic() {
    std::thread::scope(|s| {
        for (program, args) in PROGRAMS {
            s.spawn(move || {
                let out = example(program)
                    .args(*args)
                    .env("TMPDIR", "/nonexistent/tmp")
                    .run();
                assert!(out.leftovers.is_empty(), "{}", out.report());
                if out.status == Status::Exited(0) {
                    return; // it needs no temporary directory
                }
                assert_eq!(out.status, Status::Exited(1), "{}", out.report());
                let lines: Vec<&str> = out.stderr.lines().collect();
                assert!(
                    lines.len() == 1 && lines[0].contains("/nonexistent/tmp"),
                    "one line naming the directory:\n{}",
                    out.report()
                );
            });
        }
    });
}

#[test]
fn a_time_scale_of_1e300_is_refused_in_one_line_and_the_program_runs() {
    for program in [
        env!("CARGO_BIN_EXE_s09-1-fork-flushed"),
        env!("CARGO_BIN_EXE_s09-1-custom-process"),
    ] {
        let out = example(program).env(pace::ENV, "1e300").run_ok();
        assert_eq!(
            out.stderr,
            "EXAMPLES_TIME_SCALE=1e300: not a time scale (a number from 0 to 1000); using 1.0\n",
            "once, by the parent only:\n{}",
            out.report()
        );
    }
}

/// `| head -1`: every program ends quietly once its reader is gone — killed by SIGPIPE as a Unix
/// tool is, or done already — with no panic and nothing left behind.
#[test]
fn every_program_ends_quietly_when_its_stdout_is_closed_after_one_line() {
    std::thread::scope(|s| {
        for (program, args) in PROGRAMS {
            s.spawn(move || {
                let out = example(program).args(*args).close_stdout_after(1).run();
                assert!(
                    matches!(
                        out.status,
                        Status::Exited(0) | Status::Signaled(libc::SIGPIPE)
                    ),
                    "{}",
                    out.report()
                );
                assert!(out.leftovers.is_empty(), "{}", out.report());
                assert!(
                    !out.stderr.contains("panicked") && !out.stderr.contains("Broken pipe"),
                    "{}",
                    out.report()
                );
            });
        }
    });
}

/// `EXAMPLES_TIME_SCALE=0.05 s09-1-fork-lock | head -1`: the child's threads meet the closed
/// pipe before the barrier; nothing may wait for a thread that died first.
#[test]
fn fork_lock_into_a_closed_pipe_ends_within_5_s_leaving_nothing() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-fork-lock"))
        .close_stdout_after(1)
        .timeout(Duration::from_secs(5))
        .run();
    assert!(
        matches!(
            out.status,
            Status::Exited(0) | Status::Signaled(libc::SIGPIPE)
        ),
        "{}",
        out.report()
    );
    assert!(out.leftovers.is_empty(), "{}", out.report());
    assert_eq!(out.stdout, "来了\n", "{}", out.report());
}
