//! `show` and `compare` as text for a terminal: side by side in a given width, or stacked.
//!
//! The data come from [`pairing`] and [`compare`](crate::compare); this module only lays them
//! out, so that the book can lay out the same data as HTML.

use std::io;

use crate::catalog::{Example, Python, Run, Snippet};
use crate::columns::{self, side_by_side, split, zip_rows};
use crate::compare::{Comparison, Mark, Verdict};
use crate::notes::{CodeBlock, Notes};
use crate::pairing::{self, Paired};
use crate::workspace;

/// How to lay two columns out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Side by side in this many terminal columns.
    Columns(usize),
    /// One after the other, lines wrapped at this width.
    Stacked(usize),
}

/// The narrowest terminal that gets two columns by default.
pub const MIN_COLUMNS: usize = 100;

impl Layout {
    /// Columns when `width` (the terminal's, or asked for) is at least [`MIN_COLUMNS`] and no
    /// stacking was asked for; else stacked.
    pub fn choose(width: Option<usize>, stacked: bool) -> Layout {
        match width {
            Some(w) if !stacked && w >= MIN_COLUMNS => Layout::Columns(w),
            Some(w) => Layout::Stacked(w.max(20)),
            None => Layout::Stacked(MIN_COLUMNS),
        }
    }

    fn width(self) -> usize {
        match self {
            Layout::Columns(w) | Layout::Stacked(w) => w,
        }
    }
}

/// The left column of `show`: the notes' side — the block (after the blocks written as its
/// files), or for a passage the section's Markdown with the blocks other programs mirror left
/// out. Returns a title and the lines.
pub fn notes_side(notes: &Notes, paired: &Paired<'_>) -> (String, Vec<String>) {
    let lines =
        |block: &CodeBlock| -> Vec<String> { block.code.lines().map(str::to_string).collect() };
    match paired.block {
        Some(block) => {
            let mut out = Vec::new();
            for (file, module) in paired.file_blocks() {
                out.push(format!("# ── {file}: {} ──", module.locator()));
                out.extend(lines(module));
                out.push(String::new());
                out.push(format!("# ── {} ──", block.locator()));
            }
            out.extend(lines(block));
            let fence = if block.info.is_empty() {
                String::new()
            } else {
                format!(" ({})", block.info)
            };
            (format!("the notes, {}{fence}", block.locator()), out)
        }
        None => {
            let section = paired.section;
            let mut text = String::new();
            let mut from = section.heading_range.end;
            for block in &section.blocks {
                let claimed = crate::catalog::CATALOG.iter().find(|e| {
                    matches!(pairing::snippet_of(e), Snippet::Block { section, ordinal }
                        if section == block.section && ordinal == block.ordinal)
                });
                if let Some(other) = claimed {
                    text.push_str(notes.text(&(from..block.range.start)));
                    text.push_str(&format!(
                        "[{}: see `cargo xtask show {}`]\n",
                        block.locator(),
                        other.name
                    ));
                    from = block.range.end;
                }
            }
            text.push_str(notes.text(&(from..section.range.end)));
            let lines: Vec<String> = text
                .trim_matches('\n')
                .lines()
                .map(str::to_string)
                .collect();
            (
                format!(
                    "the notes, {} (no code block: the program shows what the text says)",
                    section.label()
                ),
                lines,
            )
        }
    }
}

/// The commands that run each side.
pub fn commands(example: &Example, paired: &Paired<'_>) -> Vec<String> {
    let python = match (paired.block, example.pairing.python) {
        (None, _) => "nothing to run: the notes have no code here".to_string(),
        (Some(_), Python::NotRunnable(why)) => format!("cannot run as written: {why}"),
        (Some(_), Python::Completed { .. }) => format!(
            "cargo xtask compare {}   (a fragment: runs with the project's completion, beside the program)",
            example.name
        ),
        (Some(_), Python::AsWritten) => format!(
            "cargo xtask compare {}   (runs it with python3, beside the program)",
            example.name
        ),
    };
    let mut rust = format!(
        "cargo run -p {} --bin {}   (or: cargo xtask run {})",
        example.package, example.name, example.name
    );
    match example.run {
        Run::Server { client, .. } => {
            rust.push_str(&format!(
                "; then, in another terminal: cargo xtask run {client}"
            ));
        }
        Run::Client { server, .. } => {
            rust = format!("cargo xtask run {server}; then, in another terminal: {rust}");
        }
        _ => {}
    }
    vec![format!("Python: {python}"), format!("Rust:   {rust}")]
}

/// `cargo xtask show`: the heading, the program's `//!` header, the snippet beside the program,
/// and the commands that run each side.
pub fn show(notes: &Notes, example: &'static Example, layout: Layout) -> io::Result<String> {
    let paired = pairing::resolve(notes, example).map_err(|e| {
        io::Error::other(format!(
            "{} cannot be shown beside the notes: {e}",
            example.name
        ))
    })?;
    let (header, body) = workspace::program_source(example)?;
    let (left_title, left) = notes_side(notes, &paired);
    let right_title = workspace::source_path(example);
    Ok(lay_out_show(
        &format!("{} — {}", paired.heading(), example.name),
        &header,
        (&left_title, &left),
        (&right_title, &body),
        &commands(example, &paired),
        layout,
    ))
}

/// The layout of `show`, from its parts (the tests use fixtures).
pub fn lay_out_show(
    title: &str,
    header: &[String],
    (left_title, left): (&str, &[String]),
    (right_title, right): (&str, &[String]),
    commands: &[String],
    layout: Layout,
) -> String {
    let width = layout.width();
    let mut out = Vec::new();
    out.push(title.to_string());
    out.push("═".repeat(columns::width(title).min(width)));
    out.extend(columns::wrapped(header, width));
    out.push(String::new());
    match layout {
        Layout::Columns(total) => {
            let mut left_all = vec![left_title.to_string()];
            left_all.extend_from_slice(left);
            let mut right_all = vec![right_title.to_string()];
            right_all.extend_from_slice(right);
            let (lw, rw) = split(total, &left_all, &right_all, 30);
            let rule = format!("{}─┼─{}", "─".repeat(lw), "─".repeat(rw));
            out.extend(side_by_side(
                &[(Some(left_title.to_string()), Some(right_title.to_string()))],
                lw,
                rw,
            ));
            out.push(rule.clone());
            out.extend(side_by_side(&zip_rows(left, right), lw, rw));
            out.push(rule);
        }
        Layout::Stacked(width) => {
            for (title, lines) in [(left_title, left), (right_title, right)] {
                out.push(format!("── {title} ──"));
                out.extend(columns::wrapped(lines, width));
                out.push(String::new());
            }
        }
    }
    out.extend(columns::wrapped(commands, width));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// A mark's sign in the left column of `compare`.
fn sign(mark: &Mark) -> &'static str {
    match mark {
        Mark::Found(_) => "✓",
        Mark::Declared(_) => "≈",
        Mark::Missing => "✗",
    }
}

/// `cargo xtask compare` for one example: the two outputs, normalized, side by side (or one
/// after the other), Python's lines marked found (✓), declared (≈) or missing (✗), then the
/// declarations that were used and the verdict line.
pub fn comparison(c: &Comparison, layout: Layout) -> String {
    let width = layout.width();
    let mut out = Vec::new();
    let title = format!("{} — {}", c.heading, c.example.name);
    out.push(title.clone());
    out.push("═".repeat(columns::width(&title).min(width)));
    if let Some(note) = &c.note {
        out.extend(columns::wrapped(std::slice::from_ref(note), width));
    }
    if let (Some(python), Some(rust)) = (&c.python, &c.rust) {
        let left_title = format!("python3 {} · {}", c.locator, python.summary());
        let right_title = format!("{} · {}", c.example.name, rust.summary());
        match layout {
            Layout::Columns(total) => {
                let marked: Vec<String> = c
                    .python_lines
                    .iter()
                    .map(|l| format!("{} {}", sign(&l.mark), l.text))
                    .collect();
                let mut left_all = marked.clone();
                left_all.push(left_title.clone());
                let mut right_all: Vec<String> = c
                    .rust_lines
                    .iter()
                    .map(|l| format!("✓ {}", l.text))
                    .collect();
                right_all.push(right_title.clone());
                let (lw, rw) = split(total, &left_all, &right_all, 30);
                let rule = format!("{}─┼─{}", "─".repeat(lw), "─".repeat(rw));
                out.extend(side_by_side(
                    &[(Some(left_title), Some(right_title))],
                    lw,
                    rw,
                ));
                out.push(rule.clone());
                let rows: Vec<(Option<String>, Option<String>)> = c
                    .rows
                    .iter()
                    .map(|(p, r)| {
                        (
                            p.map(|i| marked[i].clone()),
                            r.map(|j| {
                                let line = &c.rust_lines[j];
                                let tick = if line.matched.is_some() { "✓" } else { " " };
                                format!("{tick} {}", line.text)
                            }),
                        )
                    })
                    .collect();
                out.extend(side_by_side(&rows, lw, rw));
                out.push(rule);
            }
            Layout::Stacked(width) => {
                out.push(format!("── {left_title} ──"));
                for line in &c.python_lines {
                    out.extend(columns::wrap(
                        &format!("{} {}", sign(&line.mark), line.text),
                        width,
                    ));
                }
                out.push(format!("── {right_title} ──"));
                for line in &c.rust_lines {
                    let tick = if line.matched.is_some() { "✓" } else { " " };
                    out.extend(columns::wrap(&format!("{tick} {}", line.text), width));
                }
            }
        }
    } else if let Some(rust) = &c.rust {
        out.push(format!("── {} · {} ──", c.example.name, rust.summary()));
        for line in &c.rust_lines {
            out.extend(columns::wrap(&line.text, width));
        }
    }
    for (why, count) in c.declarations_used() {
        out.extend(columns::wrap(
            &format!("≈ {count} line(s) declared: {why}"),
            width,
        ));
    }
    out.push(verdict_line(c));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// One line: `s05-lock  ok: all 4 lines of §5 block 1 found`.
pub fn verdict_line(c: &Comparison) -> String {
    let (word, detail) = match &c.verdict {
        Verdict::Agrees { found, declared } => (
            "ok",
            if *found == 0 && *declared == 0 {
                format!("{} prints nothing, so nothing can be missing", c.locator)
            } else if *declared == 0 {
                format!("all {found} line(s) of {} found", c.locator)
            } else {
                format!(
                    "{found} line(s) of {} found, {declared} declared",
                    c.locator
                )
            },
        ),
        Verdict::Differs { missing, total } => (
            "DIFFERS",
            format!(
                "{missing} of {total} line(s) of {} missing from the Rust output, undeclared",
                c.locator
            ),
        ),
        Verdict::Reference { missing, total } => (
            "reference",
            format!(
                "an extension, compared with its snippet for reference ({missing} of {total} line(s) not printed)"
            ),
        ),
        Verdict::NothingToRun(why) => ("skipped", format!("nothing to compare: {why}")),
        Verdict::Failed(why) => ("FAILED", why.clone()),
    };
    format!("{}  {word}: {detail}", c.example.name)
}
