//! How every example runs: the one way it sleeps, and the one way it ends on a closed pipe.
//!
//! - [`sleep`], [`scaled`], [`scale`]: the time scale, below;
//! - [`init`], first in every example's `main`: a closed stdout or stderr (`| head`) ends the
//!   program quietly, as it ends a Unix tool ([`output`]); and the program can track what it
//!   creates outside itself, so that nothing is left behind however it ends ([`cleanup`]).
//!
//! # The time scale
//!
//! The notes pace their snippets with `time.sleep(..)`: the process-pool snippet of §9.5 alone
//! waits about 100 s. Every example sleeps through [`sleep`], which multiplies the duration by the
//! time scale read once from the environment variable [`ENV`] (`EXAMPLES_TIME_SCALE`).
//!
//! - unset, the scale is 1.0: `cargo run` shows the notes' real pacing;
//! - `EXAMPLES_TIME_SCALE=0.05` runs everything twenty times faster: the tests and CI do this.
//!
//! Anything that is paced by sleeps (a timeout, a delay a server adds) goes through [`scaled`] so
//! that it shrinks with the sleeps.
#![deny(clippy::unwrap_used)]

pub mod cleanup;
pub mod output;

pub use cleanup::{TempDir, temp_dir};

/// First thing in every example's `main`.
///
/// - In a run of the executable that is a resource tracker (see [`cleanup`]), it tracks and
///   exits: code above this call would run in the tracker too.
/// - A print into a closed stdout or stderr then ends the program quietly, as SIGPIPE ends a
///   Unix tool ([`output::init`]).
/// - Resources registered from then on are removed however the program ends ([`cleanup`]).
/// - The time scale is read: a value that is refused is said now, in one line.
///
/// It starts no thread and changes no signal's handling: a program that registers nothing is
/// left as it was. Calling it again does nothing more.
pub fn init() {
    cleanup::become_tracker_if_asked();
    output::init();
    cleanup::enable();
    // Read now, so that a time scale that is refused is said at the start, once.
    scale();
}

use std::sync::OnceLock;
use std::time::Duration;

/// What `main` returns when it fails: `fn main() -> Result<(), pace::Report>`.
///
/// Rust prints an error that `main` returns with `Debug`, which for most errors is a struct
/// (`Custom { kind: NotFound, error: … }`). A `Report` prints as a sentence instead — the
/// error, then each cause it does not already say:
/// `Error: opening the lock file /tmp/x: No such file or directory (os error 2)`. Anything `?`
/// turns into a `Box<dyn Error>` turns into a `Report`.
pub struct Report(Box<dyn std::error::Error>);

impl<E: Into<Box<dyn std::error::Error>>> From<E> for Report {
    fn from(error: E) -> Self {
        Report(error.into())
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let said = error.to_string();
            if !text.contains(&said) {
                text.push_str(": ");
                text.push_str(&said);
            }
            cause = error.source();
        }
        f.write_str(&text)
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// `.expect(…)` that says the error as a sentence: `lock.acquire().or_fail("taking the lock")`
/// panics with `taking the lock: opening the lock file …: No such file or directory (os error
/// 2)`, where `expect` would print the error's `Debug` struct. For a process's target, where a
/// failure ends the process as an exception ends a Python one.
pub trait OrFail<T> {
    /// The value, or a panic whose message is `what: <the error>`.
    fn or_fail(self, what: &str) -> T;
}

impl<T, E: std::fmt::Display> OrFail<T> for Result<T, E> {
    #[track_caller]
    fn or_fail(self, what: &str) -> T {
        match self {
            Ok(value) => value,
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

/// The environment variable that holds the time scale.
pub const ENV: &str = "EXAMPLES_TIME_SCALE";

/// The largest time scale: every example's sleeps a thousand times longer (the longest would
/// last more than a day). Beyond it a scale is refused, never a panic or an endless sleep.
pub const MAX_SCALE: f64 = 1000.0;

/// The time scale: 1.0 unless [`ENV`] holds a number from 0 to [`MAX_SCALE`].
///
/// Read once per process. A value that is not such a number is reported on stderr once, in
/// one line, and ignored, so that a typo never makes a program silently fast or slow.
pub fn scale() -> f64 {
    static SCALE: OnceLock<f64> = OnceLock::new();
    *SCALE.get_or_init(|| match std::env::var(ENV) {
        Err(_) => 1.0,
        Ok(text) => parse_scale(&text).unwrap_or_else(|e| {
            eprintln!("{ENV}={e}; using 1.0");
            1.0
        }),
    })
}

/// Parses a time scale: a number from 0 to [`MAX_SCALE`].
pub fn parse(text: &str) -> Option<f64> {
    parse_scale(text).ok()
}

/// A time scale that was refused; its `Display` is one line that quotes the text as typed:
/// `1e300: not a time scale (a number from 0 to 1000)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleError {
    text: String,
}

impl std::fmt::Display for ScaleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: not a time scale (a number from 0 to {MAX_SCALE})",
            self.text
        )
    }
}

impl std::error::Error for ScaleError {}

/// Parses a time scale: a number from 0 to [`MAX_SCALE`], or an error that says so.
pub fn parse_scale(text: &str) -> Result<f64, ScaleError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| (0.0..=MAX_SCALE).contains(s))
        .ok_or_else(|| ScaleError {
            text: text.to_string(),
        })
}

/// `duration` multiplied by the time scale (at most [`Duration::MAX`]).
pub fn scaled(duration: Duration) -> Duration {
    seconds(duration.as_secs_f64() * scale())
}

/// A duration of `secs` seconds: 0 for a negative or NaN number, [`Duration::MAX`] for one too
/// large for a `Duration`.
fn seconds(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// Like Python's `time.sleep(seconds)`, at the time scale: `pace::sleep(2.0)` sleeps
/// [`scaled`] two seconds. A negative or NaN number sleeps not at all (where Python raises
/// `ValueError`).
pub fn sleep(seconds_at_scale_1: f64) {
    std::thread::sleep(scaled(seconds(seconds_at_scale_1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("下载 a.mp4 失败")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_report_says_the_error_then_the_causes_it_does_not_say_without_quotes() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "没有这个文件");
        let report = Report::from(Outer(io));
        assert_eq!(format!("{report:?}"), "下载 a.mp4 失败: 没有这个文件");
        assert_eq!(format!("{:?}", Report::from("a \"b\"")), "a \"b\"");
        let io = std::io::Error::other("connection refused");
        let said: Box<dyn std::error::Error> =
            Box::new(std::io::Error::other(format!("GET /x: {io}")));
        assert_eq!(Report::from(said).to_string(), "GET /x: connection refused");
    }

    #[test]
    fn parses_only_numbers_from_0_to_the_maximum() {
        assert_eq!(parse("0.05"), Some(0.05));
        assert_eq!(parse(" 1 "), Some(1.0));
        assert_eq!(parse("0"), Some(0.0));
        assert_eq!(parse("1000"), Some(1000.0));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("fast"), None);
        assert_eq!(parse("inf"), None);
        assert_eq!(parse("NaN"), None);
        assert_eq!(parse("1e300"), None);
        // Any way Rust writes a number, and the edges exactly.
        assert_eq!(parse("5e-2"), Some(0.05));
        assert_eq!(parse("+0.5"), Some(0.5));
        assert_eq!(parse("\t2\n"), Some(2.0));
        assert_eq!(parse("999.999"), Some(999.999));
        assert_eq!(parse("1000.001"), None);
        assert_eq!(parse("-0.001"), None);
        assert_eq!(parse("-inf"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("0,5"), None);
        assert_eq!(parse("1_000"), None);
        assert_eq!(parse("0.05x"), None);
        assert_eq!(
            parse_scale("1e300").map_err(|e| e.to_string()),
            Err("1e300: not a time scale (a number from 0 to 1000)".to_string())
        );
        // Quoted as typed, spaces and all.
        assert_eq!(
            parse_scale(" 2000 ").map_err(|e| e.to_string()),
            Err(" 2000 : not a time scale (a number from 0 to 1000)".to_string())
        );
    }

    #[test]
    fn a_report_is_a_sentence_with_its_causes_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let report = Report::from(io);
        assert_eq!(format!("{report:?}"), "no such file");
        let report = Report::from("COUNT is a number, not \"x\"");
        assert_eq!(format!("{report:?}"), "COUNT is a number, not \"x\"");
    }

    #[test]
    fn durations_saturate_instead_of_panicking() {
        assert_eq!(seconds(1e300), Duration::MAX);
        assert_eq!(seconds(f64::INFINITY), Duration::MAX);
        assert_eq!(seconds(-1.0), Duration::ZERO);
        assert_eq!(seconds(f64::NAN), Duration::ZERO);
        assert_eq!(seconds(0.5), Duration::from_millis(500));
        assert_eq!(seconds(0.0), Duration::ZERO);
        assert_eq!(seconds(-0.0), Duration::ZERO);
        assert_eq!(seconds(f64::NEG_INFINITY), Duration::ZERO);
        assert_eq!(seconds(1e-9), Duration::from_nanos(1));
        // The largest a Duration holds, and the first float beyond it.
        assert_eq!(
            seconds(1.8e19),
            Duration::from_secs(18_000_000_000_000_000_000)
        );
        assert_eq!(seconds(u64::MAX as f64), Duration::MAX);
    }
}
