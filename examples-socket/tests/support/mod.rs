//! Starting and stopping a server binary for a test, with bounded waits.
#![allow(dead_code)] // each test file uses a part of it

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use harness::{Outcome, Running, example, port_in};
use nix::sys::signal::Signal;

/// How long a test waits for something a server should do at once.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The threaded server's and the async server's binaries.
pub const THREADED: &str = env!("CARGO_BIN_EXE_s11-server");
pub const ASYNC: &str = env!("CARGO_BIN_EXE_s11-server-async");

/// A server binary running on a port of its own.
#[derive(Debug)]
pub struct Server {
    running: Option<Running>,
    /// The port it listens on.
    pub port: u16,
}

/// Starts `binary --port 0` and waits for the line with the address it listens on.
pub fn start(binary: &str) -> Server {
    start_with(binary, &[])
}

/// [`start`] with more arguments (`--max-connections 500`, say).
pub fn start_with(binary: &str, args: &[&str]) -> Server {
    let mut running = example(binary)
        .args(["--port", "0"])
        .args(args)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    let Some(line) = running.wait_for_line(PATIENCE, |l| l.contains("127.0.0.1:")) else {
        let outcome = stop_now(running);
        panic!(
            "the server never printed its address:\n{}",
            outcome.report()
        )
    };
    let port = port_in(&line).unwrap_or_else(|| panic!("no port in {line:?}"));
    Server {
        running: Some(running),
        port,
    }
}

fn stop_now(running: Running) -> Outcome {
    let _ = running.signal(Signal::SIGKILL);
    running
        .wait(&AtomicBool::new(false))
        .expect("wait for the killed server")
}

impl Server {
    fn running(&mut self) -> &mut Running {
        self.running.as_mut().expect("the server is running")
    }

    /// The server's pid.
    pub fn pid(&mut self) -> u32 {
        self.running().pid()
    }

    /// Waits until the server prints a line containing `needle`; panics with its output after
    /// [`PATIENCE`].
    #[track_caller]
    pub fn wait_for(&mut self, needle: &str) -> String {
        match self
            .running()
            .wait_for_line(PATIENCE, |l| l.contains(needle))
        {
            Some(line) => line,
            None => {
                let outcome = stop_now(self.running.take().expect("running"));
                panic!(
                    "the server did not print {needle:?} within {PATIENCE:?}:\n{}",
                    outcome.report()
                )
            }
        }
    }

    /// Waits until `check` holds, looking again every millisecond; panics saying `what` after
    /// [`PATIENCE`].
    #[track_caller]
    pub fn wait_until(&mut self, what: &str, mut check: impl FnMut(&mut Self) -> bool) {
        let until = Instant::now() + PATIENCE;
        while !check(self) {
            if Instant::now() >= until {
                let outcome = stop_now(self.running.take().expect("running"));
                panic!("waited {PATIENCE:?} for {what}:\n{}", outcome.report());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Sends `signal` and waits for the server to exit; its outcome.
    pub fn stop(mut self, signal: Signal) -> Outcome {
        let running = self.running.take().expect("the server is running");
        running.signal(signal).expect("the server can be signalled");
        running
            .wait(&AtomicBool::new(false))
            .expect("wait for the server")
    }

    /// [`stop`](Self::stop), then panics unless the server exited with 0, leaving nothing.
    #[track_caller]
    pub fn stop_ok(self, signal: Signal) -> Outcome {
        let outcome = self.stop(signal);
        assert!(outcome.success(), "{}", outcome.report());
        outcome
    }
}

impl Drop for Server {
    /// A test that panicked leaves no server behind.
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            stop_now(running);
        }
    }
}
