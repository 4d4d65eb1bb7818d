//! Machinery the thread examples share — and that the async examples and the benchmarks reuse.
//!
//! - [`download`]: the download workload of §3 (下载视频) without the internet: a local HTTP
//!   server that serves "videos" after a delay, and a blocking client.
//! - [`accumulate`]: the CPU-bound workload of §3 (累加计算): a long range summed one addition
//!   at a time, whole or in parts on threads.
//! - [`thread_safety`]: §4's unsynchronized counter, which Rust refuses to compile — kept as
//!   `compile_fail` doctests that check the compiler's error code.
//! - [`named_lock`]: a lock that knows who holds it and waits with a timeout, to report a
//!   deadlock (§6) while it happens.
//! - [`pool`]: a fixed thread pool whose `submit` returns a future with `result()` and
//!   `add_done_callback` — Python's `ThreadPoolExecutor` (§7).
#![deny(clippy::unwrap_used)]

pub mod accumulate;
pub mod download;
pub mod named_lock;
pub mod pool;
pub mod thread_safety;
