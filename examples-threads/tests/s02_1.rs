//! §2.1 线程常见方法: start/join, daemon threads, thread names, a custom thread "class".

use harness::example;

#[test]
fn start_returns_at_once_and_join_waits_for_the_task() {
    let out = example(env!("CARGO_BIN_EXE_s02-1-start-join")).run_ok();
    out.assert_in_order(&[
        "t.start() 已返回",
        "子线程已结束？false",
        "主线程：t.join() 等待子线程执行完毕",
        "子线程：开始执行任务",
        "子线程：任务执行完毕",
        "t.join() 已返回（Rust 的 join 还带回了任务的返回值）",
    ]);
}

#[test]
fn a_thread_nobody_joins_is_cut_off_without_cleaning_up() {
    let out = example(env!("CARGO_BIN_EXE_s02-1-daemon")).run_ok();
    out.assert_in_order(&[
        "非守护线程：执行完毕",
        "非守护线程：收尾工作",
        "主线程：执行完毕",
    ]);
    let daemon_cleanups = out
        .lines()
        .iter()
        .filter(|l| l.starts_with("守护线程：收尾工作"))
        .count();
    assert_eq!(
        daemon_cleanups,
        0,
        "the daemon thread cleaned up:\n{}",
        out.report()
    );
}

#[test]
fn each_of_the_ten_threads_prints_its_own_name_once() {
    let out = example(env!("CARGO_BIN_EXE_s02-1-thread-name")).run_ok();
    let mut names = out.lines();
    names.sort_unstable();
    let mut wanted: Vec<String> = (0..10).map(|i| format!("日魔-{i}")).collect();
    wanted.sort_unstable();
    assert_eq!(names, wanted, "{}", out.report());
}

#[test]
fn the_custom_thread_runs_with_its_args() {
    let out = example(env!("CARGO_BIN_EXE_s02-1-custom-thread")).run_ok();
    assert_eq!(out.lines(), ["执行此线程 (100,)"], "{}", out.report());
}
