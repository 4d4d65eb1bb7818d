//! §4 线程安全: the lost update that Rust allows, forced, and fetch_add, which loses nothing.
//! (The programs Rust refuses are the compile_fail doctests of `src/thread_safety.rs`.)

use harness::example;

/// The number after `实际 ` on the line of `part` (`—— 强制交错` or `—— 不强制`) that starts with
/// `prefix`.
fn got(stdout: &str, part: &str, prefix: &str) -> Option<u64> {
    let section = stdout.split("—— ").find(|s| s.starts_with(part))?;
    let line = section.lines().find(|l| l.starts_with(prefix))?;
    let after = line.split("实际 ").nth(1)?;
    after.split('，').next()?.parse().ok()
}

#[test]
fn the_forced_interleaving_loses_exactly_one_update_and_fetch_add_none() {
    let out = example(env!("CARGO_BIN_EXE_s04-thread-unsafe")).run_ok();
    out.assert_in_order(&[
        "—— 强制交错",
        "load 再 store：期望 2，实际 1，丢失 1 次更新",
        "fetch_add：期望 2，实际 2，丢失 0 次更新",
        "—— 不强制",
        "load 再 store（",
        "fetch_add（一步完成）：期望 2000000，实际 2000000，丢失 0 次更新",
        "src/thread_safety.rs",
    ]);
    assert_eq!(
        got(&out.stdout, "强制交错", "load 再 store"),
        Some(1),
        "{}",
        out.report()
    );
    // Unforced, how many updates load-then-store loses is the scheduler's business (it may be
    // none): it can only lose, never gain.
    let racy = got(&out.stdout, "不强制", "load 再 store")
        .unwrap_or_else(|| panic!("no unforced load/store line\n{}", out.report()));
    assert!(racy <= 2_000_000, "{}", out.report());
}
