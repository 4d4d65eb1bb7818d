//! How a figure is measured: one warm-up run, then several runs, the median.

use std::error::Error;
use std::time::Instant;

/// A boxed error: every measurement can fail (a process that does not start, a socket).
pub type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

/// Quick (for CI: seconds) or full (for the README: minutes).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub quick: bool,
}

impl Settings {
    /// How many measured runs a figure is the median of.
    pub fn runs(&self) -> usize {
        if self.quick { 3 } else { 7 }
    }

    /// `quick` in quick mode, `full` otherwise.
    pub fn pick<T>(&self, quick: T, full: T) -> T {
        if self.quick { quick } else { full }
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Runs `f` once to warm up, then [`Settings::runs`] times; the median of what it returns.
pub fn median_of(settings: &Settings, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    f()?;
    let mut values = Vec::new();
    for _ in 0..settings.runs() {
        values.push(f()?);
    }
    Ok(median(values))
}

/// A measurement taken once per round.
pub type Measurement<'a> = Box<dyn FnMut() -> Result<f64> + 'a>;

/// Takes every measurement once per round, in turn — a warm-up round, then
/// [`Settings::runs`] rounds — and returns each one's samples, round by round.
///
/// Taking them in turn, rather than each one's runs back to back, exposes them alike to a
/// machine whose speed drifts (a virtual machine sharing its host): a ratio of two of them taken
/// in the same round compares like with like.
pub fn rounds(settings: &Settings, measurements: &mut [Measurement<'_>]) -> Result<Vec<Vec<f64>>> {
    let mut samples = vec![Vec::new(); measurements.len()];
    for round in 0..=settings.runs() {
        for (i, measure) in measurements.iter_mut().enumerate() {
            let value = measure()?;
            if round > 0 {
                samples[i].push(value);
            }
        }
    }
    Ok(samples)
}

/// The median over rounds of `a[r] / b[r]`.
pub fn median_ratio(a: &[f64], b: &[f64]) -> f64 {
    median(a.iter().zip(b).map(|(a, b)| a / b).collect())
}

/// Seconds `f` takes.
pub fn seconds(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let started = Instant::now();
    f()?;
    Ok(started.elapsed().as_secs_f64())
}

/// How many numbers the CPU-bound questions add up.
pub fn accumulation_size(settings: &Settings) -> u64 {
    settings.pick(10_000_000, 200_000_000)
}

/// How many numbers the Python side of the CPU-bound questions adds up: a Python loop takes
/// tens of times as long per number, so it adds up fewer, and rates (numbers per second)
/// compare the two.
pub fn python_accumulation_size(settings: &Settings) -> u64 {
    settings.pick(500_000, 5_000_000)
}

/// An error unless `got` is the sum of `numbers`: a measurement of a wrong answer is no use.
pub fn expect_sum(got: u64, numbers: std::ops::Range<u64>) -> Result<()> {
    let want = examples_threads::accumulate::expected(numbers);
    if got == want {
        Ok(())
    } else {
        Err(format!("wrong sum {got}, expected {want}").into())
    }
}

/// The number of OS threads of this process now (Linux: `/proc/self/task`).
pub fn os_threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_take_turns_and_skip_the_warm_up() {
        let settings = Settings { quick: true };
        let order = std::cell::RefCell::new(Vec::new());
        let mut a_calls = 0.0;
        let mut measurements: Vec<Measurement> = vec![
            Box::new(|| {
                order.borrow_mut().push('a');
                a_calls += 1.0;
                Ok(a_calls)
            }),
            Box::new(|| {
                order.borrow_mut().push('b');
                Ok(10.0)
            }),
        ];
        let samples = rounds(&settings, &mut measurements).expect("rounds");
        drop(measurements);
        assert_eq!(samples[0], vec![2.0, 3.0, 4.0]);
        assert_eq!(samples[1], vec![10.0; 3]);
        assert_eq!(order.borrow().iter().collect::<String>(), "abababab");
        assert_eq!(median_ratio(&samples[1], &samples[0]), 10.0 / 3.0);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
