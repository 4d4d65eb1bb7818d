//! Sharing and exchanging data between processes, built for real: what §9.2 and §9.3 of the
//! notes stand on.
//!
//! Processes share no memory: a child changing a global changes its own copy. Python's
//! `multiprocessing` offers ways around that, and Rust's standard library has none of them. This
//! library provides them on the process layer of [`examples_processes`] (`Process`, start
//! methods, the process pool), with real shared memory and real channels between processes:
//!
//! - [`Value`] and [`Array`] — numbers and characters in POSIX shared memory (the
//!   `shared_memory` crate), for Python's type codes `'i'` (`i32`), `'c'` ([`CChar`]) and `'u'`
//!   (`char`); each with its own process-shared lock, a `flock`. See [`shared`].
//! - [`Manager`] — a server process that holds a dict, a list, a lock, an RLock; the proxies
//!   ([`DictProxy`], [`ListProxy`], [`LockProxy`], [`RLockProxy`]) send it requests over a Unix
//!   socket and can go to any child or pool worker. See [`manager`].
//! - [`Queue`] and [`QueueSender`] — many producers in any processes, one consumer; `get` with a timeout. See
//!   [`queue`] for exactly what it supports.
//! - [`pipe()`] — a duplex pair of [`Connection`]s with `send` and `recv`.
//! - [`PyValue`] — Python's simple values (None, bool, int, float, str, list, dict) in one enum
//!   that prints as Python prints them, for a dict with mixed keys or a pipe that carries a list
//!   one way and an int the other.
//!
//! Faults are errors, never hangs: a proxy call to a dead manager server, a `get` on a queue
//! whose producers are all gone (killed or not), a `recv` on a pipe whose other end is gone.
//!
//! As for every program on the process layer, `main` starts with
//! `let _main = examples_processes::init(); // if __name__ == '__main__':` — the manager's
//! server and the pool workers are this same executable started again. The start method of the
//! children is the layer's: fork unless the program sets another, or
//! `EXAMPLES_START_METHOD` names another (how the tests run each snippet under all three).
//!
//! Bytes from another process are untrusted: every decoder of this crate checks what it reads
//! (lengths against the mapping, names, tags) and returns an error, never a panic.
#![deny(clippy::unwrap_used)]

mod error;
pub mod manager;
pub mod pipe;
mod pyvalue;
pub mod queue;
pub mod shared;
mod wire;

pub use error::{Error, Result};
pub use manager::{DictProxy, ListProxy, LockProxy, ManagedGuard, Manager, RLockProxy};
pub use pipe::{Connection, pipe};
pub use pyvalue::{PyDict, PyList, PyValue};
pub use queue::{Queue, QueueSender};
pub use shared::{Array, CChar, CType, Value};
