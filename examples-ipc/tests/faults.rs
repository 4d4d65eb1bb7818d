//! Faults: the owner of shared memory panics or fails; the manager's server, a queue's producer,
//! a pipe's peer or a lock's holder is killed. Each ends in a clear error or a clean release;
//! nothing hangs (each run has a timeout); nothing is left in /dev/shm or running (the harness
//! checks every run's process group).

mod common;

use common::{METHODS, fixture_spec, run_leaving_no_segment};
use harness::Status;

#[test]
fn a_child_never_unlinks_the_owners_segment() {
    for method in METHODS {
        let out = run_leaving_no_segment(fixture_spec("shm-owner").arg(method));
        assert!(out.success(), "{method}: {}", out.report());
        out.assert_in_order(&[
            "segment /examples-ipc-",
            "child exit code Some(0)",
            "child exit code Some(0)",
            "value 3",
            "still in /dev/shm after the children: true",
        ]);
    }
}

#[test]
fn a_panic_or_an_error_in_main_still_removes_the_segment() {
    for (mode, why) in [
        ("panic", "main panics while it holds a Value"),
        ("error", "main returns an error while it holds a Value"),
    ] {
        let out = run_leaving_no_segment(fixture_spec("shm-owner").arg(mode));
        let code = if mode == "panic" { 101 } else { 1 };
        assert_eq!(out.status, Status::Exited(code), "{mode}: {}", out.report());
        assert!(
            out.stdout.starts_with("segment /examples-ipc-"),
            "{}",
            out.report()
        );
        assert!(out.stderr.contains(why), "{mode}: {}", out.report());
    }
}

#[test]
fn a_killed_producer_makes_get_an_error_not_a_hang() {
    for method in METHODS {
        let out = fixture_spec("peer-killed").args(["queue", method]).run_ok();
        out.assert_in_order(&[
            "got 1",
            "killing the child",
            "error (disconnected: true): getting from a queue: no producer is left",
            "child exit code Some(-9)",
        ]);
    }
}

#[test]
fn a_killed_peer_makes_recv_an_error_not_a_hang() {
    for method in METHODS {
        let out = fixture_spec("peer-killed").args(["pipe", method]).run_ok();
        out.assert_in_order(&[
            "got 1",
            "killing the child",
            "error (disconnected: true): receiving from a pipe",
            "child exit code Some(-9)",
        ]);
    }
}

#[test]
fn proxy_calls_to_a_killed_server_are_errors_and_the_server_is_reaped() {
    let out = fixture_spec("manager-faults").arg("server-killed").run_ok();
    out.assert_in_order(&[
        "before: {1: '1'}",
        "killing the server",
        "d[2] = 2: error (disconnected: true)",
        "print(d): error (disconnected: true)",
        "l.append(1): error (disconnected: true)",
        "lock.acquire(): error (disconnected: true)",
        // Each error names the call, as Python's traceback would.
        "manager.dict(): error: manager.dict(): connecting to the manager's server",
        "manager.list(): error: manager.list(): connecting",
        "manager.Lock(): error: manager.Lock(): connecting",
        "manager.RLock(): error: manager.RLock(): connecting",
        "manager.shutdown(): Ok(())",
        "manager dropped",
    ]);
}

#[test]
fn a_server_that_dies_before_it_is_ready_makes_manager_new_an_error() {
    let out = fixture_spec("manager-faults")
        .arg("dies-early")
        .env("SERVER_DIES_EARLY", "1")
        .run_ok();
    let lines = out.lines();
    assert!(
        lines.len() == 1
            && lines[0].starts_with("Manager::new failed: starting the manager's server")
            && lines[0].contains("exit code Some(3)"),
        "{}",
        out.report()
    );
}

#[test]
fn a_child_waiting_for_a_lock_gets_an_error_when_the_server_dies() {
    for method in METHODS {
        let out = fixture_spec("manager-faults")
            .args(["waiter", method])
            .run_ok();
        out.assert_in_order(&[
            "child says: about to acquire",
            "killing the server",
            "child: error (disconnected: true)",
            "child exit code Some(0)",
            "manager dropped",
        ]);
    }
}

#[test]
fn a_lock_whose_holder_is_killed_is_released() {
    for method in METHODS {
        let out = fixture_spec("manager-faults")
            .args(["holder-dies", method])
            .run_ok();
        out.assert_in_order(&[
            "child says: held",
            "killing the child",
            "child exit code Some(-9)",
            "parent acquired the lock the dead child held",
            "manager dropped",
        ]);
    }
}

#[test]
fn a_lock_released_by_the_parent_goes_to_its_child_even_a_forked_one() {
    for method in METHODS {
        let out = fixture_spec("manager-faults")
            .args(["released", method])
            .run_ok();
        assert_eq!(
            out.lines(),
            [
                "child says: about to acquire",
                "parent released the lock",
                "child says: acquired",
                "child exit code Some(0)",
                "manager dropped",
            ],
            "{method}: {}",
            out.report()
        );
    }
}

#[test]
fn an_rlock_is_re_entrant_and_a_released_lock_is_free() {
    let out = fixture_spec("manager-faults").arg("rlock").run_ok();
    out.assert_in_order(&[
        "the holder acquired the RLock again: <held managed lock>",
        "a released Lock is free again",
        "manager dropped",
    ]);
}

/// A forked child closes its copy of the parent's end of a pipe: once the parent drops its own,
/// the child's `recv` ends with an error instead of waiting for ever on its own copy — also when
/// that `recv` is the child's first use of its end.
#[test]
fn a_forked_child_does_not_keep_the_parents_end_of_a_pipe_open() {
    for method in METHODS {
        let out = fixture_spec("peer-killed")
            .args(["parent-drops", method])
            .timeout(std::time::Duration::from_secs(20))
            .run_ok();
        out.assert_in_order(&[
            "got 1",
            "child: error (disconnected: true): receiving from a pipe",
            "child exit code Some(0)",
        ]);
        let out = fixture_spec("peer-killed")
            .args(["parent-drops-at-once", method])
            .timeout(std::time::Duration::from_secs(20))
            .run_ok();
        out.assert_in_order(&[
            "child: error (disconnected: true): receiving from a pipe",
            "child exit code Some(0)",
        ]);
    }
}
