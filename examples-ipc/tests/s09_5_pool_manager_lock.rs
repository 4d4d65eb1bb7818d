//! §9.5 进程池, the last snippet: ten pool tasks decrement f1.txt under a Manager RLock.

use harness::example;

#[test]
fn ten_tasks_under_the_manager_lock_bring_the_file_from_10_to_0() {
    let out = example(env!("CARGO_BIN_EXE_s09-5-pool-manager-lock")).run_ok();
    assert_eq!(out.count("开始\n"), 10, "{}", out.report());
    assert_eq!(out.count("排队抢票了\n"), 10, "{}", out.report());
    // No decrement lost: the lock let one task at a time read and write the file.
    assert_eq!(
        out.lines().last(),
        Some(&"f1.txt 最后的内容：0"),
        "{}",
        out.report()
    );
    assert_eq!(out.lines().len(), 21, "{}", out.report());
    assert_eq!(out.stderr, "", "{}", out.report());
}
