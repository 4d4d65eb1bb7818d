//! How every example runs: the one way it sleeps, and the one way it ends on a closed pipe.
//!
//! - [`sleep`], [`scaled`], [`scale`]: the time scale, below;
//! - [`output`]: [`init`], first in every example's `main`, makes a closed stdout or stderr
//!   (`| head`) end the program quietly, as it ends a Unix tool.
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

pub mod output;

pub use output::init;

use std::sync::OnceLock;
use std::time::Duration;

/// The environment variable that holds the time scale.
pub const ENV: &str = "EXAMPLES_TIME_SCALE";

/// The time scale: 1.0 unless [`ENV`] holds a finite number ≥ 0.
///
/// Read once per process. A value that is not such a number is reported on stderr once and
/// ignored, so that a typo never makes a program silently fast or slow.
pub fn scale() -> f64 {
    static SCALE: OnceLock<f64> = OnceLock::new();
    *SCALE.get_or_init(|| match std::env::var(ENV) {
        Err(_) => 1.0,
        Ok(text) => parse(&text).unwrap_or_else(|| {
            eprintln!("{ENV}={text:?} is not a number ≥ 0; using 1.0");
            1.0
        }),
    })
}

/// Parses a time scale: a finite number ≥ 0.
pub fn parse(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
}

/// `duration` multiplied by the time scale.
pub fn scaled(duration: Duration) -> Duration {
    duration.mul_f64(scale())
}

/// Like Python's `time.sleep(seconds)`, at the time scale: `pace::sleep(2.0)`.
pub fn sleep(seconds: f64) {
    std::thread::sleep(scaled(Duration::from_secs_f64(seconds.max(0.0))));
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_only_finite_non_negative_numbers() {
        assert_eq!(parse("0.05"), Some(0.05));
        assert_eq!(parse(" 1 "), Some(1.0));
        assert_eq!(parse("0"), Some(0.0));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("fast"), None);
        assert_eq!(parse("inf"), None);
        assert_eq!(parse("NaN"), None);
    }
}
