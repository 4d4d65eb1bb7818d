//! `cargo xtask timeline`'s answers to wrong input, before it builds or records anything.

use std::time::Duration;

use harness::{Spec, Status};

fn xtask() -> Spec {
    Spec::new(env!("CARGO_BIN_EXE_xtask")).timeout(Duration::from_secs(60))
}

#[test]
fn an_unknown_example_exits_2_and_names_the_closest() {
    let out = xtask().args(["timeline", "s05-lok"]).run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert!(
        out.stderr.contains("no example `s05-lok`"),
        "{}",
        out.report()
    );
    assert!(out.stderr.contains("s05-lock"), "{}", out.report());
}

#[test]
fn a_bad_time_scale_is_quoted_in_one_line() {
    let out = xtask()
        .args(["timeline", "s05-lock", "--time-scale", "fast"])
        .run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert!(
        out.stderr
            .lines()
            .next()
            .is_some_and(|l| l.contains("--time-scale fast")),
        "{}",
        out.report()
    );
}

#[test]
fn the_examples_arguments_go_after_the_double_dash() {
    let out = xtask().args(["timeline", "s05-lock", "stray"]).run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert!(out.stderr.contains("after `--`"), "{}", out.report());
}
