//! How much slower a program runs while it is recorded — measured the way the bench measures:
//! a warm-up round, then several rounds, each running the program plain and then recorded, and
//! the medians (of the times, and of the two times' ratio within each round, so that a machine
//! whose speed drifts compares like with like).

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::record;

/// What was measured for one program.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Median wall time of a plain run, in seconds.
    pub plain: f64,
    /// Median wall time of a recorded run (strace and the sampler; drawing excluded).
    pub recorded: f64,
    /// Median over rounds of recorded / plain.
    pub ratio: f64,
    /// Rounds measured (after the warm-up).
    pub rounds: usize,
}

/// Measures `program` with `args`, fed `input` on stdin, its output discarded, over `rounds`
/// rounds after a warm-up; traces go to `scratch`.
pub fn measure(
    program: &OsString,
    args: &[OsString],
    input: &[u8],
    rounds: usize,
    every: Duration,
    scratch: &Path,
) -> io::Result<Measured> {
    let trace_file = scratch.join("overhead.strace");
    let mut plain = Vec::new();
    let mut recorded = Vec::new();
    for round in 0..=rounds {
        let p = plain_run(program, args, input)?;
        let r = record::record(program, args, &trace_file, every, Some(input))?;
        if round > 0 {
            plain.push(p);
            recorded.push(r.wall.as_secs_f64());
        }
    }
    let _ = std::fs::remove_file(&trace_file);
    let ratios = recorded.iter().zip(&plain).map(|(r, p)| r / p).collect();
    Ok(Measured {
        plain: median(plain),
        recorded: median(recorded),
        ratio: median(ratios),
        rounds,
    })
}

/// Seconds one plain run takes.
fn plain_run(program: &OsString, args: &[OsString], input: &[u8]) -> io::Result<f64> {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut pipe) = child.stdin.take() {
        // The program may exit without reading: not an error here.
        let _ = pipe.write_all(input);
    }
    child.wait()?;
    Ok(started.elapsed().as_secs_f64())
}

/// The median (the mean of the middle two for an even count; NaN for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
