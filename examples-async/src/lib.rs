//! Machinery the coroutine examples (§10) share.
//!
//! - [`fetch`]: the download workload of §3 as an `async fn`, for tasks on a tokio runtime — the
//!   protocol half of `examples_threads::download`, reused, with tokio's sockets underneath.
//! - [`threads`]: the OS threads a process has right now (Linux: `/proc/PID/task`), to show how
//!   many threads a piece of concurrency really costs.
#![deny(clippy::unwrap_used)]

pub mod fetch;
pub mod threads;
