//! Every program of the crate with its stdout closed after the first line, as `| head -1` does:
//! it ends quietly — killed by SIGPIPE, as a Unix tool is, or with exit code 0 if it had nothing
//! more to print — with no panic message, no abort, and no process left behind.

use std::collections::BTreeSet;

use harness::{Outcome, Status, example};

/// Every binary of the crate: its name and its path.
const BINARIES: &[(&str, &str)] = &[
    (
        "s02-1-custom-thread",
        env!("CARGO_BIN_EXE_s02-1-custom-thread"),
    ),
    ("s02-1-daemon", env!("CARGO_BIN_EXE_s02-1-daemon")),
    ("s02-1-start-join", env!("CARGO_BIN_EXE_s02-1-start-join")),
    ("s02-1-thread-name", env!("CARGO_BIN_EXE_s02-1-thread-name")),
    ("s03-cpu-bound", env!("CARGO_BIN_EXE_s03-cpu-bound")),
    ("s03-io-bound", env!("CARGO_BIN_EXE_s03-io-bound")),
    ("s04-thread-unsafe", env!("CARGO_BIN_EXE_s04-thread-unsafe")),
    ("s05-lock", env!("CARGO_BIN_EXE_s05-lock")),
    ("s05-rlock", env!("CARGO_BIN_EXE_s05-rlock")),
    (
        "s06-deadlock-cycle",
        env!("CARGO_BIN_EXE_s06-deadlock-cycle"),
    ),
    ("s06-deadlock-self", env!("CARGO_BIN_EXE_s06-deadlock-self")),
    (
        "s07-callback-threads",
        env!("CARGO_BIN_EXE_s07-callback-threads"),
    ),
    ("s07-thread-pool", env!("CARGO_BIN_EXE_s07-thread-pool")),
    ("s08-singleton", env!("CARGO_BIN_EXE_s08-singleton")),
    (
        "s08-singleton-oncelock",
        env!("CARGO_BIN_EXE_s08-singleton-oncelock"),
    ),
    (
        "s08-singleton-race",
        env!("CARGO_BIN_EXE_s08-singleton-race"),
    ),
    (
        "s08-singleton-threaded",
        env!("CARGO_BIN_EXE_s08-singleton-threaded"),
    ),
    (
        "s11-2-concurrency-vs-parallelism",
        env!("CARGO_BIN_EXE_s11-2-concurrency-vs-parallelism"),
    ),
    (
        "s11-3-singleton-module",
        env!("CARGO_BIN_EXE_s11-3-singleton-module"),
    ),
    (
        "s11-3-singleton-new",
        env!("CARGO_BIN_EXE_s11-3-singleton-new"),
    ),
];

#[test]
fn the_list_holds_every_binary_of_the_crate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("src/bin")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".rs")?.to_string())
        })
        .collect();
    let listed: BTreeSet<String> = BINARIES.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(listed, on_disk, "add the new binary to BINARIES");
}

/// What is wrong with a run whose stdout was closed after its first line, if anything.
fn fault(out: &Outcome) -> Option<String> {
    let quiet_end =
        matches!(out.status, Status::Exited(0)) || out.status == Status::Signaled(libc::SIGPIPE);
    let problem = if !quiet_end {
        "it did not end as SIGPIPE ends a program, nor with 0"
    } else if out.stderr.contains("panicked") {
        "it panicked"
    } else if !out.leftovers.is_empty() {
        "it left processes behind"
    } else if out.stdout.lines().count() > 1 {
        "more than one line was read"
    } else {
        return None;
    };
    Some(format!("{problem}:\n{}", out.report()))
}

#[test]
fn every_program_ends_quietly_when_its_reader_goes_away() {
    // Ended as by SIGPIPE, s03-io-bound cannot remove a temporary directory of its own: give it
    // one that the test removes.
    let out_dir = tempfile::tempdir().expect("a temporary directory");
    let faults: Vec<String> = BINARIES
        .iter()
        .filter_map(|(name, path)| {
            let mut spec = example(path).close_stdout_after(1);
            if *name == "s03-io-bound" {
                spec = spec.arg("--out").arg(out_dir.path());
            }
            fault(&spec.run())
        })
        .collect();
    assert!(faults.is_empty(), "{}", faults.join("\n\n"));
}
