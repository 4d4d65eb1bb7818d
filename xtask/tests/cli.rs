//! xtask's behaviour as the reader meets it: unknown names, the list, timeouts, Ctrl-C.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use harness::{Spec, Status};
use nix::sys::signal::Signal;
use xtask::catalog::{CATALOG, Example, Run};
use xtask::runall;

fn xtask() -> Spec {
    Spec::new(env!("CARGO_BIN_EXE_xtask")).timeout(Duration::from_secs(120))
}

#[test]
fn an_unknown_name_exits_2_and_names_the_closest() {
    let out = xtask().args(["run", "s02-1-start-jion"]).run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert!(
        out.stderr.contains("no example `s02-1-start-jion`"),
        "{}",
        out.report()
    );
    assert!(out.stderr.contains("s02-1-start-join"), "{}", out.report());
}

#[test]
fn an_unknown_command_exits_2_with_the_usage() {
    let out = xtask().arg("frobnicate").run();
    assert_eq!(out.status, Status::Exited(2));
    assert!(out.stderr.contains("unknown command `frobnicate`"));
    assert!(out.stderr.contains("run-all"));
}

#[test]
fn list_shows_every_example_in_the_notes_order() {
    let out = xtask().arg("list").run_ok();
    let names: Vec<&str> = out
        .lines()
        .iter()
        .skip(1)
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with('s') && w.contains('-'))
        })
        .collect();
    let expected: Vec<&str> = xtask::catalog::in_notes_order()
        .iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, expected);
    assert_eq!(names.len(), CATALOG.len());
}

static HANGING: Example = Example {
    name: "s99-hang",
    package: "examples-test",
    section: "§99 test",
    summary: "a program that never ends, with a child that never ends",
    run: Run::Plain,
    paced_secs: 0,
    alone: false,
    extends: None,
    pairing: CATALOG[0].pairing,
};

#[test]
fn a_hanging_example_is_killed_at_its_timeout_with_its_children() {
    let target = std::env::temp_dir().join(format!("xtask-hang-{}", std::process::id()));
    let debug = target.join("debug");
    std::fs::create_dir_all(&debug).expect("a fake target directory");
    let pids = target.join("pids");
    let script = debug.join(HANGING.name);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep 1000 &\necho $! > {}\necho 'started a child; now hanging'\nwait\n",
            pids.display()
        ),
    )
    .expect("write the fake example");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let started = Instant::now();
    let report = runall::run_one_within(&HANGING, &target, 1.0, Duration::from_millis(500));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the kill took too long"
    );
    assert!(!report.ok);
    assert_eq!(report.verdict, "TIMED OUT");
    assert!(report.output.contains("now hanging"), "{}", report.output);
    let child: i32 = std::fs::read_to_string(&pids)
        .expect("the example wrote its child's pid")
        .trim()
        .parse()
        .expect("a pid");
    assert!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child), None).is_err(),
        "the timed-out example's child {child} is still alive"
    );
    std::fs::remove_dir_all(&target).expect("clean up");
}

#[test]
fn ctrl_c_kills_the_running_examples_and_reports_them() {
    // At time scale 100 the example would take minutes; Ctrl-C must end it at once.
    let mut running = xtask()
        .args(["run-all", "s02-1-daemon", "--time-scale", "100"])
        .spawn()
        .expect("start xtask");
    let line = running.wait_for_line(Duration::from_secs(100), |l| l.starts_with("Running "));
    assert!(line.is_some(), "run-all never started the example");
    // What the terminal does on Ctrl-C: SIGINT to the foreground process group (xtask's).
    running.signal(Signal::SIGINT).expect("send SIGINT");
    let out = running.wait(&Default::default()).expect("xtask ends");
    assert_eq!(out.status, Status::Exited(130), "{}", out.report());
    assert!(out.stdout.contains("CANCELLED"), "{}", out.report());
    assert!(out.stdout.contains("interrupted"), "{}", out.report());
    assert!(
        !processes_named("s02-1-daemon"),
        "the example still runs after Ctrl-C"
    );
}

fn processes_named(name: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| {
            std::fs::read_to_string(entry.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
}
