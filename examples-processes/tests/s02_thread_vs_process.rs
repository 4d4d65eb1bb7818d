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
    assert_eq!(
        out.lines().last(),
        Some(&"多进程的开销要比多线程的开销大"),
        "{}",
        out.report()
    );
}
