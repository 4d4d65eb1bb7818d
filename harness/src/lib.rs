//! Runs a program the way a careful reader would watch it.
//!
//! Every example is run — by `cargo xtask run-all` and by the tests — through [`Spec`]:
//!
//! - in a process group of its own, so that a timeout or Ctrl-C kills the program *and every
//!   process it started* with one `killpg`;
//! - with a deadline: a program that hangs is killed and reported as [`Status::TimedOut`];
//! - with its output captured (stdout and stderr apart, or merged in the order it was written);
//! - and checked afterwards: a process of its group still running (or a zombie) once the program
//!   has exited is a defect; it is killed, reaped and reported in [`Outcome::leftovers`].
//!
//! For the last point the calling process becomes a *child subreaper* (Linux): orphans of the
//! program are re-parented to it instead of to PID 1, so that it can reap them. That includes
//! a killed program's resource tracker ([`pace::cleanup`]), which runs in a process group of its
//! own: once the program is gone, the run waits (at most 5 s) for such orphaned trackers to
//! finish their cleanup, and reaps them.
//!
//! [`example`] is the shortcut the tests use: a [`Spec`] for an example binary at the small time
//! scale of the tests.
#![deny(clippy::unwrap_used)]

use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// The time scale (`EXAMPLES_TIME_SCALE`) that tests run the examples at, unless the
/// environment sets one.
pub const TEST_TIME_SCALE: &str = "0.05";

/// How long a test lets an example run before it is killed and the test fails.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `test` on a thread and fails if it takes more than 10 s: code that stops answering or
/// loops fails its test instead of hanging it (so a mutation run sees a failure, not a timeout).
/// For unit tests of code that waits.
pub fn within_10_s(test: impl FnOnce() + Send + 'static) {
    within(Duration::from_secs(10), test);
}

/// Runs `test` on a thread and fails if it takes more than `limit`; a panic of `test` is the
/// failure then. (A test that does not end is left running on its thread.)
pub fn within(limit: Duration, test: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let thread = thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(limit) {
        Ok(()) => thread.join().expect("the test's thread"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            // It panicked: its panic is the failure.
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("no end within {limit:?}"),
    }
}

/// A test fixture of the calling package: a program under `tests/fixtures/`, declared as an
/// `[[example]]` in the package's Cargo.toml, which `cargo test` builds beside the tests.
/// Programs that start processes cannot run inside the multithreaded test harness; a test
/// drives them as fixtures instead. Panics with a clear message if it was not built.
pub fn fixture(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> → target/<profile>/examples/<name>
    let profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("a test runs from target/<profile>/deps");
    let path = profile.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: `cargo test` builds the fixtures (is it an [[example]] of this package?)",
        path.display()
    );
    path
}

/// The port of the first `127.0.0.1:PORT` in `line` — how a server that listens on a port the OS
/// picked (`--port 0`) tells its caller where to connect. `None` if the line names no such port.
///
/// ```
/// assert_eq!(harness::port_in("服务端已启动，在 127.0.0.1:8001 上等待"), Some(8001));
/// ```
pub fn port_in(line: &str) -> Option<u16> {
    const HOST: &str = "127.0.0.1:";
    let after = &line[line.find(HOST)? + HOST.len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// How often a waiting loop looks again.
const POLL: Duration = Duration::from_millis(5);

/// What to run, and how to watch it.
#[derive(Debug)]
pub struct Spec {
    command: Command,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
    merge_output: bool,
    stdout_lines: Option<usize>,
}

/// A test's view of an example binary: [`TEST_TIME_SCALE`] (unless `EXAMPLES_TIME_SCALE` is
/// already set), [`TEST_TIMEOUT`], stdout and stderr apart.
///
/// ```ignore
/// // in an integration test of the package that owns the binary s05-lock:
/// let out = harness::example(env!("CARGO_BIN_EXE_s05-lock")).run_ok();
/// assert!(out.stdout.contains("2000000"));
/// ```
pub fn example(binary: impl AsRef<OsStr>) -> Spec {
    let mut spec = Spec::new(binary).timeout(TEST_TIMEOUT);
    if std::env::var_os(pace::ENV).is_none() {
        spec = spec.env(pace::ENV, TEST_TIME_SCALE);
    }
    spec
}

impl Spec {
    /// Runs `program` with stdin closed, a 60 s timeout and stdout and stderr captured apart.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Spec {
            command: Command::new(program),
            stdin: None,
            timeout: TEST_TIMEOUT,
            merge_output: false,
            stdout_lines: None,
        }
    }

    /// Closes the program's stdout after its first `lines` lines, as `| head -n LINES` does:
    /// what it writes afterwards meets a pipe without a reader.
    pub fn close_stdout_after(mut self, lines: usize) -> Self {
        self.stdout_lines = Some(lines);
        self
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable for the program.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Runs the program in `dir`.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Feeds `input` to the program's stdin, then closes it.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Kills the program (its whole process group) once it has run this long.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Captures stderr into the same stream as stdout, in the order the program wrote them.
    pub fn merge_output(mut self, merge: bool) -> Self {
        self.merge_output = merge;
        self
    }

    /// The program's name, for messages.
    pub fn program(&self) -> String {
        self.command.get_program().to_string_lossy().into_owned()
    }

    /// Starts the program in a new process group.
    pub fn spawn(mut self) -> io::Result<Running> {
        become_subreaper();
        let program = self.program();
        let (out_reader, out_writer) = io::pipe()?;
        let err_pipe = if self.merge_output {
            self.command.stderr(out_writer.try_clone()?);
            None
        } else {
            let (reader, writer) = io::pipe()?;
            self.command.stderr(writer);
            Some(reader)
        };
        self.command
            .stdout(out_writer)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .process_group(0);
        let started = Instant::now();
        let mut child = self
            .command
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start {program}: {e}")))?;
        // The pipes' write ends now live in the child only (the `Command` is dropped below), so
        // the readers see end-of-file once the child and everything it started are gone.
        drop(self.command);
        let pgid = Pid::from_raw(child.id() as i32);
        let feeder = match (self.stdin, child.stdin.take()) {
            (Some(input), Some(mut pipe)) => Some(thread::spawn(move || {
                // The program may exit without reading everything: that is not our error.
                let _ = pipe.write_all(&input);
            })),
            _ => None,
        };
        Ok(Running {
            program,
            child,
            pgid,
            started,
            deadline: started + self.timeout,
            stdout: match self.stdout_lines {
                None => Collector::start(out_reader),
                Some(lines) => Collector::head(out_reader, lines),
            },
            stderr: err_pipe.map(Collector::start),
            feeder,
        })
    }

    /// Runs the program to its end (or its timeout, or until `cancel` becomes true).
    pub fn run_until(self, cancel: &AtomicBool) -> io::Result<Outcome> {
        self.spawn()?.wait(cancel)
    }

    /// Runs the program and panics with everything it printed unless it exits with 0 within its
    /// timeout and leaves nothing behind. For tests.
    #[track_caller]
    pub fn run_ok(self) -> Outcome {
        let outcome = self.run();
        if !outcome.success() {
            panic!("{}", outcome.report());
        }
        outcome
    }

    /// Runs the program to its end or its timeout; panics only if it cannot be started. For
    /// tests that expect a failure.
    #[track_caller]
    pub fn run(self) -> Outcome {
        let program = self.program();
        match self.run_until(&AtomicBool::new(false)) {
            Ok(outcome) => outcome,
            Err(e) => panic!("running {program}: {e}"),
        }
    }
}

/// A program started by [`Spec::spawn`].
#[derive(Debug)]
pub struct Running {
    program: String,
    child: Child,
    pgid: Pid,
    started: Instant,
    deadline: Instant,
    stdout: Collector,
    stderr: Option<Collector>,
    feeder: Option<JoinHandle<()>>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The program exited with this code.
    Exited(i32),
    /// The program was killed by this signal (not by us).
    Signaled(i32),
    /// The program ran past its timeout; its process group was killed.
    TimedOut,
    /// The run was cancelled (Ctrl-C); its process group was killed.
    Cancelled,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The program as it was started.
    pub program: String,
    /// How it ended.
    pub status: Status,
    /// Its stdout (with stderr, when merged), decoded lossily.
    pub stdout: String,
    /// Its stderr, when not merged.
    pub stderr: String,
    /// Wall time from start to exit.
    pub elapsed: Duration,
    /// Processes of its group found after the program had exited (`pid command`), killed and
    /// reaped by us: a program must wait for its children.
    pub leftovers: Vec<String>,
}

impl Running {
    /// The program's pid, which is also its process group id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to the program's whole process group.
    pub fn signal(&self, signal: Signal) -> io::Result<()> {
        killpg(self.pgid, signal).map_err(io::Error::from)
    }

    /// Waits until a line of the program's stdout satisfies `wanted` and returns it, or `None`
    /// when the program exits or `timeout` passes first.
    pub fn wait_for_line(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let until = Instant::now() + timeout;
        loop {
            let text = self.stdout.text();
            // Only complete lines count: a line still being written may be cut.
            if let Some(line) = text
                .split_inclusive('\n')
                .filter(|l| l.ends_with('\n'))
                .map(str::trim_end)
                .find(|l| wanted(l))
            {
                return Some(line.to_string());
            }
            if Instant::now() >= until || !matches!(self.child.try_wait(), Ok(None)) {
                return None;
            }
            thread::sleep(POLL);
        }
    }

    /// Waits for the program to exit, kills its group at the deadline or when `cancel` becomes
    /// true, then sweeps the group for leftovers and collects the output.
    pub fn wait(mut self, cancel: &AtomicBool) -> io::Result<Outcome> {
        let status = loop {
            if let Some(exit) = self.child.try_wait()? {
                // Ctrl-C in a terminal signals the whole foreground group. A program started in
                // that instant, before it moved into its own group, dies of that same SIGINT:
                // that is a cancellation too.
                let status = exited(exit);
                let interrupted =
                    matches!(status, Status::Signaled(s) if s == Signal::SIGINT as i32);
                break if interrupted && cancel.load(Ordering::SeqCst) {
                    Status::Cancelled
                } else {
                    status
                };
            }
            let stop = if cancel.load(Ordering::SeqCst) {
                Some(Status::Cancelled)
            } else if Instant::now() >= self.deadline {
                Some(Status::TimedOut)
            } else {
                None
            };
            if let Some(stop) = stop {
                // The group may already be empty but for the leader: ESRCH is fine then.
                let _ = killpg(self.pgid, Signal::SIGKILL);
                self.child.wait()?;
                break stop;
            }
            thread::sleep(POLL);
        };
        let elapsed = self.started.elapsed();
        let mut leftovers = sweep(self.pgid);
        reap_orphaned_trackers();
        if matches!(status, Status::TimedOut | Status::Cancelled) {
            // We killed them ourselves; they are reported through the status.
            leftovers.clear();
        }
        if let Some(feeder) = self.feeder.take() {
            let _ = feeder.join();
        }
        Ok(Outcome {
            program: self.program,
            status,
            stdout: self.stdout.finish(),
            stderr: self.stderr.map(Collector::finish).unwrap_or_default(),
            elapsed,
            leftovers,
        })
    }
}

fn exited(status: ExitStatus) -> Status {
    use std::os::unix::process::ExitStatusExt;
    match status.code() {
        Some(code) => Status::Exited(code),
        // Not exited: killed by a signal (`try_wait` and `wait` report no stopped program).
        None => Status::Signaled(status.signal().unwrap_or_default()),
    }
}

/// Kills and reaps whatever is left of process group `pgid`, returning what was found.
fn sweep(pgid: Pid) -> Vec<String> {
    if killpg(pgid, None).is_err() {
        return Vec::new();
    }
    let found = members(pgid);
    let _ = killpg(pgid, Signal::SIGKILL);
    reap(pgid);
    if found.is_empty() {
        vec!["(a process of the group; /proc could not name it)".to_string()]
    } else {
        found
    }
}

/// Reaps the group's processes that were re-parented to us (we are a subreaper), for up to 5 s.
fn reap(pgid: Pid) {
    use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
    let until = Instant::now() + Duration::from_secs(5);
    while killpg(pgid, None).is_ok() && Instant::now() < until {
        match waitid(Id::PGid(pgid), WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG) {
            Ok(WaitStatus::StillAlive) => thread::sleep(POLL),
            Ok(_) => {}
            // Not our children: init will reap them once they die.
            Err(_) => thread::sleep(POLL),
        }
    }
}

/// Waits (at most 5 s) for the resource trackers re-parented to us — their programs are gone —
/// to finish, and reaps them. Only those: any other child of ours is someone else's to wait for.
fn reap_orphaned_trackers() {
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let trackers = orphaned_trackers();
        if trackers.is_empty() || Instant::now() >= until {
            return;
        }
        for pid in trackers {
            // Still alive: looked at again. ECHILD: another run's thread reaped it first.
            let _ = waitpid(pid, Some(WaitPidFlag::WNOHANG));
        }
        thread::sleep(POLL);
    }
}

/// Our children (re-parented to us) whose command name is the tracker's — but not our own
/// tracker (run-all has one), which lives as long as we do.
fn orphaned_trackers() -> Vec<Pid> {
    let me = std::process::id();
    let own = pace::cleanup::own_tracker();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .filter_map(|stat| orphaned_tracker(&stat, me, own))
        .collect()
}

/// The pid in `stat` (a `/proc/PID/stat` line) if it is a tracker, a child of `me`, and not
/// `own`, the tracker of `me` itself.
fn orphaned_tracker(stat: &str, me: u32, own: Option<u32>) -> Option<Pid> {
    let (head, tail) = stat.rsplit_once(')')?;
    let (pid, comm) = head.split_once(" (")?;
    let pid: u32 = pid.trim().parse().ok()?;
    let ppid: u32 = tail.split_whitespace().nth(1)?.parse().ok()?;
    let orphan = ppid == me && comm == pace::cleanup::TRACKER_NAME && own != Some(pid);
    orphan.then(|| Pid::from_raw(i32::try_from(pid).unwrap_or(i32::MAX)))
}

/// The processes of group `pgid`, as `pid command` (Linux: from /proc; elsewhere empty).
fn members(pgid: Pid) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = tail.split_whitespace();
        let state = fields.next().unwrap_or("?");
        let pgrp = fields.nth(1).and_then(|f| f.parse::<i32>().ok());
        if pgrp == Some(pgid.as_raw()) {
            let (pid, comm) = head.split_once(" (").unwrap_or((head, ""));
            let zombie = if state == "Z" { " (zombie)" } else { "" };
            found.push(format!("{pid} {comm}{zombie}"));
        }
    }
    found
}

/// Makes this process the reaper of its descendants' orphans (Linux; once per process).
fn become_subreaper() {
    #[cfg(target_os = "linux")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
                eprintln!("harness: cannot become a child subreaper ({e}); orphans go to init");
            }
        });
    }
}

/// Reads a pipe to its end on a thread of its own, keeping everything read so far.
#[derive(Debug)]
struct Collector {
    buffer: Arc<Mutex<Vec<u8>>>,
    thread: JoinHandle<()>,
}

impl Collector {
    fn start(mut pipe: io::PipeReader) -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let thread = thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend_from_slice(&chunk[..n]);
            }
        });
        Collector { buffer, thread }
    }

    /// Reads the first `lines` lines, then closes the pipe, as `head` does.
    fn head(mut pipe: io::PipeReader, lines: usize) -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let thread = thread::spawn(move || {
            // A byte at a time, so that nothing past the last wanted line is read.
            let mut byte = [0u8; 1];
            let mut seen = 0;
            while seen < lines && matches!(pipe.read(&mut byte), Ok(1)) {
                seen += usize::from(byte[0] == b'\n');
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(byte[0]);
            }
            drop(pipe);
        });
        Collector { buffer, thread }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// Everything read, once the pipe is at its end — or after 5 s, should a process outside
    /// the group still hold the pipe open.
    fn finish(self) -> String {
        let until = Instant::now() + Duration::from_secs(5);
        while !self.thread.is_finished() && Instant::now() < until {
            thread::sleep(POLL);
        }
        self.text()
    }
}

impl Outcome {
    /// Exited with code 0 and left nothing behind.
    pub fn success(&self) -> bool {
        self.status == Status::Exited(0) && self.leftovers.is_empty()
    }

    /// One word for a summary table.
    pub fn verdict(&self) -> String {
        match self.status {
            Status::Exited(0) if self.leftovers.is_empty() => "ok".into(),
            Status::Exited(0) => "LEFTOVERS".into(),
            Status::Exited(code) => format!("FAILED ({code})"),
            Status::Signaled(signal) => format!("KILLED (signal {signal})"),
            Status::TimedOut => "TIMED OUT".into(),
            Status::Cancelled => "CANCELLED".into(),
        }
    }

    /// Everything about the run, for a failure message.
    pub fn report(&self) -> String {
        let mut text = format!(
            "{} → {} after {:.2} s\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.program,
            self.verdict(),
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        );
        if !self.leftovers.is_empty() {
            text.push_str("\n--- left running after it exited (killed) ---\n");
            text.push_str(&self.leftovers.join("\n"));
        }
        text
    }

    /// The stdout lines, trimmed of their line ends.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Panics (with the whole output) unless each of `expected` occurs in stdout, in this order,
    /// each after the previous one. Returns `self` for chaining.
    #[track_caller]
    pub fn assert_in_order(&self, expected: &[&str]) -> &Self {
        let mut from = 0;
        for want in expected {
            match self.stdout[from..].find(want) {
                Some(at) => from += at + want.len(),
                None => panic!(
                    "expected {want:?} after position {from} of the output, in the order {expected:?}\n{}",
                    self.report()
                ),
            }
        }
        self
    }

    /// How many times `needle` occurs in stdout.
    pub fn count(&self, needle: &str) -> usize {
        self.stdout.matches(needle).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_runs_the_test_passes_on_its_panic_and_fails_one_that_does_not_end() {
        let (ran, was_run) = std::sync::mpsc::channel();
        within_10_s(move || ran.send(()).expect("send"));
        assert_eq!(
            was_run.try_recv(),
            Ok(()),
            "the test ran, and before within returned"
        );
        let failed = |limit: Duration, test: Box<dyn FnOnce() + Send>| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| within(limit, test))).map_err(
                |panic| {
                    panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                },
            )
        };
        let long = Duration::from_secs(10);
        assert_eq!(failed(long, Box::new(|| ())), Ok(()));
        assert_eq!(
            failed(long, Box::new(|| panic!("its own panic"))),
            Err("its own panic".into())
        );
        assert_eq!(
            failed(
                Duration::from_millis(100),
                Box::new(|| thread::sleep(Duration::from_secs(5)))
            ),
            Err("no end within 100ms".into())
        );
    }

    fn sh(script: &str) -> Spec {
        Spec::new("sh").arg("-c").arg(script)
    }

    /// What the sweeps after a run wait for at most: its group's last processes, orphaned
    /// resource trackers. With none of them, a run does not wait that long.
    const SWEEP_BOUND: Duration = Duration::from_secs(5);

    #[test]
    fn captures_output_and_exit_code() {
        let started = Instant::now();
        let out = sh("echo out; echo err >&2; exit 3").run();
        assert!(
            started.elapsed() < SWEEP_BOUND,
            "it waited out the bound for trackers that were not there"
        );
        assert_eq!(out.status, Status::Exited(3));
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");
        assert!(!out.success());
    }

    #[test]
    fn merges_output_in_order_and_feeds_stdin() {
        let out = sh("read line; echo \"got $line\"; echo two >&2; echo three")
            .stdin("hello\n")
            .merge_output(true)
            .run_ok();
        assert_eq!(out.stdout, "got hello\ntwo\nthree\n");
    }

    #[test]
    fn only_trackers_orphaned_to_us_are_waited_for_not_our_own() {
        let stat = |pid: u32, comm: &str, ppid: u32| format!("{pid} ({comm}) S {ppid} 1 1 0");
        let tracker = pace::cleanup::TRACKER_NAME;
        assert_eq!(
            orphaned_tracker(&stat(50, tracker, 10), 10, None),
            Some(Pid::from_raw(50))
        );
        // Run-all's own tracker is a child of ours too, and lives as long as we do: waiting for
        // it made every example take five seconds more.
        assert_eq!(orphaned_tracker(&stat(50, tracker, 10), 10, Some(50)), None);
        assert_eq!(
            orphaned_tracker(&stat(51, tracker, 10), 10, Some(50)),
            Some(Pid::from_raw(51))
        );
        assert_eq!(orphaned_tracker(&stat(50, tracker, 11), 10, None), None);
        assert_eq!(orphaned_tracker(&stat(50, "sleep", 10), 10, None), None);
    }

    #[test]
    fn stdout_closed_after_the_first_line_is_met_by_the_next_write() {
        // `yes` writes until its pipe has no reader; SIGPIPE then ends it, as under `| head -1`.
        // A reader that never closes would leave it writing: a failure at 10 s, not a hang.
        let out = Spec::new("yes")
            .close_stdout_after(1)
            .timeout(Duration::from_secs(10))
            .run();
        assert!(
            out.stdout == "y\n",
            "{} bytes read, not one line: {:?}…",
            out.stdout.len(),
            &out.stdout[..out.stdout.len().min(20)]
        );
        assert_eq!(
            out.status,
            Status::Signaled(Signal::SIGPIPE as i32),
            "{}",
            out.report()
        );
    }

    #[test]
    fn a_hanging_program_is_killed_with_its_children_at_its_timeout() {
        let dir = std::env::temp_dir().join(format!("harness-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let pids = dir.join("pids");
        let script = format!(
            "sleep 1000 & echo $! > {p}; sleep 1000 & echo $! >> {p}; echo started; wait",
            p = pids.display()
        );
        let started = Instant::now();
        let out = sh(&script).timeout(Duration::from_millis(500)).run();
        assert_eq!(out.status, Status::TimedOut);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the kill took too long"
        );
        assert!(out.stdout.contains("started"), "{}", out.report());
        let children = std::fs::read_to_string(&pids).expect("the script wrote its children");
        for pid in children.split_whitespace() {
            let pid = Pid::from_raw(pid.parse().expect("a pid"));
            assert!(
                nix::sys::signal::kill(pid, None).is_err(),
                "child {pid} of the timed-out program is still alive"
            );
        }
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_process_left_running_is_reported_killed_and_reaped() {
        let started = Instant::now();
        let out = sh("sleep 1000 & echo $!").run();
        assert!(
            started.elapsed() < SWEEP_BOUND,
            "it waited out the bound for a group already reaped"
        );
        assert_eq!(out.status, Status::Exited(0));
        assert!(!out.success());
        assert_eq!(out.leftovers.len(), 1, "{}", out.report());
        assert!(out.leftovers[0].contains("sleep"), "{:?}", out.leftovers);
        let pid: i32 = out.stdout.trim().parse().expect("the script printed a pid");
        assert!(nix::sys::signal::kill(Pid::from_raw(pid), None).is_err());
    }

    #[test]
    fn cancel_kills_the_group() {
        let cancel = AtomicBool::new(false);
        let running = sh("echo ready; sleep 1000")
            .timeout(Duration::from_secs(60))
            .spawn()
            .expect("sh starts");
        thread::scope(|s| {
            let waiter = s.spawn(|| running.wait(&cancel).expect("wait"));
            cancel.store(true, Ordering::SeqCst);
            let out = waiter.join().expect("waiter");
            assert_eq!(out.status, Status::Cancelled);
        });
    }

    #[test]
    fn finds_the_port_in_a_line() {
        assert_eq!(port_in("服务端监听 127.0.0.1:8001"), Some(8001));
        assert_eq!(port_in("listening on 127.0.0.1:40123 now"), Some(40123));
        assert_eq!(port_in("listening on localhost"), None);
        assert_eq!(port_in("127.0.0.1: no digits"), None);
        assert_eq!(port_in("127.0.0.1:99999 is not a port"), None);
    }

    fn outcome(status: Status, leftovers: &[&str]) -> Outcome {
        Outcome {
            program: "s05-lock".into(),
            status,
            stdout: "out\n".into(),
            stderr: "err\n".into(),
            elapsed: Duration::from_millis(1500),
            leftovers: leftovers.iter().map(|l| l.to_string()).collect(),
        }
    }

    #[test]
    fn the_verdict_and_the_report_say_how_the_run_ended() {
        for (status, leftovers, verdict, success) in [
            (Status::Exited(0), &[][..], "ok", true),
            (Status::Exited(0), &["42 sleep"][..], "LEFTOVERS", false),
            (Status::Exited(3), &[][..], "FAILED (3)", false),
            (Status::Signaled(9), &[][..], "KILLED (signal 9)", false),
            (Status::TimedOut, &[][..], "TIMED OUT", false),
            (Status::Cancelled, &[][..], "CANCELLED", false),
        ] {
            let out = outcome(status, leftovers);
            assert_eq!(out.verdict(), verdict);
            assert_eq!(out.success(), success, "{verdict}");
        }
        assert_eq!(
            outcome(Status::Exited(3), &[]).report(),
            "s05-lock → FAILED (3) after 1.50 s\n--- stdout ---\nout\n\n--- stderr ---\nerr\n"
        );
        assert_eq!(
            outcome(Status::Exited(0), &["42 sleep", "43 sleep (zombie)"]).report(),
            "s05-lock → LEFTOVERS after 1.50 s\n--- stdout ---\nout\n\n--- stderr ---\nerr\n\n\
             --- left running after it exited (killed) ---\n42 sleep\n43 sleep (zombie)"
        );
    }

    #[test]
    fn expected_output_is_found_in_order_and_counted() {
        let mut out = outcome(Status::Exited(0), &[]);
        out.stdout = "主进程开始\n子进程 1\n子进程 2\n主进程结束\n".into();
        out.assert_in_order(&["开始", "子进程", "子进程", "结束"]);
        assert_eq!(out.count("子进程"), 2);
        assert_eq!(
            out.lines(),
            ["主进程开始", "子进程 1", "子进程 2", "主进程结束"]
        );
        let third = std::panic::catch_unwind(|| {
            out.assert_in_order(&["子进程", "子进程", "子进程"]);
        });
        assert!(
            third.is_err(),
            "a third 子进程 after the second is not there"
        );
        let backwards = std::panic::catch_unwind(|| {
            out.assert_in_order(&["结束", "开始"]);
        });
        assert!(backwards.is_err(), "开始 comes before 结束, not after");
    }

    #[test]
    fn an_example_runs_at_the_tests_time_scale_unless_one_is_set() {
        let out = example("sh")
            .args(["-c", "echo \"$EXAMPLES_TIME_SCALE\""])
            .run_ok();
        let expected = std::env::var(pace::ENV).unwrap_or_else(|_| TEST_TIME_SCALE.to_string());
        assert_eq!(out.stdout, format!("{expected}\n"));
    }

    #[test]
    fn a_program_runs_where_with_what_and_as_whom_it_is_told() {
        let dir = std::env::temp_dir();
        let out = sh("pwd; echo \"$GREETING\" \"$1\"")
            .arg("sh")
            .args(["你好"])
            .env("GREETING", "hello")
            .current_dir(&dir)
            .run_ok();
        let pwd = dir.canonicalize().expect("the temporary directory");
        assert_eq!(out.stdout, format!("{}\nhello 你好\n", pwd.display()));
        assert_eq!(out.program, "sh");
        // Killed by the signal below; else, at its timeout, a failure instead of a hang.
        let mut running = sh("sleep 1000")
            .timeout(Duration::from_secs(10))
            .spawn()
            .expect("sh starts");
        let pgid = nix::unistd::getpgid(Some(Pid::from_raw(running.pid() as i32)));
        assert_eq!(
            pgid,
            Ok(Pid::from_raw(running.pid() as i32)),
            "a group of its own"
        );
        running.signal(Signal::SIGKILL).expect("kill");
        let _ = running.wait_for_line(Duration::from_secs(1), |_| false);
        let out = running.wait(&AtomicBool::new(false)).expect("wait");
        assert_eq!(out.status, Status::Signaled(Signal::SIGKILL as i32));
    }

    #[test]
    fn a_program_that_cannot_start_is_an_error_that_names_it() {
        let error = Spec::new("/no/such/program")
            .spawn()
            .expect_err("no such program");
        assert!(
            error
                .to_string()
                .starts_with("cannot start /no/such/program: "),
            "{error}"
        );
    }

    #[test]
    #[should_panic(expected = "sh → FAILED (3) after")]
    fn run_ok_fails_the_test_with_the_report() {
        sh("exit 3").run_ok();
    }

    #[test]
    #[should_panic(expected = "is missing: `cargo test` builds the fixtures")]
    fn a_fixture_that_was_not_built_is_a_clear_failure() {
        fixture("no-such-fixture");
    }

    #[test]
    fn a_program_interrupted_by_itself_is_not_a_cancellation() {
        let out = sh("kill -INT $$").run();
        assert_eq!(out.status, Status::Signaled(Signal::SIGINT as i32));
    }

    #[test]
    fn everything_a_program_prints_is_captured() {
        let out = Spec::new("seq").args(["1", "200000"]).run_ok();
        let lines = out.lines();
        assert_eq!(lines.len(), 200_000);
        assert_eq!(lines.last(), Some(&"200000"));
    }

    #[test]
    fn what_a_process_outside_the_group_prints_a_moment_later_is_captured_too() {
        // A session of its own holds stdout a moment after the program has exited.
        let out = sh("setsid sh -c 'sleep 0.3; echo late' & \
             until [ \"$(cut -d' ' -f5 /proc/$!/stat)\" = $! ]; do sleep 0.01; done; echo $!")
        .run_ok();
        let pid: i32 = out.lines()[0].parse().expect("the script printed a pid");
        // Reparented to us (a subreaper): reaped, so as to leave nothing.
        let _ = nix::sys::wait::waitpid(Pid::from_raw(pid), None);
        assert_eq!(out.lines(), [pid.to_string().as_str(), "late"]);
    }

    #[test]
    fn a_zombie_left_in_the_group_is_reported_as_one() {
        // The child `sleep 0` ends at once; the parent, now `sleep 0.2`, never waits for it.
        let out = sh("sleep 0 & exec sleep 0.2").run();
        assert_eq!(out.status, Status::Exited(0));
        assert_eq!(out.leftovers.len(), 1, "{}", out.report());
        assert!(
            out.leftovers[0].ends_with(" sleep (zombie)"),
            "{:?}",
            out.leftovers
        );
    }

    #[test]
    fn a_resource_tracker_left_by_a_program_is_waited_for_and_reaped() {
        // A stand-in: `sleep` under the tracker's name, in a process group of its own, as the
        // tracker of a program that was killed goes on a moment to clean up.
        let dir = std::env::temp_dir().join(format!("harness-tracker-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let tracker = dir.join(pace::cleanup::TRACKER_NAME);
        std::fs::copy("/bin/sleep", &tracker).expect("copy sleep");
        // The script ends once the stand-in runs under the tracker's name: `setsid` has made its
        // group and exec'd it (its group made, it may still be `setsid` for a while, and a
        // harness that looks then sees no tracker to wait for).
        let script = format!(
            "setsid {} 0.3 & until [ \"$(cat /proc/$!/comm)\" = {} ]; do sleep 0.01; done; echo $!",
            tracker.display(),
            pace::cleanup::TRACKER_NAME
        );
        let out = sh(&script).run_ok();
        let pid: i32 = out.stdout.trim().parse().expect("the script printed a pid");
        let left = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        std::fs::remove_dir_all(&dir).expect("clean up");
        assert!(
            left.is_err(),
            "the tracker {pid} is still there when the run ends: {left:?}"
        );
    }

    #[test]
    fn waits_for_a_line_that_comes_later_and_gives_up_when_the_program_ends() {
        let mut running = sh("sleep 0.3; echo late; sleep 1000")
            .timeout(Duration::from_secs(10))
            .spawn()
            .expect("sh starts");
        let line = running.wait_for_line(Duration::from_secs(20), |l| l == "late");
        assert_eq!(line.as_deref(), Some("late"));
        running.signal(Signal::SIGKILL).expect("kill");
        drop(running.wait(&AtomicBool::new(false)));
        let mut running = sh("echo other").spawn().expect("sh starts");
        let started = Instant::now();
        let line = running.wait_for_line(Duration::from_secs(20), |l| l == "never");
        assert_eq!(line, None);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "it waited for the timeout, not for the end of the program"
        );
        drop(running.wait(&AtomicBool::new(false)));
    }

    #[test]
    fn waits_for_a_line() {
        let mut running = sh("echo 'listening on 127.0.0.1:4242'; sleep 1000")
            .timeout(Duration::from_secs(10))
            .spawn()
            .expect("sh starts");
        let line = running.wait_for_line(Duration::from_secs(10), |l| l.contains("127.0.0.1:"));
        assert_eq!(line.as_deref(), Some("listening on 127.0.0.1:4242"));
        running.signal(Signal::SIGTERM).expect("signal");
        let out = running.wait(&AtomicBool::new(false)).expect("wait");
        assert_eq!(out.status, Status::Signaled(Signal::SIGTERM as i32));
    }
}
