//! `pace::init()`: a program whose stdout's reader goes away ends quietly, as SIGPIPE ends a Unix
//! tool — from whichever thread met the closed pipe, without hanging where the others wait.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The tests here take turns. Each closes its end of a pipe and expects the fixture to see it
/// gone; a test starting a child at that moment forks this process, and until that child
/// execs it holds a copy of every descriptor — the pipe too — so the fixture would find its
/// reader still there (it happened under load).
fn take_turns() -> MutexGuard<'static, ()> {
    static TURNS: Mutex<()> = Mutex::new(());
    TURNS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn fixture(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> → target/<profile>/examples/<name>
    let profile = exe.parent().and_then(|deps| deps.parent());
    profile
        .expect("a test runs from target/<profile>/deps")
        .join("examples")
        .join(name)
}

/// The fixture's end, or a failure that says it hangs (a fixture left hanging is killed): a
/// program that hangs where it should end fails the test instead of stalling the suite.
fn wait_at_most_10_s(child: &mut Child, after: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait for it") {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("still running 10 s after {after}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_closed_stdout_ends_every_thread_quietly_as_sigpipe_does() {
    let _turn = take_turns();
    let mut child = Command::new(fixture("closed-pipe"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fixture");
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    out.read_line(&mut first).expect("read its first line");
    assert!(first.starts_with("thread "), "first line: {first:?}");
    drop(out); // the reader goes away, as `head -1` does

    let status = wait_at_most_10_s(&mut child, "its reader went away");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("read its stderr");
    assert_eq!(
        status.signal(),
        Some(libc::SIGPIPE),
        "it should end as SIGPIPE ends a Unix tool; it ended with {status}, stderr:\n{stderr}"
    );
    assert!(
        stderr.is_empty(),
        "it should end quietly; stderr:\n{stderr}"
    );
}

#[test]
fn any_other_panic_is_reported_as_before() {
    let _turn = take_turns();
    let out = Command::new(fixture("closed-pipe"))
        .arg("panic")
        .stdin(Stdio::null())
        .output()
        .expect("run the fixture");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "{}: {stderr}", out.status);
    assert!(stderr.contains("任务失败：没有这个文件"), "{stderr}");
}

#[test]
fn a_closed_stdout_removes_what_the_program_made_quietly_before_it_ends() {
    let _turn = take_turns();
    let mut child = Command::new(fixture("closed-pipe"))
        .arg("tracked")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fixture");
    let mut dir = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    out.read_line(&mut dir).expect("read its directory");
    let dir = std::path::PathBuf::from(dir.trim_end());
    drop(out);
    let status = wait_at_most_10_s(&mut child, "its reader went away");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("read its stderr");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status}: {stderr}");
    assert!(
        !dir.exists(),
        "{} is still there once it has ended",
        dir.display()
    );
    assert_eq!(
        stderr, "the hook runs before the end\n",
        "the hook, once; then nothing to report: a closed pipe is a normal end"
    );
}

/// Runs the fixture in `poll` mode; with `close`, its stdout's reader goes away first. Its exit
/// code: 3 if it found its stdout closed, 4 if not.
fn poll(close: bool) -> Option<i32> {
    let mut child = Command::new(fixture("closed-pipe"))
        .arg("poll")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the fixture");
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut ready = String::new();
    out.read_line(&mut ready).expect("read its first line");
    assert_eq!(ready, "ready\n");
    let kept = (!close).then_some(out);
    std::io::Write::write_all(&mut child.stdin.take().expect("piped"), b"go\n").expect("write");
    let code = wait_at_most_10_s(&mut child, "its input came").code();
    drop(kept);
    code
}

#[test]
fn a_program_can_tell_whether_its_stdout_has_lost_its_reader() {
    let _turn = take_turns();
    assert_eq!(poll(true), Some(3), "closed");
    assert_eq!(poll(false), Some(4), "still read");
}
