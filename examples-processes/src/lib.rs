//! Python's `multiprocessing`, built for real: what the notes' process snippets stand on.
//!
//! Rust's standard library starts programs (`std::process::Command`) but has no
//! `Process(target=…)`, no start methods and no process pool. This library provides them with
//! real OS processes:
//!
//! - [`Process`] — `multiprocessing.Process`: a [`target!`] function and its arguments, a name,
//!   `start`, `join`, `kill`, `pid`, `exitcode`; [`current_process`] in the child
//!   reports the name the parent gave it.
//! - [`set_start_method`] with the three [`StartMethod`]s: **fork** (`nix::unistd::fork`: the
//!   child is a copy of the parent; refused in a process with more than one thread), **spawn**
//!   (a fresh run of the same executable that receives only its target's name and serialized
//!   arguments), **forkserver** (a single-threaded server process forks each child on request).
//!   See [`launch`] and [`forkserver`].
//! - [`ProcessPoolExecutor`] — `concurrent.futures.ProcessPoolExecutor`: spawned worker
//!   processes; futures with `result()` and `add_done_callback`, the callbacks running in the
//!   parent; a worker that dies breaks the pool with a clear error instead of a hang.
//! - [`Lock`] — a lock between processes (`flock` on a file): the kernel releases it when its
//!   holder dies.
//!
//! # The one rule: `init()` first
//!
//! ```no_run
//! use examples_processes::{Process, target};
//!
//! fn task(arg: String) {
//!     println!("{arg}");
//! }
//!
//! fn main() -> Result<(), pace::Report> {
//!     let _main = examples_processes::init(); // if __name__ == '__main__':
//!     let mut p = Process::new(target!(task), ("xxx".to_string(),));
//!     p.start()?;
//!     p.join()?;
//!     Ok(())
//! }
//! ```
//!
//! A spawned child is the same executable started again; inside [`init`] it runs its target and
//! exits, so `init` must come before anything else in `main`. The guard it returns joins, at the
//! end of `main`, every child not joined yet — as multiprocessing does at exit — so no child is
//! left running or unreaped; no child outlives its parent either, whatever ends the parent.
//!
//! Targets are plain functions named with [`target!`], which registers them so that a spawned
//! process can find them by name; their arguments (a tuple) and results travel serialized
//! (serde), over ipc-channel.
//!
//! # Where things are
//!
//! The modules form layers; each uses only those above it in this list:
//!
//! | module | holds |
//! |---|---|
//! | `error` | [`Error`]: what failed, as a sentence |
//! | `target` | [`target!`]'s registry: how a fresh process finds a function by name |
//! | `protocol` | the messages between a parent, its children and the fork server |
//! | `state` | [`StartMethod`], the per-process state, a record per child: wait, poll, kill |
//! | [`launch`] | the start methods: fork, spawn, the fork server; how a child begins and ends |
//! | [`forkserver`] | the fork server's loop |
//! | `pool` | [`ProcessPoolExecutor`]: workers, dispatcher, futures, callbacks |
//! | `lock` | [`Lock`]: `flock` on a tracked file |
//! | `process` | [`Process`], [`current_process`], [`init`]: the top, where a child starts its job |
//! | [`floor`] | the bare OS cost of a process, for §2's comparison |
#![deny(clippy::unwrap_used)]

mod error;
pub mod floor;
pub mod forkserver;
pub mod launch;
mod lock;
mod pool;
mod process;
mod protocol;
mod state;
mod target;

pub use error::{Error, Result};
pub use lock::{Lock, LockGuard};
pub use pool::{Future, PoolError, ProcessPoolExecutor};
pub use process::{
    CurrentProcess, MainGuard, Process, START_METHOD_ENV, active_children, cpu_count,
    current_process, get_start_method, init, set_start_method,
};
pub use protocol::decode;
pub use state::StartMethod;
pub use target::{Callable, Target, Wire};

/// Names a function as a process target or pool task, and registers it so that a spawned
/// process can find it by name: `Process::new(target!(task), (arg,))`.
///
/// The function takes zero to four arguments (passed as a tuple) that are serializable, as is
/// its result.
#[macro_export]
macro_rules! target {
    ($f:path) => {{
        const NAME: &str = concat!(module_path!(), "::", stringify!($f));
        $crate::__private::inventory::submit! {
            $crate::__private::Entry {
                name: NAME,
                run: |job| $crate::__private::run_entry(job, $f),
            }
        }
        $crate::Target::new(NAME, |args| $crate::Callable::call($f, args))
    }};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::target::{Entry, Job, run_entry};
    pub use inventory;
}
