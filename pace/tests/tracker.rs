//! The resource tracker: a program's tracked temporary directory is removed however the program
//! ends — killed with SIGKILL (and reported), interrupted with SIGINT or SIGTERM (quietly, and
//! the program ends as the signal would), or ending with the directory's owner forgotten.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe.parent().and_then(|deps| deps.parent());
    profile
        .expect("a test runs from target/<profile>/deps")
        .join("examples")
        .join(name)
}

/// Starts the fixture in `mode` in a process group of its own; returns it and its directory.
fn start(mode: &str) -> (Child, PathBuf) {
    let mut child = Command::new(fixture("tracked"))
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start the fixture");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("read its directory");
    let dir = PathBuf::from(line.trim_end());
    assert!(
        dir.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("examples-")),
        "{line:?}"
    );
    (child, dir)
}

/// Waits (at most 10 s) for the child to end; its status and stderr.
fn end(mut child: Child) -> (ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("the fixture did not end");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (status, stderr)
}

/// Whether `dir` is gone within 2 s.
fn gone_within_2_s(dir: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while dir.exists() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

#[test]
fn a_program_killed_with_sigkill_leaves_its_directory_to_the_tracker() {
    let (child, dir) = start("wait");
    let pid = child.id() as libc::pid_t;
    // SAFETY: signals our own child, which has not been reaped.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let (status, stderr) = end(child);
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(gone_within_2_s(&dir), "{} is still there", dir.display());
    assert!(
        stderr.contains(&format!("left {} behind; removed it", dir.display())),
        "the leak is reported: {stderr}"
    );
}

#[test]
fn sigint_and_sigterm_remove_the_directory_and_end_the_program_as_the_signal_would() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let (child, dir) = start("wait");
        // SAFETY: signals our own child's process group (its pid), which is alive: it waits.
        unsafe { libc::kill(-(child.id() as libc::pid_t), signal) };
        let (status, stderr) = end(child);
        assert_eq!(status.signal(), Some(signal), "{stderr}");
        // Removed before the program ended: no waiting needed.
        assert!(!dir.exists(), "{} is still there", dir.display());
        assert_eq!(stderr, "", "a clean end: nothing to report");
    }
}

#[test]
fn a_directory_whose_owner_was_forgotten_is_removed_and_reported_at_the_end() {
    let (child, dir) = start("forget");
    let (status, stderr) = end(child);
    assert!(status.success(), "{stderr}");
    assert!(!dir.exists(), "{} is still there", dir.display());
    assert!(stderr.contains("behind; removed it"), "{stderr}");
}
