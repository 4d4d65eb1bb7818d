//! §9.4 进程锁: under the lock the ten processes leave 0 tickets; without it, forced to all read
//! before any writes, they leave 9. f1.txt lives in a temporary directory.

use std::collections::BTreeSet;

use harness::example;

#[test]
fn the_lock_sells_all_ten_tickets_and_without_it_nine_sales_are_lost() {
    let out = example(env!("CARGO_BIN_EXE_s09-4-process-lock")).run_ok();
    let stdout = &out.stdout;
    let (locked, unlocked) = stdout
        .split_once("== 没有锁")
        .unwrap_or_else(|| panic!("two runs:\n{}", out.report()));
    for (run, text) in [("with the lock", locked), ("without it", unlocked)] {
        assert_eq!(
            text.matches("开始\n").count(),
            10,
            "{run}:\n{}",
            out.report()
        );
        let pids: BTreeSet<&str> = text
            .lines()
            .filter_map(|l| l.strip_suffix(" 排队抢票了"))
            .collect();
        assert_eq!(pids.len(), 10, "{run}: ten processes:\n{}", out.report());
    }
    assert!(
        locked.trim_end().ends_with("f1.txt 文件内容：0"),
        "{}",
        out.report()
    );
    assert!(
        unlocked.trim_end().ends_with("f1.txt 文件内容：9"),
        "{}",
        out.report()
    );
    // f1.txt lived in a temporary directory, removed at the end.
    let dir = out.lines()[0]
        .strip_prefix("工作目录：")
        .unwrap_or_else(|| panic!("the directory first:\n{}", out.report()))
        .to_string();
    assert!(dir.starts_with(std::env::temp_dir().to_str().expect("utf-8")));
    assert!(!std::path::Path::new(&dir).exists(), "{dir} was removed");
}
