//! The project's tasks, in plain Rust (rust-analyzer's xtask convention).
//!
//! The modules, in layers (each uses only those above it):
//!
//! - [`catalog`]: every example program — the single source of truth — with the part of the
//!   notes it mirrors;
//! - [`workspace`]: where things are, and the README table generated from the catalog;
//! - [`notes`]: the reader's copy of the notes, found and parsed at run time (never stored);
//! - [`pairing`]: the catalog's examples resolved against the notes, and the completeness check;
//! - [`runall`]: `cargo xtask run-all`.
#![deny(clippy::unwrap_used)]

pub mod catalog;
pub mod notes;
pub mod pairing;
pub mod runall;
pub mod workspace;
