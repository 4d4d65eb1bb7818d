//! xtask's behaviour as the reader meets it: unknown names, the list, timeouts, Ctrl-C.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use harness::{Spec, Status};
use nix::sys::signal::Signal;
use xtask::catalog::{CATALOG, Example, Run};
use xtask::runall;

fn xtask() -> Spec {
    Spec::new(env!("CARGO_BIN_EXE_xtask")).timeout(Duration::from_secs(120))
}

#[test]
fn an_unknown_name_exits_2_and_names_the_closest() {
    let out = xtask().args(["run", "s02-1-start-jion"]).run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert!(
        out.stderr.contains("no example `s02-1-start-jion`"),
        "{}",
        out.report()
    );
    assert!(out.stderr.contains("s02-1-start-join"), "{}", out.report());
}

#[test]
fn an_unknown_command_exits_2_with_the_usage() {
    let out = xtask().arg("frobnicate").run();
    assert_eq!(out.status, Status::Exited(2));
    assert!(out.stderr.contains("unknown command `frobnicate`"));
    assert!(out.stderr.contains("run-all"));
}

#[test]
fn list_shows_every_example_in_the_notes_order() {
    let out = xtask().arg("list").run_ok();
    let names: Vec<&str> = out
        .lines()
        .iter()
        .skip(1)
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with('s') && w.contains('-'))
        })
        .collect();
    let expected: Vec<&str> = xtask::catalog::in_notes_order()
        .iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, expected);
    assert_eq!(names.len(), CATALOG.len());
}

static HANGING: Example = Example {
    name: "s99-hang",
    package: "examples-test",
    section: "§99 test",
    summary: "a program that never ends, with a child that never ends",
    run: Run::Plain,
    paced_secs: 0,
    alone: false,
    extends: None,
    pairing: CATALOG[0].pairing,
};

#[test]
fn a_hanging_example_is_killed_at_its_timeout_with_its_children() {
    let target = std::env::temp_dir().join(format!("xtask-hang-{}", std::process::id()));
    let debug = target.join("debug");
    std::fs::create_dir_all(&debug).expect("a fake target directory");
    let pids = target.join("pids");
    let script = debug.join(HANGING.name);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep 1000 &\necho $! > {}\necho 'started a child; now hanging'\nwait\n",
            pids.display()
        ),
    )
    .expect("write the fake example");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let started = Instant::now();
    let report = runall::run_one_within(&HANGING, &target, 1.0, Duration::from_millis(500));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the kill took too long"
    );
    assert!(!report.ok);
    assert_eq!(report.verdict, "TIMED OUT");
    assert!(report.output.contains("now hanging"), "{}", report.output);
    let child: i32 = std::fs::read_to_string(&pids)
        .expect("the example wrote its child's pid")
        .trim()
        .parse()
        .expect("a pid");
    assert!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child), None).is_err(),
        "the timed-out example's child {child} is still alive"
    );
    std::fs::remove_dir_all(&target).expect("clean up");
}

#[test]
fn ctrl_c_kills_the_running_examples_and_reports_them() {
    let _alone = by_name();
    // At time scale 100 the example would take minutes; Ctrl-C must end it at once.
    let mut running = xtask()
        .args(["run-all", "s02-1-daemon", "--time-scale", "100"])
        .spawn()
        .expect("start xtask");
    let line = running.wait_for_line(Duration::from_secs(100), |l| l.starts_with("Running "));
    assert!(line.is_some(), "run-all never started the example");
    // What the terminal does on Ctrl-C: SIGINT to the foreground process group (xtask's).
    running.signal(Signal::SIGINT).expect("send SIGINT");
    let out = running.wait(&Default::default()).expect("xtask ends");
    assert_eq!(out.status, Status::Exited(130), "{}", out.report());
    assert!(out.stdout.contains("CANCELLED"), "{}", out.report());
    assert!(out.stdout.contains("interrupted"), "{}", out.report());
    assert!(
        !processes_named("s02-1-daemon"),
        "the example still runs after Ctrl-C"
    );
}

/// Held by each test that runs s02-1's examples and then looks for them by name, machine-wide:
/// run at once, one test would find the examples another has just started.
static BY_NAME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn by_name() -> std::sync::MutexGuard<'static, ()> {
    BY_NAME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A process whose command name is `name` runs (Linux keeps the first 15 bytes of it).
fn processes_named(name: &str) -> bool {
    let comm_name = &name[..name.len().min(15)];
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| {
            std::fs::read_to_string(entry.path().join("comm"))
                .is_ok_and(|comm| comm.trim() == comm_name)
        })
}

#[test]
fn every_command_has_help() {
    for command in [
        "list", "run", "run-all", "show", "compare", "readme", "bench", "mutants",
    ] {
        for flag in ["--help", "-h"] {
            let out = xtask().args([command, flag]).run_ok();
            assert!(
                out.stdout.starts_with(&format!("cargo xtask {command}")),
                "{command} {flag}: {}",
                out.report()
            );
        }
    }
    let out = xtask().arg("help").run_ok();
    for command in [
        "list", "run", "run-all", "show", "compare", "readme", "bench", "timeline", "mutants",
    ] {
        assert!(
            out.stdout.contains(&format!("\n  {command} ")),
            "help lacks {command}: {}",
            out.report()
        );
    }
}

/// Runs xtask with `args` and asserts one line on stderr, exit 2, containing `expected`.
fn rejects(args: &[&str], expected: &str) -> String {
    let out = xtask().args(args).run();
    assert_eq!(out.status, Status::Exited(2), "{args:?}: {}", out.report());
    assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.report());
    assert!(out.stderr.contains(expected), "{args:?}: {}", out.report());
    out.stderr
}

#[test]
fn bad_values_are_one_line_that_quotes_them() {
    rejects(&["run-all", "--time-scale", "abc"], "--time-scale abc:");
    rejects(&["run-all", "--time-scale=fast"], "--time-scale fast:");
    let inf = rejects(&["run-all", "--time-scale", "inf"], "--time-scale inf:");
    assert!(!inf.contains("not a number"), "inf is a number: {inf}");
    rejects(&["run-all", "--time-scale"], "--time-scale");
    rejects(&["run-all", "--frobnicate"], "--frobnicate");
    rejects(&["compare", "--all", "s05-lock"], "names or --all");
    rejects(&["compare"], "--all");
    rejects(&["compare", "--all", "--jobs", "0"], "--jobs 0:");
    rejects(&["show", "s05-lock", "--width", "wide"], "--width wide:");
    rejects(&["run", "s05-lock", "--port", "8002"], "after `--`");
    rejects(&["list", "extra"], "extra");
    rejects(&["mutants", "--timeout", "soon"], "--timeout soon:");
    rejects(
        &["mutants", "no/such/file.rs"],
        "no/such/file.rs: no such file",
    );
}

#[test]
fn a_huge_time_scale_is_shown_as_typed() {
    // pace decides what it accepts; either way the message quotes 1e300 as typed, never as 301
    // digits.
    let out = xtask()
        .args(["run-all", "s02-1-custom-thread", "--time-scale", "1e300"])
        .run();
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("1e300"), "{}", out.report());
    assert!(!all.contains(&"0".repeat(30)), "{}", out.report());
}

#[test]
fn compare_without_python3_says_so_in_one_line() {
    let notes = std::env::temp_dir().join(format!("xtask-cli-notes-{}.md", std::process::id()));
    std::fs::write(&notes, "## 5 Locks\n\n```python\nprint(1)\n```\n").expect("fixture notes");
    let out = xtask()
        .args(["compare", "s05-lock", "--notes"])
        .arg(&notes)
        .env("PATH", "/nonexistent")
        .run();
    let _ = std::fs::remove_file(&notes);
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.report());
    assert!(out.stderr.contains("python3"), "{}", out.report());
}

/// Runs xtask with its stdout a pipe whose reader is already gone, as in `xtask list | true`
/// once `true` has exited; returns how it ended and its stderr.
fn into_a_closed_pipe(args: &[&str]) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("start xtask");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("read stderr");
    }
    (child.wait().expect("xtask ends"), stderr)
}

#[test]
fn list_and_help_into_a_closed_pipe_end_quietly() {
    use std::os::unix::process::ExitStatusExt;
    for command in ["list", "help"] {
        let (status, stderr) = into_a_closed_pipe(&[command]);
        assert_eq!(
            status.signal(),
            Some(Signal::SIGPIPE as i32),
            "{command}: {status:?} {stderr}"
        );
        assert_eq!(stderr, "", "{command}");
    }
}

#[test]
fn run_all_into_a_closed_pipe_kills_its_examples_and_ends_quietly() {
    let _alone = by_name();
    // The first two lines are read, then the reader goes away, as with `| head -2`; the fast
    // examples' reports then meet the closed pipe while s02-1-daemon still runs (at time scale
    // 100 it would take minutes).
    let out = xtask()
        .args(["run-all", "s02-1", "--time-scale", "100"])
        .close_stdout_after(2)
        .run();
    assert_eq!(
        out.status,
        Status::Signaled(Signal::SIGPIPE as i32),
        "{}",
        out.report()
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.report());
    assert!(
        !processes_named("s02-1-daemon") && !processes_named("s02-1-start-join"),
        "an example still runs after run-all's output went away"
    );
}

#[test]
fn a_second_ctrl_c_does_not_cut_the_cleanup_short() {
    let _alone = by_name();
    for _ in 0..3 {
        let mut running = xtask()
            .args(["run-all", "s02-1", "--time-scale", "100"])
            .spawn()
            .expect("start xtask");
        let line = running.wait_for_line(Duration::from_secs(100), |l| l.starts_with("Running "));
        assert!(line.is_some(), "run-all never started the examples");
        // Two Ctrl-Cs a millisecond apart.
        running.signal(Signal::SIGINT).expect("send SIGINT");
        std::thread::sleep(Duration::from_millis(1));
        running.signal(Signal::SIGINT).expect("send SIGINT again");
        let out = running.wait(&Default::default()).expect("xtask ends");
        assert_eq!(out.status, Status::Exited(130), "{}", out.report());
        assert!(out.stdout.contains("══ Summary ══"), "{}", out.report());
        assert!(out.stdout.contains("interrupted"), "{}", out.report());
        for name in ["s02-1-daemon", "s02-1-start-join"] {
            assert!(
                !processes_named(name),
                "{name} still runs after a double Ctrl-C"
            );
        }
    }
}

/// A stand-in for cargo (xtask runs `$CARGO`) in a directory of its own, `dir`: it reports a
/// target directory there, says cargo-mutants is installed, and then, as `cargo mutants`,
/// records its TMPDIR in `dir/tmpdir`, leaves a directory there as a mutant of pace's cleanup
/// would, and fails. Its path.
fn stand_in_cargo(dir: &std::path::Path) -> std::path::PathBuf {
    let target = dir.join("target");
    std::fs::create_dir_all(&target).expect("a fake target directory");
    let recorded = dir.join("tmpdir");
    let cargo = dir.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\n\
             case \"$1 $2\" in\n\
             'metadata '*) echo '{{\"target_directory\":\"{target}\"}}' ;;\n\
             'mutants --version') echo 'cargo-mutants 27.1.0' ;;\n\
             'mutants '*) echo \"$TMPDIR\" > {recorded} && mkdir \"$TMPDIR/examples-left\"; exit 1 ;;\n\
             *) exit 1 ;;\n\
             esac\n",
            target = target.display(),
            recorded = recorded.display(),
        ),
    )
    .expect("write the stand-in cargo");
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    cargo
}

#[test]
fn mutants_gives_cargo_mutants_a_tmpdir_of_its_own_and_removes_it_also_when_it_fails() {
    let dir = std::env::temp_dir().join(format!("xtask-mutants-{}", std::process::id()));
    let cargo = stand_in_cargo(&dir);
    let target = dir.join("target");
    let recorded = dir.join("tmpdir");
    let out = xtask()
        .args(["mutants", "pace/src/lib.rs"])
        .env("CARGO", &cargo)
        .run();
    let tmpdir = std::fs::read_to_string(&recorded).unwrap_or_default();
    let tmpdir = std::path::Path::new(tmpdir.trim());
    let own = target.join("mutants").join("tmp");
    let own_left = own.exists();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status, Status::Exited(1), "{}", out.report());
    assert!(
        out.stderr.contains("cargo mutants failed"),
        "{}",
        out.report()
    );
    assert!(
        tmpdir.starts_with(&own) && tmpdir != own,
        "cargo-mutants ran with TMPDIR={}, not a directory under {}",
        tmpdir.display(),
        own.display()
    );
    assert!(!own_left, "{} is still there after the run", own.display());
}

#[test]
fn a_second_mutants_run_in_the_same_workspace_says_so_and_stops() {
    let dir = std::env::temp_dir().join(format!("xtask-mutants-twice-{}", std::process::id()));
    let cargo = stand_in_cargo(&dir);
    // The first run, as far as the second can tell: it holds the lock.
    let mutants = dir.join("target").join("mutants");
    std::fs::create_dir_all(&mutants).expect("the mutants directory");
    let first = std::fs::File::create(mutants.join("lock")).expect("the lock file");
    first.try_lock().expect("the lock, free");
    let out = xtask()
        .args(["mutants", "pace/src/lib.rs"])
        .env("CARGO", &cargo)
        .run();
    let ran = dir.join("tmpdir").exists();
    drop(first);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status, Status::Exited(1), "{}", out.report());
    assert!(
        out.stderr
            .contains("another `cargo xtask mutants` is running in this workspace"),
        "{}",
        out.report()
    );
    assert!(!ran, "cargo mutants ran all the same:\n{}", out.report());
}
