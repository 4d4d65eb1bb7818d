//! The project's tasks, in plain Rust (rust-analyzer's xtask convention).
//!
//! - [`catalog`]: every example program — the single source of truth;
//! - [`workspace`]: where things are, and the README table generated from the catalog;
//! - [`runall`]: `cargo xtask run-all`;
//! - [`timeline`]: `cargo xtask timeline NAME`, and run-all's `--timelines`.
#![deny(clippy::unwrap_used)]

pub mod catalog;
pub mod runall;
pub mod timeline;
pub mod workspace;
