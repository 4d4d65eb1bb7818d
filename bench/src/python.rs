//! The Python column: the same measurements in CPython, by the project's own small scripts.
//!
//! The scripts live in `bench/python/` (found through this crate's directory at build time, so
//! a reader can open and run them by hand) and use only Python's standard library. A question
//! starts its script once ([`Python::start`]) and sends it one command per measurement — a
//! line on the script's standard input, answered by a line of figures on its standard output
//! (`bench/python/benchlib.py` has the protocol) — between its own Rust measurements, round
//! by round, so that a Rust ÷ Python ratio compares figures taken under the same load.
//! Question 7 starts Python socket servers instead ([`Python::server`]) and drives them with
//! the bench's own Rust client.
//!
//! Python never fails a question. Without `python3` on the PATH, or once a script fails, its
//! figures are NaN (shown as "—") and the section's Python line ([`Python::footnote`]) says
//! why in one line; the Rust figures are measured as always.
//!
//! A script runs in a process group of its own, led by it: whatever it starts (pool workers, a
//! manager, the fork server) is in that group. When the bench is done with it, the script is
//! told to quit — it stops and waits for what it started — and then the group is killed
//! anyway, so that nothing outlives the question. Should the bench die first, the script sees
//! its parent change and kills its group itself.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

use crate::measure::{self, Measurement};
use crate::report::num;

/// Where the scripts are: `bench/python/`.
pub const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python");

/// How long one measurement may take before the script is given up on.
const ANSWER_LIMIT: Duration = Duration::from_secs(180);

/// How long a script may take to quit, its children included, before its group is killed.
const QUIT_LIMIT: Duration = Duration::from_secs(20);

/// How many of the last lines a script wrote besides its answers (its stderr) an error quotes.
const SAID_LINES: usize = 6;

/// The Python side of one question: a running script, or why there is none.
#[derive(Debug)]
pub struct Python {
    script: &'static str,
    state: RefCell<State>,
}

#[derive(Debug)]
enum State {
    Running {
        process: Script,
        version: String,
        /// The port a server listens on (question 7).
        port: Option<u16>,
    },
    Off(String),
}

impl Python {
    /// Starts `bench/python/<script>`, which answers commands, and asks for its Python version.
    pub fn start(script: &'static str) -> Python {
        let state = Script::start(script).and_then(|mut process| {
            let version = process.ask("version")?;
            let version = match version[..] {
                [major, minor, micro] if (major, minor) >= (3.0, 8.0) => {
                    format!("{major}.{minor}.{micro}")
                }
                [major, minor, ..] => {
                    return Err(format!(
                        "python3 is {major}.{minor}; the scripts need 3.8 or newer"
                    ));
                }
                _ => return Err(format!("`version` answered {version:?}")),
            };
            Ok(State::Running {
                process,
                version,
                port: None,
            })
        });
        Python {
            script,
            state: RefCell::new(state.unwrap_or_else(State::Off)),
        }
    }

    /// Starts the server `bench/python/<script>` and waits for the line that names its port.
    pub fn server(script: &'static str) -> Python {
        let state = Script::start(script).and_then(|mut process| {
            let line = process.next_line()?;
            let (port, version) = parse_listening(&line)
                .ok_or_else(|| format!("the server's first line was {line:?}"))?;
            process.drain()?;
            Ok(State::Running {
                process,
                version,
                port: Some(port),
            })
        });
        Python {
            script,
            state: RefCell::new(state.unwrap_or_else(State::Off)),
        }
    }

    /// The port of a running server; `None` without one.
    pub fn port(&self) -> Option<u16> {
        match &*self.state.borrow() {
            State::Running { port, .. } => *port,
            State::Off(_) => None,
        }
    }

    /// Sends `command` and returns the first figure of the answer: NaN if the script is not
    /// running, or fails now — it is then stopped, and the footnote says why.
    pub fn measure(&self, command: &str) -> f64 {
        let mut state = self.state.borrow_mut();
        let State::Running { process, .. } = &mut *state else {
            return f64::NAN;
        };
        match process.ask(command) {
            Ok(figures) => figures.first().copied().unwrap_or(f64::NAN),
            Err(why) => {
                // Replacing the state drops the script: it is stopped here.
                *state = State::Off(format!("`{command}` failed: {why}"));
                f64::NAN
            }
        }
    }

    /// [`measure`](Self::measure) as one of a question's measurements.
    pub fn measurement<'a>(&'a self, command: String) -> Measurement<'a> {
        Box::new(move || Ok(self.measure(&command)))
    }

    /// Records that using the script failed (a server that stopped answering): it is stopped,
    /// and the footnote says why. The first failure is the one kept.
    pub fn fail(&self, why: impl std::fmt::Display) {
        let mut state = self.state.borrow_mut();
        if matches!(*state, State::Running { .. }) {
            *state = State::Off(format!("{why}"));
        }
    }

    /// Whether the script runs (and so its figures count).
    pub fn running(&self) -> bool {
        matches!(*self.state.borrow(), State::Running { .. })
    }

    /// Where its figures come from — "`bench/python/<script>` on Python X.Y.Z" — or why there
    /// are none.
    pub fn source(&self) -> Result<String, String> {
        match &*self.state.borrow() {
            State::Running { version, .. } => Ok(format!(
                "`bench/python/{}` on Python {version}",
                self.script
            )),
            State::Off(why) => Err(why.clone()),
        }
    }

    /// One line for under the table: where the Python figures come from and how to read the
    /// ratio — or why there are none.
    pub fn footnote(&self) -> String {
        footnote(&[self.source()])
    }
}

/// One line for under a table whose Python figures come from `sources` ([`Python::source`]).
pub fn footnote(sources: &[Result<String, String>]) -> String {
    if let Some(Err(why)) = sources.iter().find(|s| s.is_err()) {
        return format!("*Python:* not measured — {why}.");
    }
    let from: Vec<&str> = sources.iter().flatten().map(String::as_str).collect();
    let mut line = format!(
        "*Python:* {}, in the same rounds as the Rust figures. **Rust × faster** = Rust's speed \
         ÷ Python's: how many times faster Rust is (below 1, Python was faster).",
        from.join(" and ")
    );
    if cfg!(debug_assertions) {
        line.push_str(
            " Rust runs a debug build here (`--quick`): the ratios understate it; the full run \
             builds for release.",
        );
    }
    line
}

/// The port and the Python version in `listening on 127.0.0.1:PORT (Python X.Y.Z)`.
fn parse_listening(line: &str) -> Option<(u16, String)> {
    let rest = &line[line.find("127.0.0.1:")? + "127.0.0.1:".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let version = rest
        .split_once("(Python ")
        .and_then(|(_, v)| v.split_once(')'))
        .map_or("3", |(v, _)| v);
    Some((digits.parse().ok()?, version.to_string()))
}

/// A running `python3 -B bench/python/<script>` (`-B`: no bytecode written next to the
/// scripts, which would leave the working tree changed), in its own process group, whose
/// standard input, output and error are one end of a socket pair; the bench holds the other.
///
/// A socket rather than pipes, because a socket can be read with a timeout: no thread is needed
/// to wait for an answer, and the bench keeps the one thread its Rust measurements expect (the
/// process layer warns about forking a process that has others).
#[derive(Debug)]
struct Script {
    child: Child,
    stream: BufReader<UnixStream>,
    /// The last lines the script wrote that were not answers: its stderr, mostly.
    said: VecDeque<String>,
}

impl Script {
    fn start(script: &str) -> Result<Script, String> {
        Script::start_with("python3", script)
    }

    /// [`start`](Self::start) with another interpreter than `python3` (for the tests).
    fn start_with(program: &str, script: &str) -> Result<Script, String> {
        let path = Path::new(SCRIPTS).join(script);
        if !path.is_file() {
            return Err(format!("{} is missing", path.display()));
        }
        let (ours, theirs) =
            UnixStream::pair().map_err(|e| format!("cannot make a socket pair: {e}"))?;
        let end = |stream: &UnixStream| -> Result<Stdio, String> {
            let fd: OwnedFd = stream
                .try_clone()
                .map_err(|e| format!("cannot share a socket: {e}"))?
                .into();
            Ok(Stdio::from(fd))
        };
        let child = Command::new(program)
            .arg("-B")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .arg(&path)
            .process_group(0)
            .stdin(end(&theirs)?)
            .stdout(end(&theirs)?)
            .stderr(end(&theirs)?)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "`{program}` is not on the PATH; install Python 3.8 or newer \
                     (`apt-get install python3`) for this column"
                ),
                _ => format!("cannot start {program}: {e}"),
            })?;
        // The script's end stays only with the script: once it (and whatever it started) is
        // gone, reading ours ends.
        drop(theirs);
        let script = Script {
            child,
            stream: BufReader::new(ours),
            said: VecDeque::new(),
        };
        script
            .stream
            .get_ref()
            .set_read_timeout(Some(ANSWER_LIMIT))
            .map_err(|e| format!("cannot set a timeout on the socket: {e}"))?;
        Ok(script)
    }

    /// Sends `command`; the figures of its answer.
    fn ask(&mut self, command: &str) -> Result<Vec<f64>, String> {
        if let Err(e) = writeln!(self.stream.get_ref(), "{command}") {
            return Err(self.ended(&format!("cannot send it: {e}")));
        }
        let line = self.next_line()?;
        if let Some(why) = line.strip_prefix("error ") {
            return Err(why.to_string());
        }
        line.split_whitespace()
            .skip(1)
            .map(|f| {
                f.parse::<f64>()
                    .map_err(|_| format!("it answered {line:?}"))
            })
            .collect()
    }

    /// The next answer (`ok …`, `error …`) or address line, waiting at most [`ANSWER_LIMIT`];
    /// the other lines are kept in `said`.
    fn next_line(&mut self) -> Result<String, String> {
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            match self.stream.read_until(b'\n', &mut bytes) {
                Ok(0) => return Err(self.ended("python3 ended")),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(format!(
                        "python3 gave no answer within {} s",
                        ANSWER_LIMIT.as_secs()
                    ));
                }
                Err(e) => return Err(self.ended(&format!("reading its answer: {e}"))),
            }
            let line = String::from_utf8_lossy(&bytes).trim_end().to_string();
            if line.starts_with("ok ") || line.starts_with("error ") || line.contains("127.0.0.1:")
            {
                return Ok(line);
            }
            if self.said.len() == SAID_LINES {
                self.said.pop_front();
            }
            self.said.push_back(line);
        }
    }

    /// From now on a thread reads whatever the script writes, and drops it: a server prints
    /// every message it gets, and would block on a full socket otherwise.
    fn drain(&self) -> Result<(), String> {
        let mut reader = self
            .stream
            .get_ref()
            .try_clone()
            .map_err(|e| format!("cannot share a socket: {e}"))?;
        reader
            .set_read_timeout(None)
            .map_err(|e| format!("cannot clear the socket's timeout: {e}"))?;
        // Detached: it ends when the script's end of the socket is closed.
        thread::spawn(move || {
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        Ok(())
    }

    /// `what`, with the last lines the script wrote that were not answers.
    fn ended(&self, what: &str) -> String {
        if self.said.is_empty() {
            what.to_string()
        } else {
            let said: Vec<&str> = self.said.iter().map(String::as_str).collect();
            format!("{what}; it said: {}", said.join(" / "))
        }
    }
}

impl Drop for Script {
    /// Tells the script to quit and waits for it; then kills its process group, which holds
    /// whatever it started, and reaps it.
    fn drop(&mut self) {
        let _ = writeln!(self.stream.get_ref(), "quit");
        let _ = self.stream.get_ref().shutdown(Shutdown::Write);
        let pid = Pid::from_raw(self.child.id() as i32);
        let until = Instant::now() + QUIT_LIMIT;
        // Waiting without reaping: until it is reaped, its pid — which names the group — cannot
        // be given to another process.
        while Instant::now() < until {
            match waitid(
                Id::Pid(pid),
                WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
            ) {
                Ok(WaitStatus::StillAlive) => thread::sleep(Duration::from_millis(5)),
                _ => break,
            }
        }
        let _ = killpg(pid, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// The median of a Python measurement's samples: NaN unless every round gave a figure.
pub fn median(samples: &[f64]) -> f64 {
    if samples.is_empty() || samples.iter().any(|v| v.is_nan()) {
        f64::NAN
    } else {
        measure::median(samples.to_vec())
    }
}

/// How many times faster Rust is, from times taken in the same rounds (seconds, µs): the
/// median over rounds of Python's time ÷ Rust's.
pub fn faster_by_time(rust: &[f64], python: &[f64]) -> f64 {
    if median(python).is_nan() {
        f64::NAN
    } else {
        measure::median_ratio(python, rust)
    }
}

/// How many times faster Rust is, from rates taken in the same rounds (per second): the
/// median over rounds of Rust's rate ÷ Python's.
pub fn faster_by_rate(rust: &[f64], python: &[f64]) -> f64 {
    if median(python).is_nan() {
        f64::NAN
    } else {
        measure::median_ratio(rust, python)
    }
}

/// The sentence a verdict adds where Rust is not ahead of Python: the rows (a name and its
/// Rust × faster) below 1×, and `why` — or nothing when Rust is ahead in every row. In quick
/// mode a debug build is one reason more.
pub fn behind(rows: impl IntoIterator<Item = (String, f64)>, quick: bool, why: &str) -> String {
    let behind: Vec<String> = rows
        .into_iter()
        .filter(|(_, ratio)| *ratio < 1.0)
        .map(|(name, ratio)| format!("{name} {}", times(ratio)))
        .collect();
    if behind.is_empty() {
        return String::new();
    }
    format!(
        " Where Rust is not ahead ({}): {}{why}",
        behind.join("; "),
        if quick {
            "this is a debug build (`--quick`), many times slower than the full run's release \
             build; and "
        } else {
            ""
        }
    )
}

/// `12.3×`, or `—` for no figure.
pub fn times(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{}×", num(ratio))
    } else {
        "—".to_string()
    }
}

/// Rust and Python samples taken in turn inside one [`measure::median_of`] closure — the
/// questions whose Rust side measures that way (3 and 7) — the warm-up's pair first.
#[derive(Debug, Default)]
pub struct Pairs {
    rust: Vec<f64>,
    python: Vec<f64>,
}

impl Pairs {
    /// Records one round's figures.
    pub fn push(&mut self, rust: f64, python: f64) {
        self.rust.push(rust);
        self.python.push(python);
    }

    /// The measured rounds' figures, without the warm-up: (Rust's, Python's).
    pub fn measured(&self) -> (&[f64], &[f64]) {
        (
            self.rust.get(1..).unwrap_or_default(),
            self.python.get(1..).unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn behind_names_the_rows_below_one_and_says_why() {
        let rows = || {
            vec![
                ("a".to_string(), 2.0),
                ("b".to_string(), 0.5),
                ("c".to_string(), f64::NAN),
            ]
        };
        assert_eq!(
            super::behind(rows(), false, "the wait is the same."),
            " Where Rust is not ahead (b 0.500×): the wait is the same."
        );
        assert!(super::behind(rows(), true, "x").contains("debug build"));
        assert_eq!(super::behind(vec![("a".to_string(), 1.5)], false, "x"), "");
    }

    use super::*;

    #[test]
    fn a_server_line_names_port_and_version() {
        assert_eq!(
            parse_listening("listening on 127.0.0.1:8001 (Python 3.11.7)"),
            Some((8001, "3.11.7".to_string()))
        );
        assert_eq!(parse_listening("listening on ::1"), None);
    }

    #[test]
    fn ratios_read_as_how_many_times_faster_rust_is() {
        // Rust took 1 and 2 µs, Python 10 and 30 µs: 10× and 15×, median 12.5×.
        assert_eq!(faster_by_time(&[1.0, 2.0], &[10.0, 30.0]), 12.5);
        // Rust did 100/s, Python 50/s: 2×.
        assert_eq!(faster_by_rate(&[100.0], &[50.0]), 2.0);
        // A round without a Python figure: no ratio at all.
        assert!(faster_by_rate(&[100.0, 100.0], &[50.0, f64::NAN]).is_nan());
        assert_eq!(times(2.0), "2.00×");
        assert_eq!(times(f64::NAN), "—");
    }

    #[test]
    fn pairs_leave_out_the_warm_up() {
        let mut pairs = Pairs::default();
        pairs.push(9.0, 90.0);
        pairs.push(1.0, 10.0);
        pairs.push(2.0, 20.0);
        assert_eq!(pairs.measured(), (&[1.0, 2.0][..], &[10.0, 20.0][..]));
    }

    /// Whether any process is left in the group `pid` led.
    fn group_alive(pid: Pid) -> bool {
        killpg(pid, None).is_ok()
    }

    /// `python3` is there (the tests that need it say so, and pass, when it is not).
    fn have_python3() -> bool {
        let there = Command::new("python3").arg("--version").output().is_ok();
        if !there {
            eprintln!("python3 is not on the PATH: not tested");
        }
        there
    }

    impl Python {
        fn pid(&self) -> Pid {
            match &*self.state.borrow() {
                State::Running { process, .. } => Pid::from_raw(process.child.id() as i32),
                State::Off(why) => panic!("the script does not run: {why}"),
            }
        }
    }

    #[test]
    fn a_script_measures_and_leaves_no_process_behind() {
        if !have_python3() {
            return;
        }
        // Commands that leave processes running inside the script: the fork server; a manager.
        for (script, commands) in [
            ("q1_start.py", ["forkserver 2", "fork 2"]),
            ("q6_channels.py", ["manager 200", "mp_queue 200"]),
        ] {
            let python = Python::start(script);
            let pid = python.pid();
            for command in commands {
                assert!(python.measure(command) > 0.0, "{}", python.footnote());
            }
            assert!(
                python.footnote().contains("on Python 3."),
                "{}",
                python.footnote()
            );
            assert!(group_alive(pid));
            drop(python);
            assert!(!group_alive(pid), "{script}'s process group outlived it");
        }
    }

    #[test]
    fn a_failed_command_turns_the_column_off_and_says_why() {
        if !have_python3() {
            return;
        }
        let python = Python::start("q1_start.py");
        let pid = python.pid();
        assert!(python.measure("no_such_command 1").is_nan());
        assert!(!python.running());
        assert!(!group_alive(pid), "a failed script is stopped at once");
        let note = python.footnote();
        assert!(
            note.contains("`no_such_command 1` failed") && note.contains("unknown command"),
            "{note}"
        );
        // Later measurements give no figure rather than an error.
        assert!(python.measure("thread 1").is_nan());
    }

    #[test]
    fn a_python_server_answers_the_bench_client_and_stops() {
        if !have_python3() {
            return;
        }
        for script in ["q7_server_threads.py", "q7_server_asyncio.py"] {
            let python = Python::server(script);
            let pid = python.pid();
            let port = python.port().expect("a running server has a port");
            let mut client = examples_socket::client::Client::connect(port).expect("connect");
            assert_eq!(client.round_trip("你好").expect("a round trip"), "收到收到");
            client.send("Q").expect("send Q");
            drop(python);
            assert!(
                !group_alive(pid),
                "{script} outlived the bench's handle on it"
            );
        }
    }

    #[test]
    fn without_python3_the_column_says_what_to_install() {
        let why = Script::start_with("python3-not-installed", "q1_start.py").unwrap_err();
        assert!(
            why.contains("is not on the PATH; install Python 3"),
            "{why}"
        );
    }

    #[test]
    fn without_the_script_the_column_says_why() {
        let python = Python::start("no-such-script.py");
        assert!(!python.running());
        assert!(python.measure("thread 1").is_nan());
        assert!(
            python.footnote().contains("is missing"),
            "{}",
            python.footnote()
        );
    }
}
