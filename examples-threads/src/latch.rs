//! A count-down latch: threads count down without waiting; whoever waits, waits until zero.
//!
//! std has a [`Barrier`](std::sync::Barrier), where every thread waits for all the others; a
//! latch lets the threads that arrive go on, and only the thread that needs them all waits. The
//! extensions use it to make a race happen on every run instead of by luck — §8's builder waits
//! until all ten threads have missed the unlocked check — and to hold tasks back until their
//! callbacks are in place (§7). A `Mutex<usize>` and a `Condvar`, as in the Rust Atomics and
//! Locks book's examples.
//!
//! ```
//! use examples_threads::latch::CountDownLatch;
//! use std::time::Duration;
//!
//! let arrived = CountDownLatch::new(2);
//! std::thread::scope(|s| {
//!     s.spawn(|| arrived.count_down());
//!     s.spawn(|| arrived.count_down());
//!     assert!(arrived.wait_timeout(Duration::from_secs(10)));
//! });
//! ```

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A count that threads bring down to zero, and a wait for zero.
#[derive(Debug)]
pub struct CountDownLatch {
    count: Mutex<usize>,
    reached_zero: Condvar,
}

impl CountDownLatch {
    /// A latch that opens after `count` calls of [`count_down`](Self::count_down).
    pub const fn new(count: usize) -> Self {
        CountDownLatch {
            count: Mutex::new(count),
            reached_zero: Condvar::new(),
        }
    }

    fn count_guard(&self) -> MutexGuard<'_, usize> {
        // Nothing panics while holding it: a poisoned count is still right.
        self.count.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One less; at zero, wakes every waiter. Never waits. Below zero it stays at zero.
    pub fn count_down(&self) {
        let mut count = self.count_guard();
        *count = count.saturating_sub(1);
        if *count == 0 {
            self.reached_zero.notify_all();
        }
    }

    /// How many calls of [`count_down`](Self::count_down) it still waits for.
    pub fn count(&self) -> usize {
        *self.count_guard()
    }

    /// Waits until the count is zero.
    pub fn wait(&self) {
        let count = self.count_guard();
        let _zero = self
            .reached_zero
            .wait_while(count, |count| *count > 0)
            .unwrap_or_else(PoisonError::into_inner);
    }

    /// Waits until the count is zero, at most `timeout`; whether it got there.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let count = self.count_guard();
        let (count, _) = self
            .reached_zero
            .wait_timeout_while(count, timeout, |count| *count > 0)
            .unwrap_or_else(PoisonError::into_inner);
        *count == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn opens_after_count_calls_and_not_before() {
        let latch = CountDownLatch::new(3);
        latch.count_down();
        latch.count_down();
        assert_eq!(latch.count(), 1);
        assert!(!latch.wait_timeout(Duration::from_millis(10)));
        latch.count_down();
        latch.count_down(); // one too many: stays open
        assert_eq!(latch.count(), 0);
        assert!(latch.wait_timeout(Duration::ZERO));
        latch.wait();
    }

    #[test]
    fn wakes_every_waiter() {
        let latch = CountDownLatch::new(1);
        thread::scope(|s| {
            let waiters: Vec<_> = (0..3).map(|_| s.spawn(|| latch.wait())).collect();
            latch.count_down();
            for waiter in waiters {
                waiter.join().expect("a waiter");
            }
        });
    }
}
