//! The manager's connections: a thread's calls reuse one connection; a forked child opens its
//! own instead of using the copy of its parent's; pool workers keep theirs from task to task; a
//! server that dies during a call ends the call with an error. (The nothing-left checks are the
//! harness's: every run's process group must be gone.)

mod common;

use common::{METHODS, fixture_spec};

#[test]
fn a_parent_and_its_child_call_at_once_each_on_its_own_connection() {
    for method in METHODS {
        let out = fixture_spec("manager-connections")
            .args(["concurrent", method])
            .run_ok();
        let lines = out.lines();
        // The parent's and the child's lines come in either order.
        for line in [
            "parent: 200 calls, every answer its own",
            "child: 200 calls, every answer its own",
            "child exit code Some(0)",
            "entries: 401",
            "the parent's connection is the first: true",
            "manager dropped",
        ] {
            assert!(
                lines.contains(&line),
                "{method}: no {line:?}\n{}",
                out.report()
            );
        }
    }
}

#[test]
fn pool_workers_call_through_proxies_each_on_one_connection() {
    let out = fixture_spec("manager-connections").arg("pool").run_ok();
    out.assert_in_order(&[
        "entries: 6",
        "connections: 3 (at most 3: true)",
        "manager dropped",
    ]);
}

#[test]
fn a_server_killed_during_a_call_makes_it_an_error_not_a_hang() {
    let out = fixture_spec("manager-connections").arg("mid-call").run_ok();
    out.assert_in_order(&[
        "killing the server while the call waits",
        "d[2] = 2: error (disconnected: true)",
        "d.get(1): error (disconnected: true)",
        "manager dropped",
    ]);
}

#[test]
fn strangers_on_the_servers_socket_are_not_served_and_do_not_disturb_it() {
    let out = fixture_spec("manager-connections")
        .arg("strangers")
        .run_ok();
    out.assert_in_order(&[
        "bytes and no pipes: closed unanswered: true",
        "a wrong secret: not served: true",
        "entries: 2",
        "manager dropped",
    ]);
}

#[test]
fn one_thread_calls_two_managers_each_on_its_own_connection() {
    let out = fixture_spec("manager-connections")
        .arg("two-managers")
        .run_ok();
    out.assert_in_order(&[
        "the first's connections: [1]",
        "{second:?} as Python prints it: true",
        "<SyncManager shut down>",
        "the first's server is gone: true",
        "the second still answers: Some(\"'b'\"), 1 key",
        "empty: a new list true, a new dict true, d false",
        "l: [1.5, 'two'] (len 2), l[-1] = 'two'",
        "l[2] = 0: the manager's server answered IndexError: list index out of range",
        "l empty now: false",
        "dropped, with its proxies still here, the second's server is gone: true",
        "manager dropped",
    ]);
}

#[test]
fn connections_to_servers_that_have_gone_are_closed() {
    let out = fixture_spec("manager-connections")
        .arg("one-after-another")
        .run_ok();
    out.assert_in_order(&[
        "40 managers one after another, each called and dropped",
        "manager dropped",
    ]);
}
