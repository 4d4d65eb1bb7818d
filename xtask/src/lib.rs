//! The project's tasks, in plain Rust (rust-analyzer's xtask convention).
//!
//! The modules, in layers (each uses only those above it):
//!
//! - [`catalog`]: every example program — the single source of truth — with the part of the
//!   notes it mirrors;
//! - [`workspace`]: where things are, and the README table generated from the catalog;
//! - [`notes`]: the reader's copy of the notes, found and parsed at run time (never stored);
//! - [`pairing`]: the catalog's examples resolved against the notes, and the completeness check;
//! - [`columns`]: text laid out in terminal columns (CJK characters take two), wrapped;
//! - [`runall`]: `cargo xtask run-all`, and the server/client pair runner it shares;
//! - [`compare`]: runs a snippet with `python3` beside its program, normalizes both outputs
//!   and matches them line by line — data, no terminal;
//! - [`render`]: `show` and `compare` as text for a terminal of a given width.
//! - [`timeline`]: `cargo xtask timeline NAME`, and run-all's `--timelines`.
#![deny(clippy::unwrap_used)]

pub mod catalog;
pub mod columns;
pub mod compare;
pub mod notes;
pub mod pairing;
pub mod render;
pub mod runall;
pub mod timeline;
pub mod workspace;
