//! Killed programs leave nothing behind: `s09-4-process-lock` killed with SIGKILL, SIGTERM or
//! SIGINT mid-run leaves nothing in its temporary directory within 2 s — neither its lock file
//! nor the directory of f1.txt.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use examples_processes::START_METHOD_ENV;
use harness::{Running, example};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// Polls `done` every millisecond for up to `limit`.
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What of ours is in `dir`: `examples-…` (temporary directories, lock files). (ipc-channel's
/// own socket directories, `.tmp…`, are tracked from the moment its constructor returns; a
/// SIGKILL in the microseconds before that can still leave one.)
fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("examples-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Sends `signal` as a user would: Ctrl-C to the whole foreground group, `kill` to the pid.
fn send(running: &Running, signal: Signal) {
    let pid = Pid::from_raw(running.pid() as i32);
    let _ = match signal {
        Signal::SIGINT => killpg(pid, signal),
        _ => kill(pid, signal),
    };
}

/// Runs `binary` with a temporary directory of its own, waits until `mid_run` says it is in
/// the middle of its run, sends `signal`, and checks that nothing is left within 2 s. Retries
/// (up to 5 times) a run that ended before it could be caught in the middle.
fn killed_mid_run_leaves_nothing(
    binary: &str,
    signal: Signal,
    mid_run: impl Fn(&mut Running) -> bool,
) {
    for _ in 0..5 {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let mut running = example(binary)
            .env("TMPDIR", tmp.path())
            .env(START_METHOD_ENV, "spawn")
            .spawn()
            .expect("start it");
        if !mid_run(&mut running) {
            let _ = running.wait(&AtomicBool::new(false));
            continue; // it ended first: try again
        }
        send(&running, signal);
        let out = running.wait(&AtomicBool::new(false)).expect("it ends");
        let clean = within(Duration::from_secs(2), || entries(tmp.path()).is_empty());
        assert!(
            clean,
            "{signal} left {:?} in {}:\n{}",
            entries(tmp.path()),
            tmp.path().display(),
            out.report()
        );
        if signal != Signal::SIGKILL {
            // Cleaned up by the program itself, which then ended as the signal would.
            assert_eq!(
                out.status,
                harness::Status::Signaled(signal as i32),
                "{}",
                out.report()
            );
            assert!(!out.stderr.contains("left"), "{}", out.report());
        }
        return;
    }
    panic!("{binary} ended each time before it could be caught in the middle of its run");
}

#[test]
fn s09_4_process_lock_killed_mid_run_leaves_no_file() {
    for signal in [Signal::SIGKILL, Signal::SIGTERM, Signal::SIGINT] {
        killed_mid_run_leaves_nothing(
            env!("CARGO_BIN_EXE_s09-4-process-lock"),
            signal,
            |running| {
                running
                    .wait_for_line(Duration::from_secs(20), |l| l.ends_with("排队抢票了"))
                    .is_some()
            },
        );
    }
}
