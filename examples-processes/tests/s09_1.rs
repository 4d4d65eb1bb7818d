//! §9.1 案例: fork copies buffers and locks; a process's name, a process class, cpu_count.

use std::path::Path;

use harness::{Outcome, example};

/// The lines after `文件内容：`, and a check that the file's directory was a temporary one,
/// removed at the end.
fn file_content(out: &Outcome) -> Vec<&str> {
    let lines = out.lines();
    let dir = lines[0]
        .strip_prefix("工作目录：")
        .unwrap_or_else(|| panic!("the directory first:\n{}", out.report()));
    assert!(
        Path::new(dir).starts_with(std::env::temp_dir()),
        "{dir} is a temporary directory"
    );
    assert!(!Path::new(dir).exists(), "{dir} was removed at the end");
    let at = lines
        .iter()
        .position(|l| *l == "文件内容：")
        .unwrap_or_else(|| panic!("no 文件内容：\n{}", out.report()));
    lines[at + 1..].to_vec()
}

#[test]
fn fork_copies_the_unflushed_buffer_so_the_first_line_is_written_twice() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-fork-unflushed")).run_ok();
    assert_eq!(
        out.lines()[1],
        "[]",
        "the child prints name:\n{}",
        out.report()
    );
    assert_eq!(
        file_content(&out),
        ["武沛齐", "alex", "武沛齐"],
        "{}",
        out.report()
    );
    assert_eq!(
        out.stderr, "",
        "no warning about forking a threaded process"
    );
}

#[test]
fn flushed_before_the_fork_each_line_is_written_once() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-fork-flushed")).run_ok();
    assert_eq!(
        out.lines()[1],
        "[]",
        "the child prints name:\n{}",
        out.report()
    );
    assert_eq!(file_content(&out), ["武沛齐", "alex"], "{}", out.report());
    assert_eq!(out.stderr, "");
}

#[test]
fn the_forked_lock_is_held_until_the_childs_main_thread_releases_it() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-fork-lock")).run_ok();
    let mut expected = vec!["来了"; 10];
    expected.extend(["666"; 10]);
    assert_eq!(out.lines(), expected, "{}", out.report());
    assert_eq!(out.stderr, "", "{}", out.report());
}

#[test]
fn the_spawned_child_has_eleven_threads_and_the_name_its_parent_gave_it() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-process-name")).run_ok();
    let lines = out.lines();
    assert_eq!(lines.len(), 5, "{}", out.report());
    // Printed before the child exists: first, always.
    let parent: u32 = lines[0]
        .parse()
        .unwrap_or_else(|_| panic!("the parent's pid first:\n{}", out.report()));
    let child_pids = lines
        .iter()
        .find(|l| l.contains(' ') && l.split(' ').all(|n| n.parse::<u32>().is_ok()))
        .unwrap_or_else(|| panic!("the child's pid and ppid:\n{}", out.report()));
    assert!(
        child_pids.ends_with(&format!(" {parent}")),
        "the child's parent is the main process: {child_pids}"
    );
    // The child's own lines come in its order; `继续执行...` may come anywhere among them.
    out.assert_in_order(&[
        &format!("{child_pids}\n"),
        "线程个数 11\n",
        "当前进程的名称： 哈哈哈哈\n",
    ]);
    assert_eq!(out.count("继续执行...\n"), 1, "{}", out.report());
}

#[test]
fn a_process_class_runs_its_own_run_with_its_args() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-custom-process")).run_ok();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(
        lines,
        ["执行此进程 ('xxx',)", "继续执行..."],
        "{}",
        out.report()
    );
}

#[test]
fn cpu_count_minus_one_processes_are_started() {
    let out = example(env!("CARGO_BIN_EXE_s09-1-cpu-count")).run_ok();
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(
        out.lines()[0],
        format!("cpu_count() = {cpus}"),
        "{}",
        out.report()
    );
    let mut started: Vec<&str> = out.lines()[1..]
        .iter()
        .map(|l| l.split('：').next().unwrap_or(l))
        .collect();
    started.sort();
    let expected: Vec<String> = (0..cpus - 1).map(|i| format!("进程 {i}")).collect();
    assert_eq!(started, expected, "{}", out.report());
}
