//! §10 协程: coroutines switching on one thread, IO-bound work on tasks vs threads, and the
//! executor underneath.

use examples_threads::download::VIDEO_BYTES;
use harness::{Outcome, example};

/// The coroutine names of the lines that report a step (`协程1：第 2 步…`), in order.
fn steps<'a>(out: &'a Outcome, step_marker: &str) -> Vec<&'a str> {
    out.lines()
        .into_iter()
        .filter(|l| l.contains(step_marker))
        .filter_map(|l| l.trim_start().split('：').next())
        .collect()
}

#[test]
fn two_coroutines_alternate_on_the_one_thread_of_the_process() {
    let out = example(env!("CARGO_BIN_EXE_s10-coroutine-switch")).run_ok();
    assert_eq!(
        steps(&out, "步（线程"),
        ["协程1", "协程2", "协程1", "协程2", "协程1", "协程2"],
        "the coroutines did not take turns:\n{}",
        out.report()
    );
    let threads: Vec<&str> = out
        .lines()
        .into_iter()
        .filter_map(|l| l.split_once("（线程 ").map(|(_, t)| t))
        .collect();
    assert_eq!(threads.len(), 6, "{}", out.report());
    assert!(
        threads.iter().all(|t| *t == threads[0]),
        "the steps ran on more than one thread:\n{}",
        out.report()
    );
    assert!(
        out.stdout.contains("本进程的 OS 线程数：1\n"),
        "the process had more than one thread:\n{}",
        out.report()
    );
}

#[test]
fn the_hand_made_executor_polls_the_two_tasks_in_turn() {
    let out = example(env!("CARGO_BIN_EXE_s10-executor-by-hand")).run_ok();
    assert_eq!(
        steps(&out, "步，然后 await"),
        ["协程1", "协程2", "协程1", "协程2", "协程1", "协程2"],
        "{}",
        out.report()
    );
    // Three Pending polls each, then one Ready: four polls per task, in turn.
    let polled: Vec<&str> = out
        .lines()
        .into_iter()
        .filter_map(|l| l.strip_prefix("执行器：poll "))
        .collect();
    assert_eq!(polled, ["协程1", "协程2"].repeat(4), "{}", out.report());
    assert_eq!(out.count("返回 Pending"), 6, "{}", out.report());
    assert_eq!(out.count("返回 Ready"), 2, "{}", out.report());
    out.assert_in_order(&["协程1 返回 Ready", "协程2 返回 Ready", "所有任务完成"]);
}

/// The number after `label` on the line that starts with `part`.
fn number_after(out: &Outcome, part: &str, label: &str) -> usize {
    let line = out
        .lines()
        .into_iter()
        .find(|l| l.starts_with(part))
        .unwrap_or_else(|| panic!("no line starts with {part:?}:\n{}", out.report()));
    let after = &line[line
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {line:?}"))
        + label.len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label:?} in {line:?}"))
}

#[test]
fn tasks_download_everything_on_one_thread_and_threads_need_one_each() {
    let out = example(env!("CARGO_BIN_EXE_s10-io-bound-async")).run_ok();
    let videos = number_after(&out, "协程：", "协程：");
    assert_eq!(videos, 20, "{}", out.report());
    for part in ["协程：", "多线程："] {
        assert_eq!(
            number_after(&out, part, "共 "),
            videos * VIDEO_BYTES,
            "{part} did not download every byte:\n{}",
            out.report()
        );
    }
    assert_eq!(
        number_after(&out, "协程：", "线程数："),
        1,
        "the tasks used more than the runtime's one thread:\n{}",
        out.report()
    );
    assert_eq!(
        number_after(&out, "多线程：", "线程数："),
        1 + videos,
        "expected main and one thread per download:\n{}",
        out.report()
    );
}
