//! §11: output never stops the work. A server whose log nobody reads keeps answering and still
//! stops at once on SIGTERM, and says how many lines it could not show once its reader is back;
//! a server whose log reader goes away ends as SIGPIPE ends a Unix tool; so does every binary of
//! the crate whose stdout is closed after its first line.

mod support;

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::{Duration, Instant};

use examples_socket::client::Client;
use examples_socket::protocol::REPLY;
use harness::{Status, example, port_in};
use nix::libc;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use support::{ASYNC, PATIENCE, THREADED};

/// What the issue asks of a stop: SIGTERM or SIGINT ends a server within a second, whatever
/// state its output is in.
const STOP_WITHIN: Duration = Duration::from_secs(1);

/// Makes a fifo at `path` (with coreutils' `mkfifo`: std has no call for it).
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}: {status}", path.display());
}

/// Reads from a non-blocking `reader` until a whole line has arrived; the line.
fn first_line(reader: &mut File) -> String {
    let until = Instant::now() + PATIENCE;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") {
        match reader.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            Ok(_) => panic!("the server closed its stdout after {line:?}"),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < until, "no first line within {PATIENCE:?}");
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("reading the fifo: {e}"),
        }
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// Fills the fifo at `path` to the brim through a writer of its own that never blocks.
fn fill(path: &Path) {
    let mut writer = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .expect("open the fifo to fill it");
    for chunk in [&[b'#'; 4096][..], &[b'#'][..]] {
        loop {
            match writer.write(chunk) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("filling the fifo: {e}"),
            }
        }
    }
}

/// Waits up to [`STOP_WITHIN`] for `child` to exit after it was signalled; kills it and panics if
/// it does not.
fn exits_within_a_second(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let signalled = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if signalled.elapsed() > STOP_WITHIN {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running {STOP_WITHIN:?} after SIGTERM (killed now)");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// A server whose stdout is a fifo that nobody reads after the server's first line — a terminal
/// nobody looks at, a paused `less` — and that is full to the brim from then on.
struct Unread {
    server: Child,
    port: u16,
    /// Our read end, left unread (until [`Unread::resume`]).
    reader: File,
    _dir: tempfile::TempDir,
}

fn unread(binary: &str) -> Unread {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fifo = dir.path().join("log");
    mkfifo(&fifo);
    // Our read end: opened first and without blocking, so the server's open does not wait.
    let mut reader = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .expect("open the fifo for reading");
    let log = OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open the fifo for the server");
    let server = Command::new(binary)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start the server");
    let line = first_line(&mut reader);
    let port = port_in(&line).unwrap_or_else(|| panic!("no port in {line:?}"));
    fill(&fifo);
    Unread {
        server,
        port,
        reader,
        _dir: dir,
    }
}

impl Unread {
    /// `count` round trips with `message(i)`, each answered.
    fn round_trips(&mut self, count: usize, message: impl Fn(usize) -> String) -> Client {
        let mut client = Client::connect(self.port).expect("connect");
        client
            .stream()
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        for i in 0..count {
            let reply = client.round_trip(&message(i)).unwrap_or_else(|e| {
                let _ = self.server.kill();
                let _ = self.server.wait();
                panic!("round trip {i} with the log unread: {e}")
            });
            assert_eq!(reply, REPLY, "round trip {i}");
        }
        client
    }

    /// Sends SIGTERM; the server must exit with 0 within [`STOP_WITHIN`], saying nothing on
    /// stderr.
    fn stops_at_once(&mut self, what: &str) {
        kill(Pid::from_raw(self.server.id() as i32), Signal::SIGTERM).expect("signal the server");
        let status = exits_within_a_second(&mut self.server, what);
        let mut stderr = String::new();
        if let Some(mut pipe) = self.server.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        assert!(status.success(), "{what}: {status}; stderr:\n{stderr}");
        assert!(stderr.is_empty(), "{what}: {stderr}");
    }

    /// Reads the fifo again — the reader comes back — until `wanted` has been read; all of it,
    /// the filling included.
    fn resume_until(&mut self, wanted: &str) -> String {
        let until = Instant::now() + PATIENCE;
        let mut read = Vec::new();
        let mut chunk = [0u8; 65536];
        while !String::from_utf8_lossy(&read).contains(wanted) {
            match self.reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => read.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(
                        Instant::now() < until,
                        "no {wanted:?} within {PATIENCE:?}:\n{}",
                        String::from_utf8_lossy(&read)
                    );
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("reading the fifo: {e}"),
            }
        }
        String::from_utf8_lossy(&read).into_owned()
    }
}

impl Drop for Unread {
    /// A test that panicked leaves no server behind.
    fn drop(&mut self) {
        if let Ok(None) = self.server.try_wait() {
            let _ = self.server.kill();
            let _ = self.server.wait();
        }
    }
}

fn a_log_nobody_reads_stops_nothing(binary: &str) {
    let mut unread = unread(binary);
    let client = unread.round_trips(200, |i| format!("{i:04}{}", "a".repeat(996)));
    unread.stops_at_once(binary);
    drop(client);
}

fn a_paused_log_loses_lines_and_says_how_many(binary: &str) {
    const MESSAGES: usize = 5_000;
    let mut unread = unread(binary);
    // More lines than the log's queue holds: some are dropped.
    const { assert!(MESSAGES > examples_socket::log::CAPACITY) };
    let client = unread.round_trips(MESSAGES, |i| format!("第{i}条"));
    // The reader comes back: the queued lines come out, then a line that counts the others.
    let text = unread.resume_until("日志没有显示");
    drop(client);
    unread.stops_at_once(binary);
    let rest = unread.resume_until("服务端已停止");
    let text = text + &rest;
    let shown = text
        .lines()
        .filter(|l| l.starts_with("收到客户端发来的消息： 第"))
        .count();
    let dropped: usize = text
        .lines()
        .filter_map(|l| l.strip_prefix("……输出跟不上，有 "))
        .map(|l| {
            l.split_whitespace()
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("no count in {l:?}"))
        })
        .sum();
    assert!(dropped > 0 && shown > 0, "shown {shown}, dropped {dropped}");
    // Every line the server meant to print was shown or counted: the connection, the messages,
    // the connection's end (the client's leaving, or the stop's closing).
    let other = text
        .lines()
        .filter(|l| l.contains("已连接") || l.contains("还剩"))
        .count();
    assert_eq!(
        shown + other + dropped,
        MESSAGES + 2,
        "shown {shown} + {other} others + dropped {dropped}"
    );
}

fn a_closed_log_ends_the_server_as_sigpipe_does_even_with_an_idle_client(binary: &str) {
    let mut running = example(binary)
        .args(["--port", "0"])
        .close_stdout_after(1)
        .timeout(Duration::from_secs(15))
        .spawn()
        .expect("start the server");
    let line = running
        .wait_for_line(PATIENCE, |l| l.contains("127.0.0.1:"))
        .expect("the address line");
    let port = port_in(&line).expect("a port");
    // A client that connects and says nothing: the server logs it into the closed pipe.
    let mut idle = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    let signalled = Instant::now();
    // Already gone (ESRCH) is fine: that is what a closed log does.
    let _ = running.signal(Signal::SIGTERM);
    let outcome = running
        .wait(&AtomicBool::new(false))
        .expect("wait for the server");
    assert!(
        signalled.elapsed() <= STOP_WITHIN,
        "ended {:.2} s after SIGTERM:\n{}",
        signalled.elapsed().as_secs_f64(),
        outcome.report()
    );
    assert_eq!(
        outcome.status,
        Status::Signaled(Signal::SIGPIPE as i32),
        "{}",
        outcome.report()
    );
    assert!(outcome.leftovers.is_empty(), "{}", outcome.report());
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.report());
    // The idle client sees its connection closed.
    idle.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut rest = Vec::new();
    match idle.read_to_end(&mut rest) {
        Ok(_) => assert_eq!(rest, b"", "nothing but the end"),
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
    }
}

/// Each function above, as a test against each server.
macro_rules! against_both_servers {
    ($($test:ident),* $(,)?) => {
        mod threaded {
            $(#[test] fn $test() { super::$test(super::THREADED) })*
        }
        mod with_tokio {
            $(#[test] fn $test() { super::$test(super::ASYNC) })*
        }
    };
}

against_both_servers!(
    a_log_nobody_reads_stops_nothing,
    a_paused_log_loses_lines_and_says_how_many,
    a_closed_log_ends_the_server_as_sigpipe_does_even_with_an_idle_client,
);

/// A run whose stdout was closed after its first line ended as SIGPIPE ends a Unix tool: killed
/// by SIGPIPE, no panic, no abort, nothing left running.
#[track_caller]
fn ended_as_by_sigpipe(outcome: &harness::Outcome) {
    assert_eq!(
        outcome.status,
        Status::Signaled(Signal::SIGPIPE as i32),
        "{}",
        outcome.report()
    );
    assert!(outcome.leftovers.is_empty(), "{}", outcome.report());
    for sign in ["panicked", "abort", "SIGABRT"] {
        assert!(!outcome.stderr.contains(sign), "{}", outcome.report());
    }
}

#[test]
fn every_binary_ends_quietly_when_its_stdout_is_closed_after_the_first_line() {
    // --help: several lines, written at once — into the pipe before its reader goes, or into
    // the closed pipe. Either way a quiet end.
    for binary in [THREADED, ASYNC, env!("CARGO_BIN_EXE_s11-client")] {
        let outcome = example(binary)
            .arg("--help")
            .close_stdout_after(1)
            .timeout(PATIENCE)
            .run();
        if outcome.status != Status::Exited(0) {
            ended_as_by_sigpipe(&outcome);
        }
        assert!(outcome.stderr.is_empty(), "{}", outcome.report());
    }

    // Each server at work: its first line is its address; the client's session below makes it
    // write more.
    for binary in [THREADED, ASYNC] {
        let mut running = example(binary)
            .args(["--port", "0"])
            .close_stdout_after(1)
            .timeout(PATIENCE)
            .spawn()
            .expect("start the server");
        let line = running
            .wait_for_line(PATIENCE, |l| l.contains("127.0.0.1:"))
            .expect("the address line");
        let port = port_in(&line).expect("a port");
        // Clients come and talk, and the server logs it: the first line it writes once the pipe
        // is closed ends it (its listener closes with it, and connecting fails).
        let until = Instant::now() + PATIENCE;
        while let Ok(mut client) = Client::connect(port) {
            assert!(
                Instant::now() < until,
                "{binary} still serving after {PATIENCE:?}"
            );
            let _ = client.stream().set_read_timeout(Some(PATIENCE));
            let _ = client.round_trip("你好");
        }
        let outcome = running
            .wait(&AtomicBool::new(false))
            .expect("wait for the server");
        ended_as_by_sigpipe(&outcome);
    }

    // The client: its first line is the first prompt with the line it echoes. A session that
    // prints more than a pipe holds (64 KiB) cannot end before it meets the closed pipe.
    let server = support::start(THREADED);
    let line = "x".repeat(1000);
    let outcome = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &server.port.to_string()])
        .stdin(format!("{line}\n").repeat(100))
        .close_stdout_after(1)
        .timeout(PATIENCE)
        .run();
    assert_eq!(
        outcome.stdout,
        format!(">>>{line}\n"),
        "{}",
        outcome.report()
    );
    ended_as_by_sigpipe(&outcome);
    server.stop_ok(Signal::SIGTERM);
}
