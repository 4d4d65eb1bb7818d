//! Machinery the coroutine examples (§10) share.
//!
//! - [`fetch`]: the download of §3 as `async fn`s, for tasks on a tokio runtime — an HTTP GET on
//!   hyper's client, Python's `aiohttp` (the thread examples use `ureq`, Python's `requests`).
//! - [`threads`]: the OS threads a process has right now (Linux: `/proc/PID/task`), to show how
//!   many threads a piece of concurrency really costs.
#![deny(clippy::unwrap_used)]

pub mod fetch;
pub mod threads;
