//! §7 线程池: submit, done-callbacks on the workers, shutdown(True), then the results.

use harness::example;

#[test]
fn callbacks_run_on_the_workers_and_results_come_after_shutdown_in_order() {
    let out = example(env!("CARGO_BIN_EXE_s07-thread-pool")).run_ok();
    let (before, after) = out
        .stdout
        .split_once("线程池已关闭，所有任务都已完成")
        .unwrap_or_else(|| panic!("the pool was never shut down\n{}", out.report()));

    // Ten callbacks, every one on a pool worker — none on the main thread (the tasks wait until
    // every callback is added) — and before the shutdown returned. Each prints the snippet's
    // line, then the thread on the next line.
    let lines: Vec<&str> = before.lines().collect();
    let mut callbacks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with("任务执行后的返回值 ") {
            continue;
        }
        callbacks.push(*line);
        assert!(line.ends_with("：65536 字节"), "{line}\n{}", out.report());
        let thread = lines.get(i + 1).copied().unwrap_or_default();
        assert!(
            thread.starts_with("  （回调在线程 线程池-worker ThreadId("),
            "a callback ran off the pool: {line} / {thread}\n{}",
            out.report()
        );
    }
    assert_eq!(callbacks.len(), 10, "{}", out.report());
    for i in 1..=10 {
        let video = format!("/video/video-{i}.mp4：");
        assert_eq!(
            callbacks.iter().filter(|l| l.contains(&video)).count(),
            1,
            "{}",
            out.report()
        );
    }

    // After shutdown: each future's result, in submission order.
    let results: Vec<&str> = after.lines().filter(|l| l.starts_with("http://")).collect();
    assert_eq!(results.len(), 10, "{}", out.report());
    for (i, line) in results.iter().enumerate() {
        assert!(
            line.ends_with(&format!("/video/video-{}.mp4：65536 字节", i + 1)),
            "result {} is {line}\n{}",
            i + 1,
            out.report()
        );
    }

    // No more threads than the pool has.
    let used: usize = after
        .lines()
        .find_map(|l| l.strip_prefix("10 个任务由 "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.report()));
    assert!((1..=4).contains(&used), "{used} threads\n{}", out.report());
}
