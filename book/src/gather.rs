//! From the notes, the catalog and the runs to the [`Book`]: which block goes on which page,
//! which program stands beside it, what each side printed, which pictures belong to the section.
//!
//! The pairing is the catalog's (`xtask::pairing`), resolved against the reader's copy of the
//! notes (`xtask::notes`). The outputs come from a [`Runs`]: the real one runs every example and
//! snippet as `cargo xtask compare` does ([`crate::runs`]); the tests give fixed ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use xtask::catalog::{Example, NotAProgram, Run, Snippet};
use xtask::notes::{CodeBlock, Notes};
use xtask::pairing::{self, Claims};

use crate::model::{
    Block, Book, Figure, FigureSource, Item, NotesSource, Outputs, Page, Program, Role, RunOutput,
};

/// What was printed, for the book: the real runs, or fixed ones in the tests.
pub trait Runs {
    /// What the snippet and `example`, the program that mirrors it, printed.
    fn outputs(&self, example: &Example) -> Outputs;
    /// What `example` printed on its own (an extension, a program of a passage).
    fn output(&self, example: &Example) -> Option<RunOutput>;
}

/// Where the pictures are.
#[derive(Debug, Clone)]
pub struct Pictures {
    /// The bench's output folder (`target/bench/`): `q1-start-cost.svg` …
    pub bench: PathBuf,
    /// The timelines' folder (`target/timeline/`): `s05-lock.svg` …
    pub timelines: PathBuf,
}

/// The bench's charts, by the section they belong to: the file's stem and a caption.
pub const CHARTS: &[(&str, &str, &str)] = &[
    (
        "2",
        "q1-start-cost",
        "Bench question 1: what starting and joining a thread, a process and a task costs",
    ),
    (
        "3",
        "q2-cpu-bound",
        "Bench question 2: the CPU-bound accumulation on threads and on processes",
    ),
    (
        "3",
        "q3-io-bound",
        "Bench question 3: the IO-bound downloads on threads and as async tasks",
    ),
    (
        "5",
        "q5-locks",
        "Bench question 5: an increment under each lock, alone and contended",
    ),
    (
        "7",
        "q4-too-many-threads",
        "Bench question 4: the same work on more threads than cores",
    ),
    (
        "9.3",
        "q6-channels",
        "Bench question 6: messages between threads and between processes",
    ),
    (
        "11",
        "q7-socket-servers",
        "Bench question 7: the thread-per-connection and the async server under load",
    ),
];

/// The book's title.
pub const TITLE: &str = "模块3 in Rust";

/// Everything the book is made from.
pub struct Sources<'a> {
    /// The reader's notes, or why they are missing.
    pub notes: Result<&'a Notes, String>,
    /// The examples.
    pub catalog: &'static [Example],
    /// The blocks that are no program.
    pub not_programs: &'static [NotAProgram],
    /// The repository's root: the programs' files are read from it.
    pub repository: &'a Path,
    /// What was printed.
    pub runs: &'a dyn Runs,
    /// Where the pictures are.
    pub pictures: &'a Pictures,
    /// What the introduction says about how the book was made.
    pub made_with: Vec<String>,
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("notes", &self.notes.as_ref().map(|n| &n.path))
            .field("repository", &self.repository)
            .field("pictures", &self.pictures)
            .finish_non_exhaustive()
    }
}

/// The book.
pub fn book(sources: &Sources<'_>) -> Book {
    let (notes, pages) = match &sources.notes {
        Ok(notes) => (
            NotesSource::Found(notes.path.clone()),
            pages_from_notes(notes, sources),
        ),
        Err(hint) => (
            NotesSource::Missing { hint: hint.clone() },
            pages_from_catalog(sources),
        ),
    };
    Book {
        title: TITLE.to_string(),
        notes,
        made_with: sources.made_with.clone(),
        pages,
    }
}

/// `s09-1` for `9.1`: the page's file name sorts as the examples' names do.
pub fn slug(number: &str) -> String {
    let mut parts = number.split('.');
    let first = parts.next().unwrap_or("");
    let mut slug = match first.parse::<u32>() {
        Ok(n) => format!("s{n:02}"),
        Err(_) => format!("s{first}"),
    };
    for part in parts {
        slug.push('-');
        slug.push_str(part);
    }
    slug
}

fn pages_from_notes(notes: &Notes, sources: &Sources<'_>) -> Vec<Page> {
    let claims = pairing::claims(sources.catalog, sources.not_programs);
    let mut pages = Vec::new();
    for section in &notes.sections {
        // The document's title is no section of its own; a section without a number and
        // without code has nothing to set beside it.
        let Some(number) = section.number.clone() else {
            continue;
        };
        let heading = section.heading.trim_start_matches(number.as_str()).trim();
        let mut items = Vec::new();
        let mut last_end = section.heading_range.end;
        for block in &section.blocks {
            let block_claims = claims
                .get(&(section.key().to_string(), block.ordinal))
                .cloned()
                .unwrap_or_default();
            items.push(Item::Block(block_item(
                notes,
                block,
                &block_claims,
                sources,
            )));
            last_end = block.range.end;
        }
        let trailing = notes
            .text(&(last_end..section.range.end))
            .trim()
            .to_string();
        let passage: Vec<Program> = sources
            .catalog
            .iter()
            .filter(|e| {
                matches!(pairing::snippet_of(e), Snippet::Passage { section: n } if n == number)
            })
            .map(|e| program(e, sources, true))
            .collect();
        if passage.is_empty() {
            if !trailing.is_empty() {
                items.push(Item::Prose(trailing));
            }
        } else {
            items.push(Item::Passage {
                prose: trailing,
                programs: passage,
            });
        }
        items.extend(charts(&number, sources.pictures));
        pages.push(Page {
            slug: slug(&number),
            number,
            title: heading.to_string(),
            items,
        });
    }
    pages
}

fn block_item(notes: &Notes, block: &CodeBlock, claims: &Claims, sources: &Sources<'_>) -> Block {
    let role = if !claims.examples.is_empty() {
        // The snippet's own program first, then its extensions, each in the catalog's order.
        let mut examples = claims.examples.clone();
        examples.sort_by_key(|e| e.extends.is_some());
        let main = examples[0];
        let programs = examples
            .iter()
            .map(|e| program(e, sources, e.extends.is_some() || !std::ptr::eq(*e, main)))
            .collect();
        Role::Programs {
            programs,
            outputs: sources.runs.outputs(main),
        }
    } else if let Some(declared) = claims.not_a_program {
        Role::NotAProgram {
            reason: declared.why.to_string(),
        }
    } else if !claims.as_file.is_empty() {
        let users: Vec<&str> = claims.as_file.iter().map(|e| e.name).collect();
        Role::NotAProgram {
            reason: format!(
                "a module that the next snippet imports: written as a file beside it when {} \
                 runs both sides",
                users.join(", ")
            ),
        }
    } else {
        Role::NotAProgram {
            reason: "no example claims this block (the pairing test says so)".to_string(),
        }
    };
    Block {
        ordinal: block.ordinal,
        prose: notes.text(&block.prose).to_string(),
        code: block.code.clone(),
        lang: Some(block.info.split_whitespace().next().unwrap_or(""))
            .filter(|l| !l.is_empty())
            .map(str::to_string),
        role,
    }
}

/// Without the notes: one page per section the catalog names, the Rust side only.
fn pages_from_catalog(sources: &Sources<'_>) -> Vec<Page> {
    let mut sections: BTreeMap<Vec<u32>, (String, String, Vec<&'static Example>)> = BTreeMap::new();
    for example in sources.catalog {
        let (number, title) = match example.section.trim_start_matches('§').split_once(' ') {
            Some((number, title)) => (number.to_string(), title.to_string()),
            None => (
                example.section.trim_start_matches('§').to_string(),
                String::new(),
            ),
        };
        let key: Vec<u32> = number.split('.').filter_map(|p| p.parse().ok()).collect();
        sections
            .entry(key)
            .or_insert_with(|| (number, title, Vec::new()))
            .2
            .push(example);
    }
    sections
        .into_values()
        .map(|(number, title, examples)| {
            let mut items: Vec<Item> = examples
                .iter()
                .filter(|e| e.extends.is_none())
                .map(|e| {
                    let mut programs = vec![program(e, sources, false)];
                    programs.extend(
                        examples
                            .iter()
                            .filter(|x| x.extends == Some(e.name))
                            .map(|x| program(x, sources, true)),
                    );
                    match pairing::snippet_of(e) {
                        Snippet::Block { ordinal, .. } => Item::Block(Block {
                            ordinal,
                            prose: String::new(),
                            code: String::new(),
                            lang: None,
                            role: Role::Programs {
                                programs,
                                outputs: sources.runs.outputs(e),
                            },
                        }),
                        _ => Item::Passage {
                            prose: String::new(),
                            programs: programs
                                .into_iter()
                                .map(|mut p| {
                                    p.output = p.output.or_else(|| sources.runs.output(e));
                                    p
                                })
                                .collect(),
                        },
                    }
                })
                .collect();
            items.extend(charts(&number, sources.pictures));
            Page {
                slug: slug(&number),
                number,
                title,
                items,
            }
        })
        .collect()
}

/// A program of the catalog, read from its file. `with_output`: it is shown with its own output
/// (an extension, a passage's program) rather than beside its snippet's.
fn program(example: &Example, sources: &Sources<'_>, with_output: bool) -> Program {
    let path = format!("{}/src/bin/{}.rs", example.package, example.name);
    let text = std::fs::read_to_string(sources.repository.join(&path))
        .unwrap_or_else(|e| format!("// cannot read {path}: {e}\n"));
    let (header, body) = split_header(&text);
    let timeline = sources
        .pictures
        .timelines
        .join(format!("{}.svg", example.name));
    Program {
        name: example.name.to_string(),
        path,
        header,
        body,
        extends: example.extends.map(str::to_string),
        commands: commands(example),
        output: if with_output {
            sources.runs.output(example)
        } else {
            None
        },
        timeline: timeline.is_file().then(|| Figure {
            caption: format!(
                "Who ran when in {}: every thread of every process, as the OS saw it \
                 (cargo xtask timeline {})",
                example.name, example.name
            ),
            source: FigureSource::File(timeline),
        }),
    }
}

/// A program's `//!` header (without the markers) and the rest of its file.
pub fn split_header(text: &str) -> (String, String) {
    let mut header = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.peek() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        header.push(rest.strip_prefix(' ').unwrap_or(rest));
        lines.next();
    }
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n");
    (header.join("\n"), format!("{}\n", body.trim_matches('\n')))
}

/// The commands that run an example (and its companion), for the reader to copy.
fn commands(example: &Example) -> Vec<String> {
    let run = format!("cargo run -p {} --bin {}", example.package, example.name);
    let mut commands = match example.run {
        Run::Server { client, .. } => vec![
            run,
            format!("cargo xtask run {client}   # in a second terminal"),
        ],
        Run::Client { server, .. } => vec![
            format!("cargo xtask run {server}   # first, in another terminal"),
            run,
        ],
        Run::Plain | Run::Args(_) | Run::Stdin(_) => vec![run],
    };
    if matches!(pairing::snippet_of(example), Snippet::Block { .. }) && example.extends.is_none() {
        commands.push(format!(
            "cargo xtask compare {}   # the snippet with python3 beside it",
            example.name
        ));
    }
    commands
}

fn charts(number: &str, pictures: &Pictures) -> Vec<Item> {
    CHARTS
        .iter()
        .filter(|(section, _, _)| *section == number)
        .map(|(_, stem, caption)| {
            let file = pictures.bench.join(format!("{stem}.svg"));
            Item::Figure(Figure {
                caption: (*caption).to_string(),
                source: if file.is_file() {
                    FigureSource::File(file)
                } else {
                    FigureSource::Missing {
                        command: "cargo xtask bench".to_string(),
                    }
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_sort_like_the_examples() {
        assert_eq!(slug("9.1"), "s09-1");
        assert_eq!(slug("11"), "s11");
        assert_eq!(slug("1"), "s01");
        assert_eq!(slug("11.3"), "s11-3");
    }

    #[test]
    fn the_header_is_split_from_the_body() {
        let (header, body) =
            split_header("//! §5 线程锁\n//!\n//! Run it.\n\nuse std::thread;\nfn main() {}\n");
        assert_eq!(header, "§5 线程锁\n\nRun it.");
        assert_eq!(body, "use std::thread;\nfn main() {}\n");
    }
}
