//! §5 线程锁: Lock and RLock.

use harness::{Outcome, example};

/// The lines that are numbers, in order.
fn numbers(out: &Outcome) -> Vec<u64> {
    out.lines().iter().filter_map(|l| l.parse().ok()).collect()
}

#[test]
fn the_lock_lets_one_thread_count_at_a_time() {
    let out = example(env!("CARGO_BIN_EXE_s05-lock")).run_ok();
    assert_eq!(out.count("开始"), 2, "{}", out.report());
    assert_eq!(numbers(&out), [1_000_000, 2_000_000], "{}", out.report());
    assert_eq!(out.lines().last(), Some(&"2000000"), "{}", out.report());
}

#[test]
fn the_rlock_counts_the_same_and_lets_its_holder_in_again() {
    let out = example(env!("CARGO_BIN_EXE_s05-rlock")).run_ok();
    assert_eq!(out.count("开始"), 2, "{}", out.report());
    assert_eq!(numbers(&out), [1_000_000, 2_000_000], "{}", out.report());
    // Each thread re-enters the lock it holds before printing its number.
    out.assert_in_order(&[
        "同一线程再次 acquire 成功（RLock 可重入）\n1000000",
        "同一线程再次 acquire 成功（RLock 可重入）\n2000000",
    ]);
    assert_eq!(out.lines().last(), Some(&"2000000"), "{}", out.report());
}
