//! §9.2 数据共享, server process: a child changes the manager's dict and list through proxies;
//! the parent prints them as the server has them, then the server is shut down and reaped (the
//! harness fails a run that leaves a process behind).

mod common;

use common::METHODS;
use examples_processes::START_METHOD_ENV;
use harness::example;

#[test]
fn the_parent_prints_the_dict_and_list_the_child_changed() {
    for method in METHODS {
        let out = example(env!("CARGO_BIN_EXE_s09-2-manager"))
            .env(START_METHOD_ENV, method)
            .run_ok();
        assert_eq!(
            out.lines(),
            ["{1: '1', '2': 2, 0.25: None}", "[666]"],
            "{method}: {}",
            out.report()
        );
        assert_eq!(out.stderr, "", "{method}: {}", out.report());
    }
}
