//! Helpers the process tests share.

use std::path::PathBuf;

/// A fixture program of this package (`tests/fixtures/`, built by `cargo test` as an example).
pub fn fixture(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/debug/deps/<test> → target/debug/examples/<name>
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    let path = debug.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds the fixtures",
        path.display()
    );
    path
}
