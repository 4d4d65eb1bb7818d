//! Killed programs leave nothing behind and no child outlives its parent: `s09-2-value` killed
//! with SIGKILL, SIGTERM or SIGINT mid-run leaves no segment in /dev/shm and nothing in its
//! temporary directory within 2 s (`s09-4-process-lock`: in examples-processes);
//! `s09-3-pipe`'s child, under every start method, and `s09-5-pool-manager-lock`'s pool workers
//! and Manager server are gone within 3 s of their parent's SIGKILL.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{METHODS, segments_of};
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
        let pid = running.pid();
        if !mid_run(&mut running) {
            let _ = running.wait(&AtomicBool::new(false));
            continue; // it ended first: try again
        }
        send(&running, signal);
        let out = running.wait(&AtomicBool::new(false)).expect("it ends");
        let clean = within(Duration::from_secs(2), || {
            segments_of(pid).is_empty() && entries(tmp.path()).is_empty()
        });
        assert!(
            clean,
            "{signal} left {:?} in /dev/shm and {:?} in {}:\n{}",
            segments_of(pid),
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
fn s09_2_value_killed_mid_run_leaves_no_segment_and_no_file() {
    for signal in [Signal::SIGKILL, Signal::SIGTERM, Signal::SIGINT] {
        killed_mid_run_leaves_nothing(env!("CARGO_BIN_EXE_s09-2-value"), signal, |running| {
            let pid = running.pid();
            // Its segments exist from the start; its spawned child takes a while to start.
            within(Duration::from_secs(10), || segments_of(pid).len() == 3)
                && running.wait_for_line(Duration::ZERO, |_| true).is_none()
        });
    }
}

/// The processes below `pid` (children, grandchildren…), but for resource trackers, as
/// (pid, state).
fn descendants(pid: u32) -> Vec<(u32, char)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let Some((child, comm)) = head.split_once(" (") else {
            continue;
        };
        let mut fields = tail.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if let (Ok(child), Some(ppid)) = (child.trim().parse::<u32>(), ppid)
            && comm != pace::cleanup::TRACKER_NAME
        {
            all.push((child, ppid, state));
        }
    }
    let mut found: Vec<(u32, char)> = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for &(child, ppid, state) in &all {
            if ppid == parent {
                found.push((child, state));
                parents.push(child);
            }
        }
    }
    found
}

#[test]
fn s09_3_pipe_child_is_gone_within_3_s_of_its_parents_sigkill() {
    for method in METHODS {
        // At time scale 1 the child sleeps 1 s before it sends: the parent is killed meanwhile.
        let running = example(env!("CARGO_BIN_EXE_s09-3-pipe"))
            .env(pace::ENV, "1")
            .env(START_METHOD_ENV, method)
            .spawn()
            .expect("start it");
        let pid = running.pid();
        // fork and spawn: the child; forkserver: the server and its child.
        let expected = if method == "forkserver" { 2 } else { 1 };
        assert!(
            within(Duration::from_secs(10), || descendants(pid).len()
                >= expected),
            "{method}: no child appeared"
        );
        let children = descendants(pid);
        kill(Pid::from_raw(pid as i32), Signal::SIGKILL).expect("kill the parent");
        let gone = within(Duration::from_secs(3), || {
            children.iter().all(|(child, _)| {
                let stat = std::fs::read_to_string(format!("/proc/{child}/stat"));
                // Gone, or a zombie: dead, waiting to be reaped by whoever adopted it.
                stat.map_or(true, |s| {
                    s.rsplit_once(')')
                        .is_some_and(|(_, tail)| tail.trim_start().starts_with('Z'))
                })
            })
        });
        let out = running.wait(&AtomicBool::new(false)).expect("it ends");
        assert!(
            gone,
            "{method}: {children:?} outlived the parent:\n{}",
            out.report()
        );
    }
}

/// Pool workers and the Manager's server die with the program that started them.
#[test]
fn pool_workers_and_the_manager_server_are_gone_within_3_s_of_their_parents_sigkill() {
    let mut running = example(env!("CARGO_BIN_EXE_s09-5-pool-manager-lock"))
        .env(pace::ENV, "0.2")
        .spawn()
        .expect("start it");
    let pid = running.pid();
    assert!(
        running
            .wait_for_line(Duration::from_secs(20), |l| l == "排队抢票了")
            .is_some(),
        "no task ran"
    );
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    // The workers and the manager's server.
    assert!(
        within(Duration::from_secs(10), || descendants(pid).len() > workers),
        "{:?}",
        descendants(pid)
    );
    let children = descendants(pid);
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).expect("kill the parent");
    let gone = within(Duration::from_secs(3), || {
        children.iter().all(|(child, _)| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).map_or(true, |s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, tail)| tail.trim_start().starts_with('Z'))
            })
        })
    });
    let out = running.wait(&AtomicBool::new(false)).expect("it ends");
    assert!(gone, "{children:?} outlived the parent:\n{}", out.report());
}
