//! `cargo xtask book`: the companion as a static web site, read offline in a browser.
//!
//! One page per section of the reader's notes, in their order. On a page, for every code block
//! of the section: the notes' prose and snippet on the left, the Rust program that mirrors it on
//! the right (its `//!` header as prose, its body highlighted), and beneath them what each side
//! printed, the Python's lines marked found or missing in the Rust output. The notes are the
//! reader's: they are read at build time from their copy and never stored in the project.
//!
//! The modules, from the bottom up:
//!
//! - [`model`] — what a page holds, as data: sections, blocks, programs, marked output lines,
//!   figures. Everything below renders it; [`gather`] fills it.
//! - [`highlight`] — Python and Rust as HTML with CSS classes (syntect), one stylesheet for
//!   light and one for dark.
//! - [`markdown`] — the notes' prose and the programs' headers as HTML (pulldown-cmark), with
//!   raw HTML escaped and remote images turned into links, so that nothing loads from elsewhere.
//! - [`render`] — the pages themselves: the navigation, the two columns, the outputs.
//! - [`site`] — writes the pages, the stylesheet and the figures into the output directory.
//! - [`gather`] — pairs the notes' blocks with the catalog's programs and the runs' outputs, page
//!   by page, using the catalog and the notes reader of the `xtask` library.
//! - [`runs`] — runs every example, and its snippet with `python3` beside it, as
//!   `cargo xtask compare` does.
//! - [`browser`] — the check in a real browser: headless Chromium loads every page, and the two
//!   columns of each pair sit side by side at 1400 px and stack at 800 px.
#![deny(clippy::unwrap_used)]

pub mod browser;
pub mod gather;
pub mod highlight;
pub mod markdown;
pub mod model;
pub mod render;
pub mod runs;
pub mod site;
