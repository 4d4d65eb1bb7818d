//! §3 累加计算: one thread, N threads and N processes compute the same correct sum; the times
//! are measured and printed, never asserted.

use common::number_after;
use examples_threads::accumulate::expected;
use harness::example;

mod common;

#[test]
fn threads_and_processes_compute_the_same_sum_as_one_thread() {
    let out = example(env!("CARGO_BIN_EXE_s03-cpu-bound")).run_ok();
    let lines = out.lines();
    let numbers = lines
        .first()
        .and_then(|l| number_after(l, "累加 0.."))
        .unwrap_or_else(|| panic!("no task line\n{}", out.report()));
    out.assert_in_order(&[
        "1 个线程：",
        " 个线程：",
        " 个进程：",
        "对照：",
        "Rust 没有 GIL",
    ]);
    for marker in ["个线程：", "个进程：", "对照："] {
        let matching: Vec<&&str> = lines.iter().filter(|l| l.contains(marker)).collect();
        assert!(!matching.is_empty(), "no {marker} line\n{}", out.report());
        for line in matching {
            assert_eq!(
                number_after(line, "结果 "),
                Some(expected(0..numbers)),
                "{line}\n{}",
                out.report()
            );
        }
    }
    assert!(out.stdout.contains("加速 "), "{}", out.report());
}
