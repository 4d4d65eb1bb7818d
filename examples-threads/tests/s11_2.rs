//! §11.2 并发和并行: the three runs happen and agree; their times are measured, not asserted.

use common::number_after;
use examples_threads::accumulate::expected;
use harness::example;

mod common;

#[test]
fn serial_concurrent_and_parallel_compute_the_same_correct_sum() {
    let out = example(env!("CARGO_BIN_EXE_s11-2-concurrency-vs-parallelism")).run_ok();
    let lines = out.lines();
    let numbers = lines
        .first()
        .and_then(|l| number_after(l, "累加 0.."))
        .unwrap_or_else(|| panic!("no task line\n{}", out.report()));
    let want = expected(0..numbers);

    out.assert_in_order(&[
        "串行：",
        "sched_setaffinity：",
        "并发：",
        "并行：",
        "没有 GIL",
    ]);
    for phase in ["串行：", "并发：", "并行："] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(phase))
            .unwrap_or_else(|| panic!("no {phase} line\n{}", out.report()));
        assert_eq!(
            number_after(line, "结果 "),
            Some(want),
            "{line}\n{}",
            out.report()
        );
        assert!(line.contains("用时 "), "{line}");
    }

    // The concurrent run really was confined to one CPU.
    let pinned = lines
        .iter()
        .find(|l| l.starts_with("sched_setaffinity："))
        .unwrap_or_else(|| panic!("{}", out.report()));
    let list = pinned.rsplit('[').next().unwrap_or_default();
    assert!(
        !list.contains(',') && list.ends_with(']') && list.len() > 1,
        "pinned to more than one CPU: {pinned}"
    );
}
