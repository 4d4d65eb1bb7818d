//! `| head -1`: every program of the crate ends quietly once its reader is gone — killed by
//! SIGPIPE as a Unix tool is, or done already — under every start method, with no panic, no
//! abort, and nothing left behind, in /dev/shm or running.

mod common;

use common::{METHODS, run_leaving_no_segment};
use examples_processes::START_METHOD_ENV;
use harness::{Status, example};

const PROGRAMS: &[&str] = &[
    env!("CARGO_BIN_EXE_s09-2-value"),
    env!("CARGO_BIN_EXE_s09-2-array"),
    env!("CARGO_BIN_EXE_s09-2-manager"),
    env!("CARGO_BIN_EXE_s09-3-queue"),
    env!("CARGO_BIN_EXE_s09-3-pipe"),
    env!("CARGO_BIN_EXE_s09-5-pool-manager-lock"),
];

#[test]
fn every_program_ends_quietly_when_its_stdout_is_closed_after_one_line() {
    std::thread::scope(|s| {
        for program in PROGRAMS {
            for method in METHODS {
                s.spawn(move || {
                    let out = run_leaving_no_segment(
                        example(program)
                            .env(START_METHOD_ENV, method)
                            .close_stdout_after(1),
                    );
                    assert!(
                        matches!(
                            out.status,
                            Status::Exited(0) | Status::Signaled(libc::SIGPIPE)
                        ),
                        "{method}: {}",
                        out.report()
                    );
                    assert!(out.leftovers.is_empty(), "{method}: {}", out.report());
                    assert!(
                        !out.stderr.contains("panicked") && !out.stderr.contains("Broken pipe"),
                        "{method}: {}",
                        out.report()
                    );
                });
            }
        }
    });
}
