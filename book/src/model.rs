//! What the book holds, as plain data: [`gather`](crate::gather) fills it, [`render`] draws it.
//!
//! The text of the notes enters only here, at build time, from the reader's copy: a [`Page`]
//! carries the prose and the snippets of one section as the reader's Markdown has them.
//!
//! [`render`]: crate::render

use std::path::PathBuf;

/// The whole book.
#[derive(Debug, Clone)]
pub struct Book {
    /// The book's title, on every page.
    pub title: String,
    /// Where the notes came from, or why they are missing.
    pub notes: NotesSource,
    /// What the introduction page says about how the book was made (the time scale, whether
    /// `python3` was there), one sentence each.
    pub made_with: Vec<String>,
    /// The sections of the notes, in their order.
    pub pages: Vec<Page>,
}

/// The reader's notes, as the book found them.
#[derive(Debug, Clone)]
pub enum NotesSource {
    /// Read from this file.
    Found(PathBuf),
    /// Not found: the pages carry the Rust side only, and say how to point at the notes.
    Missing {
        /// One sentence: how to point the book at the notes.
        hint: String,
    },
}

/// One section of the notes: one page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The file name without `.html`: `s09-1`. Unique within the book.
    pub slug: String,
    /// The section's number as the notes write it, `9.1`.
    pub number: String,
    /// The heading's text after the number, `案例`.
    pub title: String,
    /// What the page shows, top to bottom.
    pub items: Vec<Item>,
}

impl Page {
    /// `§9.1 案例`.
    pub fn heading(&self) -> String {
        if self.title.is_empty() {
            format!("§{}", self.number)
        } else {
            format!("§{} {}", self.number, self.title)
        }
    }
}

/// One thing on a page.
#[derive(Debug, Clone)]
pub enum Item {
    /// Prose of the notes that no code block follows (Markdown, the reader's text).
    Prose(String),
    /// A code block of the notes, with the prose before it and what mirrors it.
    Block(Block),
    /// Programs that mirror no code block: a workload or a passage the notes only describe,
    /// shown beside that passage.
    Passage {
        /// The notes' prose the programs belong to (Markdown; empty when none is left).
        prose: String,
        /// The programs.
        programs: Vec<Program>,
    },
    /// A picture that belongs to the section: a chart of the bench, a timeline.
    Figure(Figure),
}

/// A code block of the notes and its counterpart.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its ordinal within the section, from 1: how the catalog and the programs name it.
    pub ordinal: usize,
    /// The notes' prose between the previous block (or the heading) and this one (Markdown).
    pub prose: String,
    /// The block's text, as the reader's notes have it.
    pub code: String,
    /// Its language, from the fence's info string (`python`), if any.
    pub lang: Option<String>,
    /// What mirrors it.
    pub role: Role,
}

/// What stands beside a code block.
#[derive(Debug, Clone)]
pub enum Role {
    /// Programs mirror it: the first is the snippet's own program, the others extend it.
    Programs {
        /// The programs, the snippet's own first.
        programs: Vec<Program>,
        /// What the snippet and its program printed.
        outputs: Outputs,
    },
    /// Not a program (a list of methods in a fence, prose in a fence…), with the reason.
    NotAProgram {
        /// Why no program mirrors it.
        reason: String,
    },
}

/// A Rust program of the project.
#[derive(Debug, Clone)]
pub struct Program {
    /// Its binary's name, `s05-lock`.
    pub name: String,
    /// Its file, relative to the repository's root: `examples-threads/src/bin/s05-lock.rs`.
    pub path: String,
    /// Its `//!` header without the markers (Markdown).
    pub header: String,
    /// The rest of the file: the code the reader compares with the snippet.
    pub body: String,
    /// The example it extends, for an extension.
    pub extends: Option<String>,
    /// The commands that run it.
    pub commands: Vec<String>,
    /// What it printed, when it is shown on its own (an extension, a passage's program).
    pub output: Option<RunOutput>,
    /// Its timeline picture, when one was recorded.
    pub timeline: Option<Figure>,
}

/// What a program or a snippet printed in one run.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The lines, as printed (stdout and stderr merged in order), normalized where the two
    /// sides are compared.
    pub lines: Vec<Line>,
    /// How the run ended, when not with status 0 (`exit 1`, `timed out`).
    pub failure: Option<String>,
}

/// One printed line, with what the comparison made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The text.
    pub text: String,
    /// Its mark.
    pub mark: Mark,
}

/// What the comparison of the two outputs says about a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Not compared.
    Plain,
    /// A Python line that the Rust output also prints; a Rust line that matches one.
    Matched,
    /// A Python line the Rust output lacks, and the catalog declares why.
    Declared(String),
    /// A Python line the Rust output lacks, with no declared reason: a failure.
    Missing,
    /// A Rust line that no Python line matches: the program explaining itself.
    Extra,
}

/// What a code block's two sides printed.
#[derive(Debug, Clone)]
pub enum Outputs {
    /// Both ran: the snippet with `python3`, the program, at the same time scale.
    Compared {
        /// The command that runs the snippet, for the reader to try.
        python_command: String,
        /// Python's output, each line marked found, declared or missing.
        python: RunOutput,
        /// Rust's output, each line marked matched or extra.
        rust: RunOutput,
        /// One line: the comparison's verdict.
        verdict: String,
        /// Did it pass: every Python line found or declared?
        passed: bool,
    },
    /// Only the Rust side ran.
    RustOnly {
        /// Why the snippet did not run (a fragment, no `python3` here, a server run forever…).
        reason: String,
        /// Rust's output.
        rust: RunOutput,
    },
    /// Neither ran (the book was built without running anything).
    NotRun {
        /// Why.
        reason: String,
    },
}

/// A picture of the section.
#[derive(Debug, Clone)]
pub struct Figure {
    /// What it shows, one line.
    pub caption: String,
    /// Where it is, or how to make it.
    pub source: FigureSource,
}

/// Where a figure comes from.
#[derive(Debug, Clone)]
pub enum FigureSource {
    /// An SVG file made by the bench or the timeline, copied into the book.
    File(PathBuf),
    /// Not made yet: the command that makes it.
    Missing {
        /// The command, `cargo xtask bench`.
        command: String,
    },
}
