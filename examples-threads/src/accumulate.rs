//! The CPU-bound workload of §3 (累加计算): add up a long range of numbers, one addition at a
//! time, whole or split into parts.
//!
//! The notes name it as *the* example of computation that Python threads cannot speed up (the
//! GIL lets one thread compute at a time) and processes can. In Rust there is no GIL: the same
//! parts summed on threads run on all cores at once. §11.2 runs it serially, concurrently on one
//! core and in parallel; §3's CPU-bound example and the benchmarks reuse it.
//!
//! [`sum`] really does one addition per number: each number passes through
//! [`std::hint::black_box`], so that the optimizer cannot replace the loop by the closed formula
//! `n(n-1)/2` — which is what [`expected`] uses to check the answer.
//!
//! ```
//! use examples_threads::accumulate::{expected, split, sum, sum_on_threads};
//!
//! let numbers = 0..1_000_000;
//! let parts = split(numbers.clone(), 4);
//! assert_eq!(parts.len(), 4);
//! assert_eq!(parts.iter().cloned().map(sum).sum::<u64>(), expected(numbers.clone()));
//! assert_eq!(sum_on_threads(numbers.clone(), 2).unwrap(), sum(numbers));
//! ```

use std::error::Error;
use std::hint::black_box;
use std::io;
use std::ops::Range;
use std::thread;
use std::time::{Duration, Instant};

/// How many numbers the examples add up at time scale 1: `0..100_000_000`, whose sum is
/// 4 999 999 950 000 000. One pass takes about a second in a debug build (`cargo run`), about a
/// tenth of that in a release build.
pub const NUMBERS: u64 = 100_000_000;

/// The fewest numbers [`numbers_at_time_scale`] returns, so that a tiny scale still computes.
pub const MIN_NUMBERS: u64 = 1_000_000;

/// How many numbers to add up at the current time scale (`EXAMPLES_TIME_SCALE`, see [`pace`]):
/// [`NUMBERS`] × scale, at least [`MIN_NUMBERS`]. The examples' computing shrinks with their
/// sleeps, so that the tests, which run at scale 0.05, stay fast.
pub fn numbers_at_time_scale() -> u64 {
    // An f64 holds every integer up to 2^53, far above NUMBERS: the cast back loses nothing.
    let scaled = (NUMBERS as f64 * pace::scale()).round() as u64;
    scaled.max(MIN_NUMBERS)
}

/// The sum of `range`, one addition per number, as the Python loop `for i in range(start, end):
/// result += i` does. The sum wraps around at `u64::MAX` (which [`NUMBERS`] is far from).
///
/// Never inlined: every caller — one thread, many threads, a pool, a process — then runs the very
/// same machine code, so that their times compare the ways of running it, not the optimizer's
/// mood at each call site.
#[inline(never)]
pub fn sum(range: Range<u64>) -> u64 {
    let mut result: u64 = 0;
    for i in range {
        result = result.wrapping_add(black_box(i));
    }
    result
}

/// The sum of `range` by the closed formula, wrapping like [`sum`]: the answer to check against.
pub fn expected(range: Range<u64>) -> u64 {
    if range.is_empty() {
        return 0;
    }
    let (start, end) = (u128::from(range.start), u128::from(range.end));
    let total = (start + end - 1) * (end - start) / 2;
    // Wrapping, like `sum`: keep the low 64 bits.
    total as u64
}

/// `range` split into `parts` consecutive ranges whose lengths differ by at most one; together
/// they cover `range` exactly. `parts` = 0 counts as 1.
pub fn split(range: Range<u64>, parts: usize) -> Vec<Range<u64>> {
    let parts = parts.max(1) as u64;
    let len = range.end.saturating_sub(range.start);
    let (base, extra) = (len / parts, len % parts);
    let mut start = range.start;
    (0..parts)
        .map(|i| {
            let end = start + base + u64::from(i < extra);
            let part = start..end;
            start = end;
            part
        })
        .collect()
}

/// The sum of `range`, split into `threads` parts, each summed by [`sum`] on a thread of its own;
/// the partial sums are added up (wrapping) once every thread has finished. The threads inherit
/// the calling thread's CPU affinity.
///
/// Fails only if a thread cannot be started or panics.
pub fn sum_on_threads(range: Range<u64>, threads: usize) -> io::Result<u64> {
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, part) in split(range, threads).into_iter().enumerate() {
            let handle = thread::Builder::new()
                .name(format!("累加-{i}"))
                .spawn_scoped(scope, move || sum(part))?;
            handles.push(handle);
        }
        let mut total: u64 = 0;
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| io::Error::other("a summing thread panicked"))?;
            total = total.wrapping_add(part);
        }
        Ok(total)
    })
}

/// The control for a speedup: `copies` threads each summing the *whole* `range` at once. They
/// share nothing, so on `copies` free cores they take as long as one sum alone; on a busy or
/// throttled machine longer. `copies` × (one sum's time) / (this one's time) is then how many
/// cores' worth of computing the machine really gave — what a speedup should be measured
/// against. Returns the sum (every copy must agree).
pub fn copies_on_threads(range: Range<u64>, copies: usize) -> io::Result<u64> {
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for i in 0..copies.max(1) {
            let range = range.clone();
            let handle = thread::Builder::new()
                .name(format!("对照-{i}"))
                .spawn_scoped(scope, move || sum(range))?;
            handles.push(handle);
        }
        let mut sums = Vec::new();
        for handle in handles {
            sums.push(
                handle
                    .join()
                    .map_err(|_| io::Error::other("a summing thread panicked"))?,
            );
        }
        match sums.windows(2).all(|w| w[0] == w[1]) {
            true => Ok(sums[0]),
            false => Err(io::Error::other(format!("the copies disagree: {sums:?}"))),
        }
    })
}

/// How many times the examples run each way of computing; the shortest time counts, as other
/// programs on the machine can only make a run slower.
pub const ROUNDS: usize = 3;

/// Runs `f` [`ROUNDS`] times: its result (the same every time, or an error) and its shortest time.
pub fn fastest<E: Into<Box<dyn Error>>>(
    mut f: impl FnMut() -> Result<u64, E>,
) -> Result<(u64, Duration), Box<dyn Error>> {
    let mut best: Option<(u64, Duration)> = None;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let result = f().map_err(Into::into)?;
        let took = started.elapsed();
        best = match best {
            Some((earlier, _)) if earlier != result => {
                return Err(format!("two runs disagree: {earlier} and {result}").into());
            }
            Some((_, shortest)) => Some((result, shortest.min(took))),
            None => Some((result, took)),
        };
    }
    best.ok_or_else(|| "no run at all".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_copy_computes_the_whole_sum() -> io::Result<()> {
        assert_eq!(copies_on_threads(0..100_001, 3)?, expected(0..100_001));
        assert_eq!(copies_on_threads(0..10, 0)?, 45);
        Ok(())
    }

    #[test]
    fn fastest_keeps_the_shortest_time_and_checks_the_runs_agree() {
        let (value, _) = fastest(|| Ok::<_, io::Error>(7)).expect("agreeing runs");
        assert_eq!(value, 7);
        let mut n = 0;
        let disagree = fastest(|| {
            n += 1;
            Ok::<_, io::Error>(n)
        });
        assert!(disagree.is_err());
    }

    #[test]
    fn sum_adds_every_number() {
        assert_eq!(sum(0..0), 0);
        assert_eq!(sum(0..5), 10);
        assert_eq!(sum(3..6), 12);
        assert_eq!(sum(0..1_000_000), expected(0..1_000_000));
    }

    #[test]
    fn expected_is_the_closed_formula() {
        assert_eq!(expected(0..NUMBERS), 4_999_999_950_000_000);
        assert_eq!(expected(5..5), 0);
        assert_eq!(expected(7..8), 7);
        assert_eq!(expected(10..20), (10..20).sum());
    }

    #[test]
    fn split_covers_the_range_in_near_equal_parts() {
        assert_eq!(split(0..10, 3), vec![0..4, 4..7, 7..10]);
        assert_eq!(split(5..7, 4), vec![5..6, 6..7, 7..7, 7..7]);
        assert_eq!(split(0..10, 0), vec![0..10]);
        for parts in 1..9 {
            let pieces = split(100..1_000, parts);
            assert_eq!(pieces.len(), parts);
            assert_eq!(pieces.first().map(|p| p.start), Some(100));
            assert_eq!(pieces.last().map(|p| p.end), Some(1_000));
            assert!(pieces.windows(2).all(|w| w[0].end == w[1].start));
            let lengths: Vec<u64> = pieces.iter().map(|p| p.end - p.start).collect();
            let (min, max) = (lengths.iter().min(), lengths.iter().max());
            assert!(max.zip(min).is_some_and(|(max, min)| max - min <= 1));
        }
    }

    #[test]
    fn threads_compute_the_same_sum() -> io::Result<()> {
        for threads in [1, 2, 3, 8] {
            assert_eq!(
                sum_on_threads(0..2_000_001, threads)?,
                expected(0..2_000_001)
            );
        }
        Ok(())
    }

    #[test]
    fn the_sum_wraps_like_the_formula() {
        let top = u64::MAX - 3..u64::MAX;
        assert_eq!(sum(top.clone()), expected(top));
    }
}
