//! Faults: a pool worker that panics, aborts or is killed; a pool that fails to start; a spawned
//! child that dies before it connects back; a process killed while it holds a process lock; a
//! fork server that dies; a child forked from a program with a pool or a fork server. Each ends
//! in a clear error; nothing hangs; no process is left behind (the harness checks every run's
//! process group).

use std::time::Duration;

use harness::{Spec, Status};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// How long a fixture may take: it ends within a second or two, unless a process it waits for
/// never ends — a fork server that outlives its `Stop`, a future that is never completed — which
/// then fails the test well within a mutation run's `--timeout`.
const FIXTURE_PATIENCE: Duration = Duration::from_secs(20);

fn pool_faults(mode: &str) -> Spec {
    Spec::new(harness::fixture("pool-faults"))
        .arg(mode)
        .timeout(FIXTURE_PATIENCE)
}

#[test]
fn a_panicking_task_fails_its_future_and_the_pool_goes_on() {
    let out = pool_faults("panic").run_ok();
    out.assert_in_order(&[
        "error the task panicked: task 1 failed on purpose",
        "after: result 42",
    ]);
}

#[test]
fn a_worker_that_aborts_breaks_the_pool() {
    let out = pool_faults("abort").run_ok();
    let first = out.lines()[1];
    assert!(
        first.starts_with("error BrokenProcessPool:") && first.contains("SIGABRT"),
        "{}",
        out.report()
    );
    assert!(
        out.stdout
            .contains("after: submit refused: BrokenProcessPool"),
        "{}",
        out.report()
    );
}

#[test]
fn a_panicking_done_callback_is_reported_and_the_others_still_run() {
    let out = pool_faults("callback-panics").run_ok();
    out.assert_in_order(&[
        "result 1: Ok(2)",
        "main goes on after the late callback",
        "shut down",
    ]);
    assert!(
        out.stdout.contains("callback 2 ran: Ok(4)"),
        "{}",
        out.report()
    );
    assert!(
        out.stderr.contains("callback 1 fails on purpose")
            && out.stderr.contains("a late callback fails on purpose"),
        "the panics are reported: {}",
        out.report()
    );
}

#[test]
fn shutdown_without_wait_returns_at_once_and_the_tasks_still_run() {
    let out = pool_faults("no-wait").run_ok();
    assert_eq!(
        out.lines(),
        [
            "shutdown(false) returned; done: false false",
            "submit after shutdown: cannot submit a task after shutdown",
            "results: Ok(42) Ok(4)",
            "pool dropped",
        ],
        "{}",
        out.report()
    );
}

#[test]
fn a_pool_that_fails_to_start_leaves_no_process_behind() {
    // Out of descriptors, ipc-channel cannot always remove the temporary directory of a socket
    // (removing needs one): the fixture's temporary files go to a directory of the test's own.
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = pool_faults("fd-limit").env("TMPDIR", tmp.path()).run_ok();
    let last = out.lines().last().copied().unwrap_or_default();
    assert!(
        last.ends_with("failures, each leaving no process; then a pool started")
            && !last.starts_with("0 "),
        "{}",
        out.report()
    );
}

#[test]
fn killing_a_worker_fails_every_pending_future_with_broken_pool() {
    let mut running = pool_faults("kill").spawn().expect("start the fixture");
    let workers = running
        .wait_for_line(FIXTURE_PATIENCE, |l| l.starts_with("workers "))
        .expect("the fixture printed its workers");
    // Wait until the tasks are running, so that the kill hits a busy worker.
    running
        .wait_for_line(FIXTURE_PATIENCE, |l| l.starts_with("running "))
        .expect("a task started");
    let victim: i32 = workers
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        // 0 or 1 is no worker's: `kill` would take 0 for this test's own process group.
        .filter(|pid| *pid > 1)
        .expect("a worker pid");
    kill(Pid::from_raw(victim), Signal::SIGKILL).expect("kill the worker");
    let out = running.wait(&Default::default()).expect("the fixture ends");
    assert_eq!(out.status, Status::Exited(0), "{}", out.report());
    assert!(out.leftovers.is_empty(), "{}", out.report());
    let errors = out
        .lines()
        .iter()
        .filter(|l| l.starts_with("error BrokenProcessPool:"))
        .count();
    assert_eq!(
        errors,
        4,
        "every one of the 4 futures fails:\n{}",
        out.report()
    );
    assert!(
        out.stdout.contains(&format!("worker {victim} died")),
        "{}",
        out.report()
    );
    assert!(out.stdout.contains("SIGKILL"), "{}", out.report());
    assert!(
        out.stdout
            .contains("after: submit refused: BrokenProcessPool")
    );
}

/// What the fixture prints when the child (spawn) or the fork server (forkserver) dies early:
/// a spawned child's death comes out of `join()`, since `start()` does not wait for it to
/// connect back; the fork server is started inside `start()`.
fn died_early(method: &str) -> &'static str {
    match method {
        "spawn" => "join failed: child process ",
        _ => "start failed: starting the fork server: it (pid ",
    }
}

/// Runs the child-dies-early fixture (its children exit with 3 before connecting back; with
/// `remove_socket` they also remove the socket the parent would use to end its `accept()`), and
/// checks that its first line reports that death, and that the dead child was reaped; returns
/// the run and that line.
fn dies_early(method: &str, remove_socket: bool) -> (harness::Outcome, String) {
    let mut spec = Spec::new(harness::fixture("child-dies-early"))
        .arg(method)
        .env("DIE_EARLY", "1");
    if remove_socket {
        spec = spec.env("REMOVE_SOCKET", "1");
    }
    lost(method, spec, "exited with code 3")
}

/// Runs `spec`, a run of the child-dies-early fixture with a fault, and checks that its first
/// line reports the child (or fork server) lost — `detail` saying how — and its last that no
/// dead child is left unreaped; returns the run and the first line.
fn lost(method: &str, spec: Spec, detail: &str) -> (harness::Outcome, String) {
    let out = spec.timeout(FIXTURE_PATIENCE).run_ok();
    let line = out.lines().first().copied().unwrap_or_default().to_string();
    assert!(
        line.starts_with(died_early(method)) && line.contains(detail),
        "{method}: {}",
        out.report()
    );
    assert_eq!(
        out.lines().last().copied(),
        Some("dead children not reaped: 0"),
        "{method}: {}",
        out.report()
    );
    (out, line)
}

/// A child that never connects back is given up on after the connect timeout (here half a
/// second), killed and reaped: under forkserver, the fork server itself.
#[test]
fn a_child_that_never_connects_back_is_given_up_killed_and_reaped() {
    for method in ["spawn", "forkserver"] {
        let spec = Spec::new(harness::fixture("child-dies-early"))
            .arg(method)
            .env("STALL_EARLY", "1")
            .env(examples_processes::launch::CONNECT_TIMEOUT_ENV, "0.5");
        lost(method, spec, "did not connect back within 0.5 s");
    }
}

/// Under `forkserver` it is the fork server that dies, during its handshake (see the fixture).
#[test]
fn a_spawned_child_that_dies_before_connecting_is_an_error_not_a_hang() {
    for method in ["spawn", "forkserver"] {
        let (out, line) = dies_early(method, false);
        if method == "spawn" {
            // Reaped by then: its exit code is known.
            assert!(line.ends_with("; exit code Some(3)"), "{}", out.report());
        }
    }
}

/// The parent ends a blocked `accept()` by connecting to its own socket; here the dying child
/// has removed that socket, so the parent cannot, and must not wait for the accept.
#[test]
fn a_child_that_dies_leaving_the_accept_unendable_is_still_an_error_not_a_hang() {
    for method in ["spawn", "forkserver"] {
        dies_early(method, true);
    }
}

#[test]
fn without_the_fault_the_same_fixture_runs_its_target() {
    for method in ["spawn", "forkserver"] {
        let out = Spec::new(harness::fixture("child-dies-early"))
            .arg(method)
            .timeout(FIXTURE_PATIENCE)
            .run_ok();
        out.assert_in_order(&["the target ran", "started and joined, exit code Some(0)"]);
    }
}

#[test]
fn a_process_killed_while_holding_the_lock_does_not_leave_it_held() {
    for method in ["spawn", "fork"] {
        let out = Spec::new(harness::fixture("lock-holder-dies"))
            .arg(method)
            .timeout(FIXTURE_PATIENCE)
            .run_ok();
        assert_eq!(
            out.lines(),
            [
                "held by the child: true",
                "child exit code: Some(-9)",
                "free after its death: true",
                "acquired again",
            ],
            "{method}: {}",
            out.report()
        );
    }
}

#[test]
fn a_dead_fork_server_is_an_error_for_the_next_start_and_for_join_not_a_hang() {
    // The fork server's child would run for 600 s: a hang shows as a timeout.
    let out = Spec::new(harness::fixture("forkserver-dies"))
        .timeout(FIXTURE_PATIENCE)
        .run_ok();
    let lines = out.lines();
    assert_eq!(lines[0], "fork server killed", "{}", out.report());
    assert!(
        lines[1].starts_with("next start failed: asking the fork server for a child"),
        "{}",
        out.report()
    );
    assert!(
        lines[2].starts_with("join failed: ") && lines[2].contains("the fork server is gone"),
        "{}",
        out.report()
    );
}

#[test]
fn fork_is_refused_while_a_pool_gives_the_process_threads_and_spawn_still_works() {
    let out = Spec::new(harness::fixture("forked-sibling"))
        .arg("pool")
        .timeout(FIXTURE_PATIENCE)
        .run_ok();
    let lines = out.lines();
    assert_eq!(lines.len(), 3, "{}", out.report());
    assert_eq!(lines[0], "task result 42");
    assert!(
        lines[1].starts_with("fork refused: cannot fork: this process has ")
            && lines[1].contains("spawn or forkserver"),
        "{}",
        out.report()
    );
    assert_eq!(lines[2], "spawned child exit code Some(0)");
}

#[test]
fn the_fork_server_stops_without_waiting_for_a_child_forked_from_its_parent() {
    let out = Spec::new(harness::fixture("forked-sibling"))
        .arg("forkserver")
        .timeout(FIXTURE_PATIENCE)
        .run_ok();
    assert_eq!(
        out.lines(),
        [
            "served child exit code Some(0)",
            "fork server stopped; the forked child still sleeps: true",
        ],
        "{}",
        out.report()
    );
}
