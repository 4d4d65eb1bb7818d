//! The pairing: which code block of the notes each example mirrors, resolved against the
//! reader's copy.
//!
//! The catalog names a block by its section and ordinal ([`Snippet::Block`]), or says that an
//! example mirrors a passage without code ([`Snippet::Passage`]); an extension claims the block
//! of the program it extends. [`check`] finds everything that does not hold: a locator that does
//! not resolve, a code block nobody claims that is not listed in [`NOT_PROGRAMS`], two examples
//! claiming one block without a reason. [`resolve`] gives what `show`, `compare` and the book
//! put beside a program.

use std::collections::BTreeMap;

use crate::catalog::{self, CATALOG, Content, Example, NOT_PROGRAMS, NotAProgram, Snippet};
use crate::notes::{CodeBlock, Notes, Section};

/// The pairing an example gets: its own, or — for an extension that names none — that of the
/// program it extends.
pub fn snippet_of(example: &Example) -> Snippet {
    match (
        example.pairing.snippet,
        example.extends.and_then(catalog::find),
    ) {
        (Snippet::Unpaired, Some(extended)) => extended.pairing.snippet,
        (snippet, _) => snippet,
    }
}

/// How an example's snippet runs beside it: its own pairing, or — for an extension that names
/// none — that of the program it extends, whose snippet it shares (the files it needs, how
/// `python3` runs it, what is typed at its prompt).
pub fn pairing_of(example: &'static Example) -> &'static catalog::Pairing {
    match (
        example.pairing.snippet,
        example.extends.and_then(catalog::find),
    ) {
        (Snippet::Unpaired, Some(extended)) => &extended.pairing,
        _ => &example.pairing,
    }
}

/// An example's side of the notes, resolved.
#[derive(Debug, Clone, Copy)]
pub struct Paired<'n> {
    /// The example.
    pub example: &'static Example,
    /// Its section.
    pub section: &'n Section,
    /// The block it mirrors; `None` for a passage.
    pub block: Option<&'n CodeBlock>,
}

impl Paired<'_> {
    /// The heading of the example's part of the notes: `§11 总结 › 案例：多线程socket服务端`.
    pub fn heading(&self) -> String {
        let section = if self.section.number.is_some() {
            format!("§{}", self.section.heading)
        } else {
            self.section.heading.clone()
        };
        match self.block.and_then(|b| b.subheading.as_deref()) {
            Some(sub) => format!("{section} › {sub}"),
            None => section,
        }
    }

    /// The blocks of the same section that the example's working directory gets as files
    /// (`Content::Block`), with their file names.
    pub fn file_blocks(&self) -> Vec<(&'static str, &CodeBlock)> {
        pairing_of(self.example)
            .files
            .iter()
            .filter_map(|(name, content)| match content {
                Content::Block(n) => self.section.block(*n).map(|b| (*name, b)),
                Content::Text(_) => None,
            })
            .collect()
    }
}

/// Why an example's pairing does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// The catalog pairs it with nothing.
    Unpaired,
    /// No section has this number.
    NoSection(String),
    /// The section has fewer blocks.
    NoBlock {
        /// The section's number.
        section: String,
        /// The ordinal asked for.
        ordinal: usize,
        /// How many blocks it has.
        count: usize,
    },
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::Unpaired => write!(f, "the catalog pairs it with no part of the notes"),
            Unresolved::NoSection(section) => {
                write!(f, "the notes have no section numbered {section}")
            }
            Unresolved::NoBlock {
                section,
                ordinal,
                count,
            } => write!(
                f,
                "§{section} has {count} code block(s), not a block {ordinal}"
            ),
        }
    }
}

/// Finds `example`'s section and block in `notes`.
pub fn resolve<'n>(notes: &'n Notes, example: &'static Example) -> Result<Paired<'n>, Unresolved> {
    let (number, ordinal) = match snippet_of(example) {
        Snippet::Unpaired => return Err(Unresolved::Unpaired),
        Snippet::Block { section, ordinal } => (section, Some(ordinal)),
        Snippet::Passage { section } => (section, None),
    };
    let section = notes
        .section(number)
        .ok_or_else(|| Unresolved::NoSection(number.to_string()))?;
    let block = match ordinal {
        None => None,
        Some(ordinal) => Some(section.block(ordinal).ok_or(Unresolved::NoBlock {
            section: number.to_string(),
            ordinal,
            count: section.blocks.len(),
        })?),
    };
    Ok(Paired {
        example,
        section,
        block,
    })
}

/// Who claims a block: the examples that mirror it or use it as a file, and its not-a-program
/// declaration.
#[derive(Debug, Default, Clone)]
pub struct Claims {
    /// Examples that mirror it.
    pub examples: Vec<&'static Example>,
    /// Examples that write it as a file beside their snippet.
    pub as_file: Vec<&'static Example>,
    /// Its declaration as no program.
    pub not_a_program: Option<&'static NotAProgram>,
}

/// Every block's claims, by `(section, ordinal)`, for the examples and declarations given.
pub fn claims(
    examples: &'static [Example],
    not_programs: &'static [NotAProgram],
) -> BTreeMap<(String, usize), Claims> {
    let mut map: BTreeMap<(String, usize), Claims> = BTreeMap::new();
    for example in examples {
        if let Snippet::Block { section, ordinal } = snippet_of(example) {
            map.entry((section.to_string(), ordinal))
                .or_default()
                .examples
                .push(example);
            for (_, content) in example.pairing.files {
                if let Content::Block(n) = content {
                    map.entry((section.to_string(), *n))
                        .or_default()
                        .as_file
                        .push(example);
                }
            }
        }
    }
    for declared in not_programs {
        map.entry((declared.section.to_string(), declared.ordinal))
            .or_default()
            .not_a_program = Some(declared);
    }
    map
}

/// The claims on `block`: the examples that mirror it or write it as a file, and its
/// not-a-program declaration.
pub fn claims_on(block: &CodeBlock) -> Claims {
    claims(CATALOG, NOT_PROGRAMS)
        .remove(&(block.section.clone(), block.ordinal))
        .unwrap_or_default()
}

/// The examples that mirror `section` without a code block (a passage or a workload), in the
/// notes' order.
pub fn passage_examples(section: &Section) -> Vec<&'static Example> {
    catalog::in_notes_order()
        .into_iter()
        .filter(|e| {
            matches!(snippet_of(e), Snippet::Passage { section: number }
                if section.number.as_deref() == Some(number))
        })
        .collect()
}

/// Everything about the pairing of the catalog with `notes` that does not hold, one sentence
/// each; empty when every example resolves and every code block is claimed once or declared.
pub fn check(notes: &Notes) -> Vec<String> {
    check_with(notes, CATALOG, NOT_PROGRAMS)
}

/// [`check`] for any catalog (the tests use small ones).
pub fn check_with(
    notes: &Notes,
    examples: &'static [Example],
    not_programs: &'static [NotAProgram],
) -> Vec<String> {
    let mut problems = Vec::new();
    for example in examples {
        let snippet = snippet_of(example);
        if example.extends.is_some() && example.pairing.snippet != Snippet::Unpaired {
            problems.push(format!(
                "{}: an extension claims the block of the program it extends; name none",
                example.name
            ));
        }
        let number = match snippet {
            Snippet::Unpaired => {
                problems.push(format!(
                    "{}: {} (add .mirrors(SECTION, BLOCK) or .passage(SECTION) to its entry)",
                    example.name,
                    Unresolved::Unpaired
                ));
                continue;
            }
            Snippet::Block { section, .. } | Snippet::Passage { section } => section,
        };
        if !example.section.starts_with(&format!("§{number} ")) {
            problems.push(format!(
                "{}: paired with §{number}, but its section is {}",
                example.name, example.section
            ));
        }
        let paired = match resolve(notes, example) {
            Ok(paired) => paired,
            Err(unresolved) => {
                problems.push(format!("{}: {unresolved}", example.name));
                continue;
            }
        };
        for (name, content) in example.pairing.files {
            if let Content::Block(n) = content
                && paired.section.block(*n).is_none()
            {
                problems.push(format!(
                    "{}: its file {name} is §{number} block {n}, which does not exist",
                    example.name
                ));
            }
        }
        if paired.block.is_none() && example.pairing.python != catalog::Python::AsWritten {
            problems.push(format!(
                "{}: mirrors no code block, so it has no Python to run or complete",
                example.name
            ));
        }
    }

    let claimed = claims(examples, not_programs);
    for declared in not_programs {
        if notes.block(declared.section, declared.ordinal).is_none() {
            problems.push(format!(
                "NOT_PROGRAMS: §{} has no block {}",
                declared.section, declared.ordinal
            ));
        }
    }
    for block in notes.blocks() {
        let key = (block.section.clone(), block.ordinal);
        let claims = claimed.get(&key).cloned().unwrap_or_default();
        let names = |list: &[&Example]| list.iter().map(|e| e.name).collect::<Vec<_>>().join(", ");
        match (
            &claims.not_a_program,
            claims.examples.is_empty() && claims.as_file.is_empty(),
        ) {
            (None, true) => problems.push(format!(
                "{} ({} lines) is claimed by no example and not listed in NOT_PROGRAMS",
                block.locator(),
                block.code.lines().count()
            )),
            (Some(_), false) => problems.push(format!(
                "{} is listed in NOT_PROGRAMS but claimed by {}",
                block.locator(),
                names(&[claims.examples.clone(), claims.as_file.clone()].concat())
            )),
            _ => {}
        }
        let unexplained: Vec<&Example> = claims
            .examples
            .iter()
            .copied()
            .filter(|e| e.extends.is_none() && e.pairing.shared.is_none())
            .collect();
        if unexplained.len() > 1 {
            problems.push(format!(
                "{} is claimed by {} without saying why: give all but one .shares(REASON), or \
                 make them extensions",
                block.locator(),
                names(&unexplained)
            ));
        }
        if !claims.examples.is_empty() && !claims.as_file.is_empty() {
            problems.push(format!(
                "{} is both mirrored (by {}) and a file of {}",
                block.locator(),
                names(&claims.examples),
                names(&claims.as_file)
            ));
        }
    }
    problems
}
