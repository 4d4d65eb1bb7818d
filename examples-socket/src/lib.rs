//! Machinery §11's socket programs share — the parts Python's `socket` module and a little care
//! give the snippets.
//!
//! - [`protocol`]: the snippet's protocol — what a message is, the reply, `Q` — and turning the
//!   bytes of a read into text;
//! - [`server`]: what both servers need beyond the snippet: listening on a port with a clear error,
//!   counting connections, stopping on Ctrl-C or SIGTERM;
//! - [`client`]: the client's connection and its `input(">>>")`;
//! - [`log`](mod@log): the servers' output — a bounded queue to one writer thread, so that
//!   printing never makes a connection (or the stop) wait;
//! - [`cli`]: `--port N`, and [`Failure`](cli::Failure), the one-line error `main` returns.
#![deny(clippy::unwrap_used)]

pub mod cli;
pub mod client;
pub mod log;
pub mod protocol;
pub mod server;
