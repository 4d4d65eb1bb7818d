//! §9.2 数据共享: a child writes a `Value` and an `Array` in shared memory; the parent reads what
//! it wrote — under every start method — and removes the segments.

mod common;

use common::{METHODS, run_leaving_no_segment};
use examples_processes::START_METHOD_ENV;
use harness::example;

#[test]
fn the_parent_reads_what_the_child_wrote_in_each_value() {
    for method in METHODS {
        let out = run_leaving_no_segment(
            example(env!("CARGO_BIN_EXE_s09-2-value")).env(START_METHOD_ENV, method),
        );
        assert!(out.success(), "{method}: {}", out.report());
        // Python prints the one-byte value as bytes: b'a'.
        assert_eq!(
            out.lines(),
            ["888", "b'a'", "武"],
            "{method}: {}",
            out.report()
        );
        assert_eq!(out.stderr, "", "{method}: {}", out.report());
    }
}

#[test]
fn the_parent_reads_the_element_the_child_changed() {
    for method in METHODS {
        let out = run_leaving_no_segment(
            example(env!("CARGO_BIN_EXE_s09-2-array")).env(START_METHOD_ENV, method),
        );
        assert!(out.success(), "{method}: {}", out.report());
        assert_eq!(
            out.lines(),
            ["[666, 22, 33, 44]"],
            "{method}: {}",
            out.report()
        );
        assert_eq!(out.stderr, "", "{method}: {}", out.report());
    }
}
