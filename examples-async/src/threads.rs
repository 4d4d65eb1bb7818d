//! How many OS threads a process has right now.
//!
//! Linux lists a process's threads in `/proc/PID/task`, one directory per thread, each with the
//! thread's name in `comm` (cut to 15 bytes). A new thread starts with the name of the thread
//! that started it; one made with `thread::Builder::name` renames itself first thing — so for a
//! moment after `spawn` returns it may still show its parent's name. The local video site's one
//! thread is named [`SITE_THREAD`](examples_threads::download::SITE_THREAD), so that a count can
//! leave it out: the site stands for another computer.

use std::io;

/// The names of the threads of process `pid`, one per thread (Linux; elsewhere an error).
pub fn names(pid: u32) -> io::Result<Vec<String>> {
    let dir = format!("/proc/{pid}/task");
    let context = |e: io::Error| io::Error::new(e.kind(), format!("reading {dir}: {e}"));
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(context)? {
        let entry = entry.map_err(context)?;
        // A thread that ended between read_dir and here has no comm any more: it is not counted.
        if let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) {
            names.push(comm.trim_end().to_string());
        }
    }
    Ok(names)
}

/// How many threads process `pid` has.
pub fn count(pid: u32) -> io::Result<usize> {
    names(pid).map(|n| n.len())
}

/// How many threads this process has that are not named `name`.
pub fn count_except(name: &str) -> io::Result<usize> {
    Ok(names(std::process::id())?
        .iter()
        .filter(|n| *n != name)
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::{Duration, Instant};

    #[test]
    fn sees_threads_come_and_go_by_name() -> io::Result<()> {
        let me = std::process::id();
        // The test harness runs other tests at once: count only threads of a name of our own.
        let ours = || -> io::Result<usize> {
            Ok(names(me)?.iter().filter(|n| *n == "threads-test").count())
        };
        assert_eq!(ours()?, 0);
        // A thread renames itself before it runs its closure: once all three have reached
        // `started`, all three carry the name; none can end before this thread reaches `finish`.
        let started = Arc::new(Barrier::new(4));
        let finish = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (started, finish) = (Arc::clone(&started), Arc::clone(&finish));
                thread::Builder::new()
                    .name("threads-test".into())
                    .spawn(move || {
                        started.wait();
                        finish.wait();
                    })
            })
            .collect::<io::Result<_>>()?;
        started.wait();
        assert_eq!(ours()?, 3);
        finish.wait();
        for handle in handles {
            handle
                .join()
                .map_err(|_| io::Error::other("a test thread panicked"))?;
        }
        // A joined thread may linger in /proc a moment after join returns: the kernel wakes the
        // joiner before it has removed the thread. Look again, for a bounded time.
        let until = Instant::now() + Duration::from_secs(10);
        while ours()? != 0 {
            assert!(
                Instant::now() < until,
                "joined threads still listed after 10 s"
            );
            thread::sleep(Duration::from_millis(1));
        }
        assert!(count(me)? >= 1);
        Ok(())
    }

    #[test]
    fn a_process_that_does_not_exist_is_an_error() {
        let error = names(u32::MAX).expect_err("no such process");
        assert!(
            error.to_string().contains("/proc/4294967295/task"),
            "{error}"
        );
    }
}
