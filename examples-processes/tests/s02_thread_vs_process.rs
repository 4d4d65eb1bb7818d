//! §2 多进程和多线程: the program prints one row per way of starting, with its floor beside it.
//! The times themselves depend on the machine and are not asserted.

use harness::example;

#[test]
fn prints_a_row_for_threads_and_for_each_start_method_with_its_floor() {
    let out = example(env!("CARGO_BIN_EXE_s02-thread-vs-process"))
        .arg("5")
        .run_ok();
    let row = |label: &str| -> String {
        out.lines()
            .iter()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no row {label:?}:\n{}", out.report()))
            .to_string()
    };
    assert_eq!(
        row("线程 thread").matches(" ms").count(),
        1,
        "{}",
        out.report()
    );
    for (label, floor) in [
        ("进程 fork ", "fork + waitpid"),
        ("进程 spawn", "运行本程序 + wait"),
        ("进程 forkserver", "fork + waitpid"),
    ] {
        let line = row(label);
        assert_eq!(line.matches(" ms").count(), 2, "{line}");
        assert!(line.contains(floor) && line.ends_with('×'), "{line}");
    }
    assert!(out.stdout.contains("各 5 次"), "{}", out.report());
    // The verdict follows what was measured (see `floor::verdict`'s unit test for both cases).
    let median = |label: &str| -> f64 {
        let line = row(label);
        let after = line[label.len()..].trim_start();
        after
            .split_whitespace()
            .next()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("no time in {line:?}"))
    };
    let thread = median("线程 thread");
    let all_slower = ["进程 fork ", "进程 spawn", "进程 forkserver"]
        .iter()
        .all(|label| median(label) > thread);
    let last = out.lines().last().copied().unwrap_or_default();
    assert_eq!(
        last == examples_processes::floor::NOTES_VERDICT,
        all_slower,
        "{}",
        out.report()
    );
}

#[test]
fn help_and_a_bad_count_are_one_clear_answer() {
    let help = example(env!("CARGO_BIN_EXE_s02-thread-vs-process"))
        .arg("--help")
        .run_ok();
    assert!(help.stdout.starts_with("用法："), "{}", help.report());
    let bad = example(env!("CARGO_BIN_EXE_s02-thread-vs-process"))
        .arg("abc")
        .run();
    assert_eq!(bad.status, harness::Status::Exited(2), "{}", bad.report());
    assert!(
        bad.stderr.starts_with("abc: 不是正整数"),
        "{}",
        bad.report()
    );
    assert_eq!(bad.stdout, "", "{}", bad.report());
}
