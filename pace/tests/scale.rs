//! The time scale as a program meets it: read once from `EXAMPLES_TIME_SCALE`, applied to every
//! sleep and every scaled duration, saturating at its limits, and a value it refuses said once.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe.parent().and_then(|deps| deps.parent());
    profile
        .expect("a test runs from target/<profile>/deps")
        .join("examples")
        .join(name)
}

/// What the `scale` fixture reports, run with `EXAMPLES_TIME_SCALE` set to `scale` (or unset),
/// sleeping `sleep` seconds at scale 1.
struct Seen {
    scale: String,
    two_seconds: String,
    longest: String,
    slept_ms: u128,
    stderr: String,
}

fn run(scale: Option<&str>, sleep: f64) -> Seen {
    let mut command = Command::new(fixture("scale"));
    command.arg(sleep.to_string());
    match scale {
        Some(scale) => command.env(pace::ENV, scale),
        None => command.env_remove(pace::ENV),
    };
    // Its output is a few lines: the pipes hold it until it ends.
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the fixture");
    // It sleeps at most 0.3 s at scale 1: a sleep scaled wrong shows as a program still
    // asleep, a failure instead of a test that never ends.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("EXAMPLES_TIME_SCALE={scale:?}: still asleep 10 s after a sleep of {sleep} s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut out = child.stdout.take().expect("piped");
    out.read_to_string(&mut stdout).expect("UTF-8");
    let mut err = child.stderr.take().expect("piped");
    err.read_to_string(&mut stderr).expect("UTF-8");
    assert!(status.success(), "{status}\n{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let field = |i: usize, prefix: &str| {
        lines[i]
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("line {i} starts with {prefix:?}: {stdout}"))
            .to_string()
    };
    Seen {
        scale: field(0, "scale "),
        two_seconds: field(1, "2 s scaled: "),
        longest: field(2, "the longest scaled: "),
        slept_ms: field(3, "slept ")
            .trim_end_matches(" ms")
            .parse()
            .expect("ms"),
        stderr,
    }
}

#[test]
fn unset_the_scale_is_1_the_notes_pacing() {
    let seen = run(None, 0.1);
    assert_eq!(seen.scale, "1");
    assert_eq!(seen.two_seconds, "2000 ms");
    assert!(seen.slept_ms >= 100, "slept {} ms of 100", seen.slept_ms);
    assert_eq!(seen.stderr, "");
}

#[test]
fn a_scale_multiplies_every_sleep_and_every_scaled_duration() {
    let seen = run(Some("0.5"), 0.3);
    assert_eq!(seen.scale, "0.5");
    assert_eq!(seen.two_seconds, "1000 ms");
    // A sleep never ends early: at least 150 ms (how much more depends on the machine's load).
    assert!(seen.slept_ms >= 150, "slept {} ms of 150", seen.slept_ms);
    let seen = run(Some(" 0.05 "), 0.0);
    assert_eq!(seen.scale, "0.05");
    assert_eq!(seen.two_seconds, "100 ms");
    let seen = run(Some("0"), 0.0);
    assert_eq!(seen.scale, "0");
    assert_eq!(seen.two_seconds, "0 ms");
}

#[test]
fn the_largest_scale_saturates_instead_of_overflowing() {
    let seen = run(Some("1000"), 0.0);
    assert_eq!(seen.scale, "1000");
    assert_eq!(seen.two_seconds, "2000000 ms");
    assert_eq!(seen.longest, format!("{:?}", Duration::MAX));
    assert_eq!(seen.stderr, "");
}

#[test]
fn a_refused_scale_is_said_once_in_one_line_and_1_is_used() {
    for typed in ["fast", "1001", "-1", "nan", "1e300", ""] {
        let seen = run(Some(typed), 0.0);
        assert_eq!(seen.scale, "1", "{typed:?}");
        assert_eq!(seen.two_seconds, "2000 ms", "{typed:?}");
        assert_eq!(
            seen.stderr,
            format!(
                "EXAMPLES_TIME_SCALE={typed}: not a time scale (a number from 0 to 1000); \
                 using 1.0\n"
            ),
        );
    }
}

#[test]
fn a_program_that_registered_nothing_ends_without_waiting_for_its_children() {
    let mut program = Command::new(fixture("scale"))
        .args(["0", "leave-child"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the fixture");
    let out = BufReader::new(program.stdout.take().expect("piped"));
    // Its fifth line; not to the end: the child holds the pipe too.
    let sleep: i32 = out
        .lines()
        .nth(4)
        .and_then(Result::ok)
        .and_then(|line| line.parse().ok())
        .expect("the child's pid, fifth");
    let deadline = Instant::now() + Duration::from_secs(10);
    let ended = loop {
        if program.try_wait().expect("wait").is_some() {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // SAFETY: signals the `sleep` the fixture started; no pointers.
    unsafe { libc::kill(sleep, libc::SIGKILL) };
    let _ = program.wait();
    assert!(
        ended,
        "still running 10 s after its end: it waits for a child that is not its tracker"
    );
}
