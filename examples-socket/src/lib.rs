//! Machinery §11's socket programs share — the parts Python's `socket` module and a little care
//! give the snippets. Lower layers first; each uses only those above it:
//!
//! - [`protocol`]: the snippet's protocol — what a message is, the reply, `Q` — turning the bytes
//!   of a read into text, with a limit on a message's size, and a message shortened for the log;
//! - [`log`](mod@log): the servers' output — a bounded queue to one writer thread, so that
//!   printing never makes a connection (or the stop) wait;
//! - [`cli`]: the command lines (`--port`, the servers' limits, the client's `--timeout`,
//!   `--help`), with their errors as one line (`pace::Report`, what `main` returns);
//! - [`server`]: what both servers need beyond the snippet, behind `Server::start` and
//!   `Server::admit`: the limits, the open connections, stopping on Ctrl-C or SIGTERM;
//! - [`client`]: the client's server — its timeout and its errors — and its `input(">>>")`.
#![deny(clippy::unwrap_used)]

pub mod cli;
pub mod client;
pub mod log;
pub mod protocol;
pub mod server;
