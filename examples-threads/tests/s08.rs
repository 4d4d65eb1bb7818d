//! §8 单例模式: one object, however many times or threads ask for it — and, in the extensions,
//! the race the second check is for, and OnceLock.

use std::collections::BTreeSet;

use common::addresses;
use harness::{Outcome, example};

mod common;

#[test]
fn constructing_twice_returns_the_first_instance() {
    let out = example(env!("CARGO_BIN_EXE_s08-singleton")).run_ok();
    let first_line = out.lines().first().copied().unwrap_or_default();
    let found = addresses(first_line);
    assert_eq!(found.len(), 2, "{}", out.report());
    assert_eq!(found[0], found[1], "{}", out.report());
    assert!(found[0].starts_with("0x"), "{}", out.report());
    assert!(
        first_line.starts_with("<__main__.Singleton object at 0x"),
        "{}",
        out.report()
    );
    assert!(out.stdout.contains("name: alex"), "{}", out.report());
}

/// Ten lines `<__main__.Singleton object at 0x…>`, all the same object.
fn assert_ten_prints_of_one_object(out: &Outcome) {
    let printed: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("<__main__.Singleton object at 0x"))
        .collect();
    assert_eq!(printed.len(), 10, "{}", out.report());
    let distinct: BTreeSet<String> = printed.iter().flat_map(|l| addresses(l)).collect();
    assert_eq!(distinct.len(), 1, "{}", out.report());
}

#[test]
fn ten_threads_print_one_object_and_nothing_else() {
    let out = example(env!("CARGO_BIN_EXE_s08-singleton-threaded")).run_ok();
    assert_ten_prints_of_one_object(&out);
    assert_eq!(out.lines().len(), 10, "{}", out.report());
    assert!(out.stderr.is_empty(), "{}", out.report());
}

#[test]
fn forced_race_nine_threads_stop_at_the_second_check() {
    let out = example(env!("CARGO_BIN_EXE_s08-singleton-race")).run_ok();
    assert_ten_prints_of_one_object(&out);
    out.assert_in_order(&[
        "构造函数执行了 1 次；10 个线程拿到的是 1 个对象（name 为 'x'）",
        "其中 9 个线程在锁外看到实例还没有，排队拿到锁后第二次检查才发现已创建",
    ]);
    // The builder did not give up waiting for the race.
    assert!(out.stderr.is_empty(), "{}", out.report());
}

#[test]
fn once_lock_builds_it_once_for_ten_threads() {
    let out = example(env!("CARGO_BIN_EXE_s08-singleton-oncelock")).run_ok();
    assert_ten_prints_of_one_object(&out);
    assert!(
        out.stdout
            .contains("构造函数执行了 1 次；10 个线程拿到的是 1 个对象（name 为 'x'）"),
        "{}",
        out.report()
    );
}
