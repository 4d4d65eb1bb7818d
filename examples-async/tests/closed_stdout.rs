//! Every program of the crate with its stdout closed after the first line, as `| head -1` does:
//! it ends quietly — killed by SIGPIPE, as a Unix tool is, or with exit code 0 if it had nothing
//! more to print — with no panic message, no abort, and no process left behind.

use std::collections::BTreeSet;

use harness::{Outcome, Status, example};

/// Every binary of the crate: its name and its path.
const BINARIES: &[(&str, &str)] = &[
    (
        "s10-coroutine-switch",
        env!("CARGO_BIN_EXE_s10-coroutine-switch"),
    ),
    (
        "s10-executor-by-hand",
        env!("CARGO_BIN_EXE_s10-executor-by-hand"),
    ),
    (
        "s10-io-bound-async",
        env!("CARGO_BIN_EXE_s10-io-bound-async"),
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
    let faults: Vec<String> = BINARIES
        .iter()
        .filter_map(|(_, path)| fault(&example(path).close_stdout_after(1).run()))
        .collect();
    assert!(faults.is_empty(), "{}", faults.join("\n\n"));
}
