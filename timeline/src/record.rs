//! Recording a run: the program under `strace -f`, and the [`Sampler`] beside it.
//!
//! Why strace and not ptrace through nix: strace already follows every fork, vfork and clone,
//! decodes every argument (futex operations, clone flags, the text written), names what each file
//! descriptor is (`-y`), and with `--seccomp-bpf` stops the program only at the few system calls
//! in [`SYSCALLS`] — the rest run at full speed, which keeps a recorded run within twice the
//! time of a plain one. Writing that by hand over ptrace would be a second, worse strace.
//!
//! The program inherits the recorder's stdin, stdout and stderr: it runs as it would on its own,
//! and strace writes its trace to a file. With `-o FILE` strace blocks the fatal signals for
//! itself, so Ctrl-C reaches the program and the trace still ends properly.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::sampler::{Sampler, Samples};

/// The system calls traced: the birth and end of threads and processes, programs, names, the
/// calls a thread blocks in, writes, and CPU affinity. Nothing else stops the program.
pub const SYSCALLS: &[&str] = &[
    // threads and processes
    "clone",
    "clone3",
    "fork",
    "vfork",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "prctl",
    // asleep
    "nanosleep",
    "clock_nanosleep",
    // locks and conditions
    "futex",
    "futex_waitv",
    "flock",
    // children
    "wait4",
    "waitid",
    // IO
    "read",
    "readv",
    "recvfrom",
    "recvmsg",
    "accept",
    "accept4",
    "connect",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    // printing
    "write",
    "writev",
    // §11.2's pinning
    "sched_setaffinity",
];

/// How to install strace, in one line.
pub const INSTALL: &str =
    "strace is not installed: install it with `sudo apt-get install strace` (Debian, Ubuntu)";

/// Why nothing can be recorded here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// No `strace` on the PATH.
    Missing,
    /// strace is there but may not trace (no ptrace in this container, a seccomp policy …).
    NotPermitted(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::Missing => f.write_str(INSTALL),
            Unavailable::NotPermitted(why) => {
                write!(f, "strace may not trace programs on this machine: {why}")
            }
        }
    }
}

/// Checks that strace is installed and may trace a program (`strace -f true`).
pub fn probe() -> Result<(), Unavailable> {
    let output = Command::new("strace")
        .args(["-f", "-o", "/dev/null", "--", "true"])
        .stdin(Stdio::null())
        .output();
    match output {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Unavailable::Missing),
        Err(e) => Err(Unavailable::NotPermitted(e.to_string())),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(Unavailable::NotPermitted(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("strace failed")
                .to_string(),
        )),
    }
}

/// The strace command that runs `program` and writes its trace to `trace_file`.
pub fn strace_command(program: &OsString, args: &[OsString], trace_file: &Path) -> Command {
    let mut command = Command::new("strace");
    command
        .args([
            "-f",   // follow every thread and process
            "-q",   // no "attached" notes
            "-ttt", // wall-clock time, microseconds
            "-T",   // time spent in each call
            "-x",   // non-ASCII bytes of strings as \xNN
            "-y",   // what each file descriptor is (pipe, socket, path)
            "-s",   // strings up to 4 KiB (a printed line is much shorter)
            "4096",
            "--seccomp-bpf", // stop only at the traced calls
            "-e",
            "signal=none",
        ])
        .arg("-e")
        .arg(format!("trace={}", SYSCALLS.join(",")))
        .arg("-o")
        .arg(trace_file)
        .arg("--")
        .arg(program)
        .args(args);
    command
}

/// A recorded run, before it is turned into a [`crate::model::Record`].
#[derive(Debug)]
pub struct Recorded {
    /// The trace strace wrote.
    pub trace: String,
    /// The scheduler's readings.
    pub samples: Samples,
    /// How strace ended (it ends as the program did).
    pub status: ExitStatus,
    /// From starting strace to its end.
    pub wall: Duration,
}

/// Runs `program` with `args` under strace, sampling its threads every `every`; the trace goes
/// to `trace_file`. With `input`, the program reads it on stdin and its output is discarded (for
/// measuring); without, it has the recorder's stdin, stdout and stderr.
pub fn record(
    program: &OsString,
    args: &[OsString],
    trace_file: &Path,
    every: Duration,
    input: Option<&[u8]>,
) -> io::Result<Recorded> {
    let mut command = strace_command(program, args, trace_file);
    if input.is_some() {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    }
    let started = Instant::now();
    let mut strace = command.spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            io::Error::new(e.kind(), INSTALL)
        } else {
            io::Error::new(e.kind(), format!("cannot start strace: {e}"))
        }
    })?;
    let sampler = Sampler::start(strace.id(), every);
    let feeder = feed(&mut strace, input);
    let status = strace.wait();
    let wall = started.elapsed();
    let samples = match sampler {
        Ok(sampler) => sampler.finish(),
        Err(_) => Samples::default(),
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let status = status?;
    let trace = std::fs::read(trace_file).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot read the trace {}: {e}", trace_file.display()),
        )
    })?;
    Ok(Recorded {
        trace: String::from_utf8_lossy(&trace).into_owned(),
        samples,
        status,
        wall,
    })
}

/// Writes `input` to the child's stdin on a thread of its own, then closes it.
fn feed(child: &mut Child, input: Option<&[u8]>) -> Option<std::thread::JoinHandle<()>> {
    let mut pipe = child.stdin.take()?;
    let input = input?.to_vec();
    std::thread::Builder::new()
        .spawn(move || {
            // The program may exit without reading everything: that is not an error here.
            let _ = pipe.write_all(&input);
        })
        .ok()
}
