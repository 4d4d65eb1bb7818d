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

/// Whether `dir` is gone within 10 s.
fn gone_within_10_s(dir: &Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
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
    // The tracker names itself first thing, but a moment after it starts (until then it has the
    // name the kernel gave the executable): on a busy machine, that moment is long.
    let named = |tracker: &Option<(u32, (String, u32))>| matches!(tracker, Some((_, (comm, _))) if comm == pace::cleanup::TRACKER_NAME);
    let deadline = Instant::now() + Duration::from_secs(10);
    let tracker = loop {
        let tracker = std::fs::read_dir("/proc")
            .expect("/proc")
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .filter_map(|pid: u32| Some((pid, process(pid)?)))
            .find(|(_, (_, ppid))| *ppid == child.id());
        if named(&tracker) || Instant::now() > deadline {
            break tracker;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(
        named(&tracker),
        "the program's tracker, its child, is named {} within 10 s: {tracker:?}",
        pace::cleanup::TRACKER_NAME
    );
    let pid = child.id() as libc::pid_t;
    // SAFETY: signals our own child, which has not been reaped.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let (status, stderr) = end(child);
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(gone_within_10_s(&dir), "{} is still there", dir.display());
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

/// Runs the fixture in `mode` to its end (10 s at most), with SIGINT at its default action (a
/// `cargo test` started in the background would pass it on ignored); its status, stdout lines
/// and stderr.
fn run(mode: &str, tmpdir: Option<&Path>) -> (ExitStatus, Vec<String>, String) {
    let mut command = Command::new(fixture("tracked"));
    command
        .arg(mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(tmpdir) = tmpdir {
        command.env("TMPDIR", tmpdir);
    }
    // SAFETY: between fork and exec only `signal`, async-signal-safe, runs.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("run the fixture");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let (status, stderr) = end(child);
    let stdout = reader.join().expect("the reader").expect("UTF-8 on stdout");
    (status, stdout.lines().map(str::to_string).collect(), stderr)
}

/// The command name and parent of process `pid`, if it exists (a zombie too).
fn process(pid: u32) -> Option<(String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, tail) = stat.rsplit_once(')')?;
    let comm = head.split_once(" (")?.1.to_string();
    let ppid = tail.split_whitespace().nth(1)?.parse().ok()?;
    Some((comm, ppid))
}

#[test]
fn at_a_normal_end_nothing_is_reported_and_the_tracker_is_gone_with_the_program() {
    // Orphans of our children come to us, and stay until we reap them: a tracker the program
    // did not wait for would still be there, running or a zombie, after the program.
    // SAFETY: PR_SET_CHILD_SUBREAPER takes a number; no pointers.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };
    let (status, lines, stderr) = run("drop", None);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stderr, "", "a clean end: nothing to report");
    assert!(
        !Path::new(&lines[0]).exists(),
        "{} is still there",
        lines[0]
    );
    let pid: u32 = lines[1]
        .strip_prefix("tracker before: None, after: Some(")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no tracker before the first registration, one after: {lines:?}"))
        .parse()
        .expect("a pid");
    if let Some((comm, ppid)) = process(pid)
        && comm == pace::cleanup::TRACKER_NAME
    {
        // SAFETY: our child now (we are its subreaper): reaped, so as to leave nothing.
        unsafe { libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0) };
        panic!("the tracker {pid} outlived its program (its parent now: {ppid})");
    }
}

#[test]
fn a_registration_withdrawn_leaves_the_file_to_its_owner() {
    let (status, lines, stderr) = run("withdraw", None);
    assert!(status.success(), "{status}: {stderr}");
    let file = Path::new(&lines[1]);
    let kept = file.exists();
    let _ = std::fs::remove_file(file);
    assert!(kept, "the tracker removed {}, withdrawn", file.display());
    assert_eq!(stderr, "");
}

#[test]
fn a_shared_memory_segment_left_behind_is_removed_and_reported() {
    let (status, lines, stderr) = run("shm", None);
    assert!(status.success(), "{status}: {stderr}");
    let in_dev_shm = format!("/dev/shm{}", lines[1]);
    assert!(
        !Path::new(&in_dev_shm).exists(),
        "{in_dev_shm} is still there"
    );
    assert!(
        stderr.contains(&format!("left {in_dev_shm} behind; removed it")),
        "the leak is reported as a path to look for: {stderr}"
    );
}

#[test]
fn ctrl_c_in_a_forked_child_leaves_the_programs_files_alone() {
    let (status, lines, stderr) = run("fork", None);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(
        lines[1], "after the child's Ctrl-C: there",
        "the child's signal handler had the parent's tracker remove its files"
    );
    assert!(!Path::new(&lines[0]).exists());
    assert_eq!(stderr, "");
}

#[test]
fn a_program_that_did_not_call_init_starts_no_tracker() {
    let (status, lines, stderr) = run("no-init", None);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(
        lines.get(1).map(String::as_str),
        Some("tracker: None"),
        "{lines:?}"
    );
    assert!(
        !Path::new(&lines[0]).exists(),
        "{} is still there",
        lines[0]
    );
    assert_eq!(stderr, "");
}

#[test]
fn without_a_tracker_the_program_says_so_once_and_its_owners_still_clean_up() {
    let (status, lines, stderr) = run("no-tracker", None);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(
        lines.len(),
        2,
        "the two directories, nothing else: {lines:?}"
    );
    for dir in &lines {
        assert!(!Path::new(dir).exists(), "{dir} is still there");
    }
    assert_eq!(stderr.lines().count(), 1, "said once: {stderr}");
    assert!(
        stderr.starts_with("warning: the resource tracker did not start ("),
        "{stderr}"
    );
}

#[test]
fn a_directory_that_cannot_be_made_is_an_error_that_names_where() {
    let nowhere = std::env::temp_dir().join(format!("examples-nowhere-{}", std::process::id()));
    let (status, _, stderr) = run("drop", Some(&nowhere));
    assert!(!status.success());
    assert!(
        stderr.contains(&format!(
            "cannot create examples-… in {}: ",
            nowhere.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_program_that_ignores_sigint_keeps_ignoring_it() {
    let (status, lines, stderr) = run("ignore-sigint", None);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(lines[1], "still running after SIGINT");
    assert!(!Path::new(&lines[0]).exists());
}

#[test]
fn a_name_registered_and_never_made_is_not_reported() {
    let (status, lines, stderr) = run("unmade", None);
    assert!(status.success(), "{status}: {stderr}");
    assert!(!Path::new(&lines[0]).exists());
    assert_eq!(stderr, "", "nothing was left behind");
}

#[test]
fn a_program_ends_without_waiting_for_a_forked_child_that_outlives_it() {
    // The child holds a copy of the tracker's pipe: the tracker must not wait for it to close.
    // It comes to us once the program has ended, to be reaped.
    // SAFETY: PR_SET_CHILD_SUBREAPER takes a number; no pointers.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };
    let mut child = Command::new(fixture("tracked"))
        .arg("orphan")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the fixture");
    let stdin = child.stdin.take();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Its child ends now: its stdin is closed.
    drop(stdin);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut stdout = String::new();
    let _ = child
        .stdout
        .take()
        .map(|mut out| out.read_to_string(&mut stdout));
    let lines: Vec<&str> = stdout.lines().collect();
    if let Some(orphan) = lines.get(1).and_then(|pid| pid.parse::<libc::pid_t>().ok()) {
        // SAFETY: our child now (we are its subreaper), ended or ending: reaped.
        unsafe { libc::waitpid(orphan, std::ptr::null_mut(), 0) };
    }
    let status = status.expect("still running 10 s after its last line: it waits for its child");
    assert!(status.success(), "{status}");
    assert!(!Path::new(lines[0]).exists(), "{} is still there", lines[0]);
}

#[test]
fn a_program_whose_tracker_was_killed_goes_on() {
    let (status, lines, stderr) = run("tracker-killed", None);
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(lines[1], "still working");
    assert!(!Path::new(&lines[0]).exists(), "its owner removes it");
}
