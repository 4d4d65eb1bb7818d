//! Machinery the thread examples share — and that the async examples and the benchmarks reuse.
//!
//! - [`download`]: the download workload of §3 (下载视频) without the internet: the videos, the
//!   network's delay, and a local video site (hyper) that serves them after it; the examples
//!   download with ordinary HTTP clients.
//! - [`accumulate`]: the CPU-bound workload of §3 (累加计算): a long range summed one addition
//!   at a time, whole or in parts on threads.
//! - [`thread_safety`]: §4's unsynchronized counter, which Rust refuses to compile — kept as
//!   `compile_fail` doctests that check the compiler's error code.
//! - [`named_lock`]: a lock that knows who holds it and waits with a timeout, to report a
//!   deadlock (§6) while it happens.
//! - [`pool`]: a fixed thread pool whose `submit` returns a future with `result()` and
//!   `add_done_callback` — Python's `ThreadPoolExecutor` (§7).
//! - [`latch`]: a count-down latch — threads count down without waiting, one waits for zero — to
//!   force a race (§8's extension) or hold tasks back (§7's).
//! - [`this_thread`]: the thread running, as a person reads it — its name and OS thread id.
#![deny(clippy::unwrap_used)]

pub mod accumulate;
pub mod download;
pub mod latch;
pub mod named_lock;
pub mod pool;
pub mod thread_safety;

/// The thread this runs on, as the examples print it: its name and its OS thread id —
/// `main（tid 4242）`. The id is the kernel's (Python's `threading.get_native_id()`), the number
/// `ps -L` and `/proc/PID/task` show; std's `ThreadId` has no number to print.
pub fn this_thread() -> String {
    let current = std::thread::current();
    let name = current.name().unwrap_or("无名线程");
    format!("{name}（tid {}）", nix::unistd::gettid())
}
