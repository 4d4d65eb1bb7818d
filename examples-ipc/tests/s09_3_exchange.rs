//! §9.3 交换: a queue and a pipe between a parent and its child, under every start method.

mod common;

use common::METHODS;
use examples_processes::START_METHOD_ENV;
use harness::example;

#[test]
fn after_join_the_parent_gets_the_first_five_in_order_and_ends() {
    for method in METHODS {
        let out = example(env!("CARGO_BIN_EXE_s09-3-queue"))
            .env(START_METHOD_ENV, method)
            .run_ok();
        // The five items left in the queue do not keep the program from ending (run_ok: it
        // exited, in time, leaving nothing behind).
        assert_eq!(
            out.lines(),
            ["主进程", "0", "1", "2", "3", "4"],
            "{method}: {}",
            out.report()
        );
        assert_eq!(out.stderr, "", "{method}: {}", out.report());
    }
}

#[test]
fn the_list_goes_up_the_pipe_and_666_comes_back() {
    for method in METHODS {
        let out = example(env!("CARGO_BIN_EXE_s09-3-pipe"))
            .env(START_METHOD_ENV, method)
            .run_ok();
        // Python's print puts a space between its arguments: "主进程接收： [...]".
        assert_eq!(
            out.lines(),
            ["主进程接收： [111, 22, 33, 44]", "子进程接收: 666"],
            "{method}: {}",
            out.report()
        );
        assert_eq!(out.stderr, "", "{method}: {}", out.report());
    }
}
