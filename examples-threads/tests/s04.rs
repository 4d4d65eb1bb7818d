//! §4 线程安全: the lost update that Rust allows, and fetch_add, which loses nothing.
//! (The programs Rust refuses are the compile_fail doctests of `src/thread_safety.rs`.)

use harness::example;

/// The number after `实际 ` on the line that starts with `prefix`.
fn got(lines: &[&str], prefix: &str) -> Option<u64> {
    let line = lines.iter().find(|l| l.starts_with(prefix))?;
    let after = line.split("实际 ").nth(1)?;
    after.split('，').next()?.parse().ok()
}

#[test]
fn fetch_add_is_exact_and_load_store_never_gains() {
    let out = example(env!("CARGO_BIN_EXE_s04-thread-unsafe")).run_ok();
    let lines = out.lines();
    assert_eq!(
        got(&lines, "fetch_add"),
        Some(2_000_000),
        "{}",
        out.report()
    );
    assert!(
        out.stdout
            .contains("fetch_add（一步完成）：期望 2000000，实际 2000000，丢失 0 次更新"),
        "{}",
        out.report()
    );
    // How many updates load-then-store loses is the scheduler's business; it can only lose.
    let racy = got(&lines, "load 再 store").unwrap_or_else(|| panic!("{}", out.report()));
    assert!(racy <= 2_000_000, "{}", out.report());
    assert!(
        out.stdout.contains("src/thread_safety.rs"),
        "{}",
        out.report()
    );
}
