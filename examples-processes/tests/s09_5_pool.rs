//! §9.5 进程池: the pool waits for all tasks; callbacks run in the main process; a pool of four
//! really runs four tasks at once, in four processes.

use harness::{Spec, example};

#[test]
fn shutdown_waits_for_all_ten_tasks_then_prints_1() {
    let out = example(env!("CARGO_BIN_EXE_s09-5-process-pool")).run_ok();
    for n in 0..10 {
        assert_eq!(out.count(&format!("执行 {n}\n")), 1, "{}", out.report());
    }
    assert_eq!(out.lines().last(), Some(&"1"), "{}", out.report());
    assert_eq!(out.lines().len(), 11);
    assert_eq!(out.stderr, "", "{}", out.report());
}

/// The example's output alone would look the same from a pool that ran one task at a time: the
/// fixture makes four tasks meet, which only four workers running at once can do.
#[test]
fn a_pool_of_four_runs_four_tasks_at_once_in_four_worker_processes() {
    let out = Spec::new(harness::fixture("pool-parallel")).run_ok();
    assert_eq!(
        out.lines(),
        [
            "running at the same time: 4",
            "in distinct worker processes: 4",
            "all of them the pool's workers: true",
            "each one, to current_process(), SpawnProcess-1 to -4 of this parent: true",
            "the pool prints its workers: true",
        ],
        "{}",
        out.report()
    );
}

#[test]
fn every_callback_runs_in_the_main_process_with_its_result() {
    let out = example(env!("CARGO_BIN_EXE_s09-5-pool-callback"))
        .env(pace::ENV, "0.02")
        .run_ok();
    let main = "<_MainProcess name='MainProcess' parent=None started>";
    let lines = out.lines();
    // 50 callbacks and main itself print the process: always the main process.
    assert_eq!(out.count(main), 51, "{}", out.report());
    assert!(
        lines
            .iter()
            .filter(|l| l.starts_with('<'))
            .all(|l| *l == main),
        "{}",
        out.report()
    );
    for n in 0..50 {
        assert_eq!(out.count(&format!("执行 {n}\n")), 1, "{}", out.report());
        assert_eq!(
            lines.iter().filter(|l| **l == n.to_string()).count(),
            1,
            "result {n} printed once by its callback:\n{}",
            out.report()
        );
    }
}
