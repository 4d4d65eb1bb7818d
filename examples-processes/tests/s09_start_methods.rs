//! §9: the same target under fork, spawn and forkserver.

use harness::example;

#[test]
fn only_the_forked_child_sees_the_parents_global_and_file() {
    let out = example(env!("CARGO_BIN_EXE_s09-start-methods")).run_ok();
    let main_pid = out.lines()[0]
        .strip_prefix("主进程 pid=")
        .expect("the parent prints its pid first")
        .to_string();
    let line = |method: &str| -> String {
        out.lines()
            .iter()
            .find(|l| l.starts_with(&format!("[{method}]")))
            .unwrap_or_else(|| panic!("no line for {method}:\n{}", out.report()))
            .to_string()
    };
    let fork = line("fork");
    assert_eq!(fork.matches("看得到").count(), 2, "{fork}");
    assert!(fork.contains(&format!("ppid={main_pid} ")), "{fork}");
    let spawn = line("spawn");
    assert_eq!(spawn.matches("看不到").count(), 2, "{spawn}");
    assert!(spawn.contains(&format!("ppid={main_pid} ")), "{spawn}");
    let served = line("forkserver");
    assert_eq!(served.matches("看不到").count(), 2, "{served}");
    assert!(
        !served.contains(&format!("ppid={main_pid} ")),
        "a fork server's child has the server as its parent: {served}"
    );
}
