//! §9.4 进程锁: under the lock the ten processes leave 0 tickets; without it, forced to all read
//! before any writes, they leave 9; without the joins, children find the lock gone. f1.txt
//! lives in a temporary directory, removed at the end.

use std::collections::BTreeSet;

use harness::{Outcome, example};

/// Ten `开始` and ten distinct pids `排队抢票了`; the directory (first line) was temporary and is
/// gone; returns the last line.
fn ten_processes(out: &Outcome) -> String {
    assert_eq!(out.count("开始\n"), 10, "{}", out.report());
    let pids: BTreeSet<&str> = out
        .lines()
        .into_iter()
        .filter_map(|l| l.strip_suffix(" 排队抢票了"))
        .collect();
    assert_eq!(pids.len(), 10, "ten processes:\n{}", out.report());
    let dir = out.lines()[0]
        .strip_prefix("工作目录：")
        .unwrap_or_else(|| panic!("the directory first:\n{}", out.report()))
        .to_string();
    assert!(dir.starts_with(std::env::temp_dir().to_str().expect("utf-8")));
    assert!(!std::path::Path::new(&dir).exists(), "{dir} was removed");
    out.lines().last().copied().unwrap_or_default().to_string()
}

#[test]
fn the_lock_sells_all_ten_tickets() {
    let out = example(env!("CARGO_BIN_EXE_s09-4-process-lock")).run_ok();
    assert_eq!(
        ten_processes(&out),
        "f1.txt 文件内容：0",
        "{}",
        out.report()
    );
    assert_eq!(out.stderr, "", "{}", out.report());
}

#[test]
fn without_the_lock_nine_sales_are_lost() {
    let out = example(env!("CARGO_BIN_EXE_s09-4-without-lock")).run_ok();
    assert_eq!(
        ten_processes(&out),
        "f1.txt 文件内容：9",
        "{}",
        out.report()
    );
}

/// The joins are there because the lock's file goes with the lock at the end of `main`.
#[test]
fn without_the_joins_children_find_the_lock_file_gone() {
    let out = example(env!("CARGO_BIN_EXE_s09-4-without-join")).run_ok();
    assert_eq!(out.count("开始\n"), 10, "{}", out.report());
    let gone = out
        .stderr
        .lines()
        .filter(|l| l.contains("拿不到锁：opening the lock file") && l.contains("No such file"))
        .count();
    assert!(gone >= 1, "no child found the lock gone:\n{}", out.report());
    assert!(!out.stderr.contains("panicked"), "{}", out.report());
}
