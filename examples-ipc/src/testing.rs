//! What the unit tests share (built for tests only).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

/// Runs `test` on a thread and fails if it takes more than 10 s: code that stops answering or
/// loops fails its test instead of hanging it (so a mutation run sees a failure, not a timeout).
pub(crate) fn within_10_s(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let thread = thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => thread.join().expect("the test's thread"),
        Err(RecvTimeoutError::Disconnected) => {
            // It panicked: its panic is the failure.
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(RecvTimeoutError::Timeout) => panic!("no end within 10 s"),
    }
}
