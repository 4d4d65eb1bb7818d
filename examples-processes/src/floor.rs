//! The bare cost of a process, without this layer: what the layer's own cost is measured against;
//! and what §2's measurement says.

use std::process::{Command, Stdio};

use nix::unistd::{ForkResult, fork};

use crate::error::{Context, Result};
use crate::protocol::ROLE;
use crate::state::wait_for_exit;

/// `fork()`, the child `_exit(0)`s at once, the parent reaps it.
pub fn fork_and_wait() -> Result<()> {
    // SAFETY: the child calls only `_exit`, which is async-signal-safe: whatever another thread
    // held at the fork, nothing of it is touched in the child.
    match unsafe { fork() }.context(|| "fork() failed".to_string())? {
        ForkResult::Child => crate::launch::immediate_exit(0),
        ForkResult::Parent { child } => wait_for_exit(child).map(drop),
    }
}

/// Runs this program's executable again in a role that exits at once (inside
/// [`init`](crate::init)), and waits for it.
pub fn exec_and_wait() -> Result<()> {
    let exe =
        std::env::current_exe().context(|| "finding this program's executable".to_string())?;
    Command::new(&exe)
        .env(ROLE, "noop")
        .stdin(Stdio::null())
        .status()
        .context(|| format!("running {}", exe.display()))
        .map(drop)
}

/// The notes' verdict of §2.
pub const NOTES_VERDICT: &str = "多进程的开销要比多线程的开销大";

/// What a measurement says: the notes' verdict when every way of starting a process took longer
/// than starting a thread; otherwise which ways did not.
pub fn verdict(thread: std::time::Duration, processes: &[(&str, std::time::Duration)]) -> String {
    let not_slower: Vec<&str> = processes
        .iter()
        .filter(|(_, time)| *time <= thread)
        .map(|(name, _)| *name)
        .collect();
    if not_slower.is_empty() {
        NOTES_VERDICT.to_string()
    } else {
        format!(
            "这次测量中，进程（{}）并不比线程慢：机器太忙，或次数太少",
            not_slower.join("、")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_verdict_follows_the_numbers() {
        let ms = Duration::from_millis;
        assert_eq!(
            verdict(ms(1), &[("fork", ms(2)), ("spawn", ms(5))]),
            NOTES_VERDICT
        );
        let contrary = verdict(ms(3), &[("fork", ms(2)), ("spawn", ms(5))]);
        assert_ne!(contrary, NOTES_VERDICT);
        assert!(
            contrary.contains("fork") && !contrary.contains("spawn"),
            "{contrary}"
        );
    }
}
