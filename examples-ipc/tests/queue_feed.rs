//! The queue's feeding thread, as a program meets it: a producer's items all arrive, in order,
//! more of them than its buffer holds; two producers' items each in their own order; items put
//! just before a child's `std::process::exit` are sent; a producer whose consumer has gone gets
//! an error, not a hang; a process may fork right after putting.

mod common;

use common::{METHODS, fixture_spec};

#[test]
fn more_items_than_the_buffer_holds_arrive_in_order() {
    for method in METHODS {
        let out = fixture_spec("queue-feed").args(["many", method]).run_ok();
        out.assert_in_order(&["20000 items, in order: true", "then: disconnected: true"]);
    }
}

#[test]
fn two_producers_items_each_come_in_the_order_put() {
    for method in METHODS {
        let out = fixture_spec("queue-feed").args(["two", method]).run_ok();
        out.assert_in_order(&["each producer's 5000 items in its order: true"]);
    }
}

#[test]
fn what_a_child_put_before_its_exit_arrives() {
    for method in METHODS {
        let out = fixture_spec("queue-feed").args(["exit", method]).run_ok();
        out.assert_in_order(&[r#"after the child's exit: 100 items, the last Some("item 99")"#]);
    }
}

/// Not with fork: a forked child holds a copy of its parent's receiving ends (as in Python),
/// so the consumer is never gone for it.
#[test]
fn a_producer_whose_consumer_is_gone_gets_an_error() {
    for method in ["spawn", "forkserver"] {
        let out = fixture_spec("queue-feed").args(["gone", method]).run_ok();
        out.assert_in_order(&["child: putting", "child exit code Some(3)"]);
    }
}

#[test]
fn a_process_may_fork_right_after_putting() {
    let out = fixture_spec("queue-feed").arg("fork-after-put").run_ok();
    out.assert_in_order(&["forked after put: exit code Some(0)", "got [0, 1, 2]"]);
}
