//! §7 线程池: submit, done-callbacks, shutdown(True), then the results — and, in the extension,
//! the thread each callback runs on.

use std::collections::BTreeSet;

use harness::example;

#[test]
fn every_callback_prints_its_value_before_shutdown_returns_then_the_results_in_order() {
    let out = example(env!("CARGO_BIN_EXE_s07-thread-pool")).run_ok();
    let lines = out.lines();
    let callbacks: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("任务执行后的返回值 http://"))
        .collect();
    let results: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("http://"))
        .collect();
    assert_eq!(callbacks.len(), 10, "{}", out.report());
    assert_eq!(results.len(), 10, "{}", out.report());
    assert_eq!(lines.len(), 20, "nothing else is printed\n{}", out.report());
    assert!(out.stderr.is_empty(), "{}", out.report());

    // shutdown(True) waits for the callbacks too: all ten come before the first result.
    assert!(
        lines[..10]
            .iter()
            .all(|l| l.starts_with("任务执行后的返回值 ")),
        "{}",
        out.report()
    );
    for i in 1..=10 {
        let video = format!("/video/video-{i}.mp4：65536 字节");
        assert_eq!(
            callbacks.iter().filter(|l| l.ends_with(&video)).count(),
            1,
            "{}",
            out.report()
        );
        // The results come back in the order the tasks were submitted.
        assert!(results[i - 1].ends_with(&video), "{}", out.report());
    }
}

/// The `tid N` of a `name（tid N）` on `line`, with the name.
fn thread_on(line: &str) -> Option<(String, u64)> {
    let (before, after) = line.split_once("（tid ")?;
    let name = before.rsplit(' ').next()?.to_string();
    let tid = after.split('）').next()?.parse().ok()?;
    Some((name, tid))
}

#[test]
fn callbacks_added_in_time_run_on_the_workers_a_late_one_at_once_on_main() {
    let out = example(env!("CARGO_BIN_EXE_s07-callback-threads")).run_ok();
    let lines = out.lines();
    let (main_name, main_tid) = lines
        .first()
        .and_then(|l| thread_on(l))
        .unwrap_or_else(|| panic!("no main thread line\n{}", out.report()));
    assert_eq!(main_name, "main", "{}", out.report());

    let mut workers = BTreeSet::new();
    for i in 1..=10u64 {
        let prefix = format!("任务 {i} 的回调：返回值 {}，在 ", i * i);
        let line = lines
            .iter()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no callback for task {i}\n{}", out.report()));
        let (name, tid) = thread_on(line).unwrap_or_else(|| panic!("{line}"));
        assert_eq!(name, "线程池-worker", "a callback ran off the pool: {line}");
        assert_ne!(tid, main_tid, "a callback ran on main: {line}");
        workers.insert(tid);
    }
    assert!((1..=4).contains(&workers.len()), "{}", out.report());
    assert!(
        out.stdout.contains(&format!(
            "10 个回调用了 {} 个线程（线程池共 4 个）",
            workers.len()
        )),
        "{}",
        out.report()
    );

    let late = out
        .stdout
        .split("—— 2.")
        .nth(1)
        .and_then(|part| part.lines().find(|l| l.starts_with("回调立即执行")))
        .unwrap_or_else(|| panic!("no late callback\n{}", out.report()));
    assert_eq!(thread_on(late), Some(("main".into(), main_tid)), "{late}");
}
