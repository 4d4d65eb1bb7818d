//! The reader of the notes: the reader's own `module3.md`, found and parsed at run time.
//!
//! The project never contains the notes' text. [`locate`] finds the reader's copy (`--notes
//! PATH`, else `MODULE3_NOTES`, else `../shared/notes/module3.md` beside the repository), and
//! [`Notes::parse`] reads it with a real Markdown parser (pulldown-cmark): fenced code blocks with
//! backticks or tildes, fences indented inside list items, indented code blocks, headings with a
//! section number (`### 9.1 案例`) and without (`### 案例：…`, the title).
//!
//! A [`Section`] starts at a numbered heading and runs to the next heading of the same or a
//! higher level that starts another section. A heading without a number inside a numbered
//! section (a deeper level) is one of its [`Section::subheadings`] and its code blocks count
//! within that section, so `§11`'s block 2 is the second block after `## 11 …`, whatever
//! sub-heading it stands under. A heading without a number anywhere else (the document's title)
//! starts a section without a number.
//!
//! Every [`CodeBlock`] keeps its section, its ordinal within the section (1-based), its fence,
//! its info string, its code as the parser gives it (the list item's indentation removed) and
//! its byte ranges in the source — of the block itself and of the prose before it — so that a
//! renderer (the book) can show the reader's own Markdown beside each program.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::workspace;

/// The environment variable that names the reader's copy of the notes.
pub const ENV: &str = "MODULE3_NOTES";

/// Where the notes sit in this workspace, relative to the repository root.
pub const BESIDE_THE_REPOSITORY: &str = "../shared/notes/module3.md";

/// The notes, read and parsed.
#[derive(Debug, Clone)]
pub struct Notes {
    /// Where they were read from.
    pub path: PathBuf,
    /// Their Markdown source, as read (kept in memory only, never written into the project).
    pub source: String,
    /// Their sections, in order.
    pub sections: Vec<Section>,
}

/// A section of the notes: a numbered heading and what follows it up to the next section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `Some("9.1")` for `### 9.1 案例`; `None` for a heading without a number.
    pub number: Option<String>,
    /// The heading's text as written, number included: `9.1 案例`.
    pub heading: String,
    /// The heading's level: 1 for `#`, 2 for `##`, …
    pub level: u8,
    /// Headings without a number inside the section, in order.
    pub subheadings: Vec<Subheading>,
    /// The section's code blocks, in order.
    pub blocks: Vec<CodeBlock>,
    /// The section's source: from its heading to the start of the next section.
    pub range: Range<usize>,
    /// The source of its heading line.
    pub heading_range: Range<usize>,
}

/// A heading without a number inside a numbered section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subheading {
    /// Its text.
    pub text: String,
    /// Its level.
    pub level: u8,
    /// Its source.
    pub range: Range<usize>,
}

/// How a code block is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fence {
    /// ```` ``` ````
    Backticks,
    /// `~~~`
    Tildes,
    /// Indented by four spaces, no fence.
    Indented,
}

/// A code block of the notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The number of its section (`"9.1"`), or the heading of a section without one.
    pub section: String,
    /// Its place among the section's code blocks, from 1.
    pub ordinal: usize,
    /// The heading without a number it stands under, if any (`案例：多线程socket服务端`).
    pub subheading: Option<String>,
    /// How it is delimited.
    pub fence: Fence,
    /// The info string after the opening fence (`python`), possibly empty.
    pub info: String,
    /// The code, as the parser gives it: a list item's indentation removed, ending with a line
    /// end.
    pub code: String,
    /// The source of the whole block, fences included.
    pub range: Range<usize>,
    /// The source of the Markdown before it: from the end of the previous code block of the
    /// section (or the end of the section's heading) to the start of this block.
    pub prose: Range<usize>,
}

impl CodeBlock {
    /// `§9.1 block 3`.
    pub fn locator(&self) -> String {
        format!("{} block {}", section_label(&self.section), self.ordinal)
    }
}

impl Section {
    /// `§9.1`, or the heading of a section without a number.
    pub fn label(&self) -> String {
        match &self.number {
            Some(number) => format!("§{number}"),
            None => self.heading.clone(),
        }
    }

    /// The key its blocks carry in [`CodeBlock::section`]: the number, else the heading.
    pub fn key(&self) -> &str {
        self.number.as_deref().unwrap_or(&self.heading)
    }

    /// Its code block `ordinal` (from 1).
    pub fn block(&self, ordinal: usize) -> Option<&CodeBlock> {
        ordinal.checked_sub(1).and_then(|i| self.blocks.get(i))
    }
}

/// `§9.1` for a section number, the text itself for a heading.
pub fn section_label(key: &str) -> String {
    if key.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("§{key}")
    } else {
        key.to_string()
    }
}

/// Why the notes could not be had.
#[derive(Debug)]
pub enum NotesError {
    /// No copy was named and none sits beside the repository.
    NotFound,
    /// The named copy could not be read.
    Unreadable {
        /// The path tried.
        path: PathBuf,
        /// Where the path came from: `--notes` or `MODULE3_NOTES`.
        from: &'static str,
        /// What went wrong.
        error: std::io::Error,
    },
}

impl fmt::Display for NotesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotesError::NotFound => write!(
                f,
                "cannot find the notes (module3.md): point at your copy with --notes PATH or \
                 {ENV}=PATH (looked for {BESIDE_THE_REPOSITORY} beside the repository)"
            ),
            NotesError::Unreadable { path, from, error } => {
                write!(
                    f,
                    "cannot read the notes {from} {}: {error}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for NotesError {}

/// The reader's copy of the notes: `explicit` (from `--notes`), else `$MODULE3_NOTES`, else
/// [`BESIDE_THE_REPOSITORY`] when it exists. The path is returned, not checked further.
pub fn locate(explicit: Option<&Path>) -> Result<(PathBuf, &'static str), NotesError> {
    if let Some(path) = explicit {
        return Ok((path.to_path_buf(), "--notes"));
    }
    if let Some(path) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
        return Ok((PathBuf::from(path), ENV));
    }
    let beside = workspace::root().join(BESIDE_THE_REPOSITORY);
    if beside.is_file() {
        return Ok((beside, "beside the repository"));
    }
    Err(NotesError::NotFound)
}

impl Notes {
    /// Finds the notes as [`locate`] does and reads them.
    pub fn load(explicit: Option<&Path>) -> Result<Notes, NotesError> {
        let (path, from) = locate(explicit)?;
        let source = std::fs::read_to_string(&path).map_err(|error| NotesError::Unreadable {
            path: path.clone(),
            from,
            error,
        })?;
        Ok(Notes::parse(path, source))
    }

    /// Parses Markdown `source` (read from `path`).
    pub fn parse(path: PathBuf, source: String) -> Notes {
        let sections = parse_sections(&source);
        Notes {
            path,
            source,
            sections,
        }
    }

    /// The section numbered `number` (`"9.1"`).
    pub fn section(&self, number: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.number.as_deref() == Some(number))
    }

    /// Code block `ordinal` (from 1) of section `number`.
    pub fn block(&self, number: &str, ordinal: usize) -> Option<&CodeBlock> {
        self.section(number)?.block(ordinal)
    }

    /// Every code block, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &CodeBlock> {
        self.sections.iter().flat_map(|s| s.blocks.iter())
    }

    /// The source text of `range`.
    pub fn text(&self, range: &Range<usize>) -> &str {
        self.source.get(range.clone()).unwrap_or("")
    }
}

/// The number a heading starts with: `9.1 案例` → `9.1`; `模块3`, `案例：…` → none.
pub fn heading_number(heading: &str) -> Option<String> {
    let trimmed = heading.trim_start();
    let end = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let number = trimmed[..end].trim_end_matches('.');
    let rest = &trimmed[end..];
    let well_formed = !number.is_empty()
        && number.split('.').all(|part| !part.is_empty())
        && (rest.is_empty() || rest.starts_with(char::is_whitespace));
    well_formed.then(|| number.to_string())
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn fence_of(source: &str, range: &Range<usize>, kind: &CodeBlockKind<'_>) -> Fence {
    if matches!(kind, CodeBlockKind::Indented) {
        return Fence::Indented;
    }
    let start = source.get(range.clone()).unwrap_or("").trim_start();
    if start.starts_with('~') {
        Fence::Tildes
    } else {
        Fence::Backticks
    }
}

fn parse_sections(source: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut code: Option<(CodeBlockKind<'static>, Range<usize>, String)> = None;
    let mut subheading: Option<String> = None;
    let mut prose_start = 0;

    let parser = Parser::new_ext(source, Options::empty()).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level_number(level), range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start, text)) = heading.take() else {
                    continue;
                };
                let text = text.trim().to_string();
                let number = heading_number(&text);
                let inside = sections
                    .last()
                    .is_some_and(|s| s.number.is_some() && level > s.level);
                if number.is_none() && inside {
                    if let Some(section) = sections.last_mut() {
                        section.subheadings.push(Subheading {
                            text: text.clone(),
                            level,
                            range: start..range.end,
                        });
                    }
                    subheading = Some(text);
                } else {
                    if let Some(previous) = sections.last_mut() {
                        previous.range.end = start;
                    }
                    sections.push(Section {
                        number,
                        heading: text,
                        level,
                        subheadings: Vec::new(),
                        blocks: Vec::new(),
                        range: start..source.len(),
                        heading_range: start..range.end,
                    });
                    subheading = None;
                    prose_start = range.end;
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                code = Some((kind.into_static(), range, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some((kind, block_range, text)) = code.take() else {
                    continue;
                };
                if sections.is_empty() {
                    // Code before any heading: a section without a heading holds it.
                    sections.push(Section {
                        number: None,
                        heading: String::new(),
                        level: 0,
                        subheadings: Vec::new(),
                        blocks: Vec::new(),
                        range: 0..source.len(),
                        heading_range: 0..0,
                    });
                }
                let Some(section) = sections.last_mut() else {
                    continue;
                };
                let info = match &kind {
                    CodeBlockKind::Fenced(info) => info.trim().to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let fence = fence_of(source, &block_range, &kind);
                let key = section.key().to_string();
                section.blocks.push(CodeBlock {
                    section: key,
                    ordinal: section.blocks.len() + 1,
                    subheading: subheading.clone(),
                    fence,
                    info,
                    code: text,
                    prose: prose_start.min(block_range.start)..block_range.start,
                    range: block_range.clone(),
                });
                prose_start = block_range.end;
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, buffer)) = code.as_mut() {
                    buffer.push_str(&text);
                } else if let Some((_, _, buffer)) = heading.as_mut() {
                    buffer.push_str(&text);
                }
            }
            _ => {}
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_numbers() {
        assert_eq!(heading_number("9.1 案例").as_deref(), Some("9.1"));
        assert_eq!(heading_number("11 总结").as_deref(), Some("11"));
        assert_eq!(heading_number("2. Two").as_deref(), Some("2"));
        assert_eq!(heading_number("模块3"), None);
        assert_eq!(heading_number("案例：多线程socket服务端"), None);
        assert_eq!(heading_number("3D printing"), None);
        assert_eq!(heading_number("1..2 x"), None);
    }
}
