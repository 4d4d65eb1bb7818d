//! §6 死锁: both programs show their deadlock, report it and end by themselves.

use common::scaled_secs;
use harness::example;

mod common;

#[test]
fn a_lock_taken_twice_by_one_thread_waits_for_itself_an_rlock_does_not() {
    let out = example(env!("CARGO_BIN_EXE_s06-deadlock-self")).run_ok();
    out.assert_in_order(&[
        "Lock：第 1 次 acquire 成功",
        &format!(
            "Lock：第 2 次 acquire，等待中……（最多等 {} 秒）",
            scaled_secs(1.0)
        ),
        "仍拿不到 Lock，它在 main 手上",
        "死锁",
        "RLock：第 1 次 acquire 成功",
        "RLock：第 2 次 acquire 立即成功",
        "RLock：release 两次",
    ]);
    assert!(out.stdout.starts_with("Lock：第 1 次"), "{}", out.report());
}

#[test]
fn the_cycle_is_detected_with_who_holds_what_then_one_order_fixes_it() {
    let out = example(env!("CARGO_BIN_EXE_s06-deadlock-cycle")).run_ok();
    // Each thread holds its first lock before asking for the second…
    out.assert_in_order(&["线程1：拿到 锁A", "线程1：手上拿着 锁A，去申请 锁B"]);
    out.assert_in_order(&["线程2：拿到 锁B", "线程2：手上拿着 锁B，去申请 锁A"]);
    // … and each is reported waiting for the lock the other holds.
    out.assert_in_order(&[
        "检测到：线程1 等了",
        "仍拿不到 锁B，它在 线程2 手上",
        "检测到：线程2 等了",
        "仍拿不到 锁A，它在 线程1 手上",
        &format!("这里各等 {} 秒后放弃", scaled_secs(1.0)),
        "解决",
    ]);
    let fixed = out
        .stdout
        .split("解决")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", out.report()));
    for name in ["线程1", "线程2"] {
        assert!(
            fixed.contains(&format!("{name}：按 锁A → 锁B 的顺序拿到两把锁，执行完毕")),
            "{name} did not finish after the fix\n{}",
            out.report()
        );
    }
    assert!(
        out.stdout
            .trim_end()
            .ends_with("两个线程都执行完毕，没有死锁"),
        "{}",
        out.report()
    );
}
