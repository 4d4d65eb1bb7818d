//! §8 单例模式: one object, however many times or threads ask for it.

use std::collections::BTreeSet;

use common::addresses;
use harness::example;

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

#[test]
fn ten_threads_get_one_instance_built_once_both_ways() {
    let out = example(env!("CARGO_BIN_EXE_s08-singleton-threaded")).run_ok();
    let parts: Vec<&str> = out.stdout.split("—— ").skip(1).collect();
    assert_eq!(parts.len(), 2, "{}", out.report());
    assert!(
        parts[0].starts_with("1. 加锁 + 两次检查"),
        "{}",
        out.report()
    );
    assert!(
        parts[1].starts_with("2. OnceLock::get_or_init"),
        "{}",
        out.report()
    );
    for part in parts {
        let found = addresses(part);
        assert_eq!(found.len(), 10, "{}", out.report());
        let distinct: BTreeSet<&String> = found.iter().collect();
        assert_eq!(distinct.len(), 1, "{}", out.report());
        assert!(
            part.contains("构造函数执行了 1 次；10 个线程拿到的是 1 个对象（name 为 'x'）"),
            "{}",
            out.report()
        );
        assert_eq!(
            part.matches("<__main__.Singleton object at 0x").count(),
            10,
            "{}",
            out.report()
        );
    }
    // The builder waited until all ten had missed the unlocked check: the other nine all
    // stopped at the second one.
    assert!(
        out.stdout
            .contains("其中 9 个线程在锁外看到实例还没有，排队拿到锁后第二次检查才发现已创建"),
        "{}",
        out.report()
    );
}
