//! The bare cost of a process, without this layer: what the layer's own cost is measured against.

use std::process::{Command, Stdio};

use nix::unistd::{ForkResult, fork};

use crate::error::{Context, Result};
use crate::launch::ROLE;
use crate::process::wait_for_exit;

/// `fork()`, the child `_exit(0)`s at once, the parent reaps it.
pub fn fork_and_wait() -> Result<()> {
    // SAFETY: the child calls only `_exit`, which is async-signal-safe: nothing another thread
    // could have held matters to it.
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
