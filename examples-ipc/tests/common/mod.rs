//! Helpers the ipc tests share.

use std::time::Duration;

use harness::{Outcome, Spec};

/// The start methods every snippet is run under.
pub const METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];

/// The shared memory segments in /dev/shm that process `pid` created (`examples-ipc-<pid>-…`).
pub fn segments_of(pid: u32) -> Vec<String> {
    let prefix = format!("{}{pid}-", examples_ipc::shared::OS_ID_PREFIX);
    std::fs::read_dir("/dev/shm")
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `spec` to its end, then panics if it left a segment of its own in /dev/shm.
#[allow(dead_code)]
pub fn run_leaving_no_segment(spec: Spec) -> Outcome {
    let running = spec.spawn().expect("start the program");
    let pid = running.pid();
    let out = running.wait(&Default::default()).expect("the program ends");
    let left = segments_of(pid);
    assert!(
        left.is_empty(),
        "left in /dev/shm: {left:?}\n{}",
        out.report()
    );
    out
}

/// A fixture run with a timeout that no correct run comes near.
#[allow(dead_code)]
pub fn fixture_spec(name: &str) -> Spec {
    Spec::new(harness::fixture(name)).timeout(Duration::from_secs(60))
}
