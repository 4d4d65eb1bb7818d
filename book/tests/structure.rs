//! The book's structure, built from a small notes fixture of the project's own and a small
//! catalog, then parsed as HTML: every section has its page, every program appears once on its
//! section's page with its source and an output, every code block of the notes stands on the
//! left, every link resolves, and nothing refers outside the book's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use book::gather::{self, Pictures, Runs, Sources};
use book::model::{Line, Mark, Outputs, RunOutput};
use book::render::Links;
use xtask::catalog::{Example, NotAProgram, Pairing, Python, Run, Snippet};
use xtask::notes::Notes;

const fn example(name: &'static str, section: &'static str, snippet: Snippet) -> Example {
    Example {
        name,
        package: "pkg",
        section,
        summary: "a fixture",
        run: Run::Plain,
        paced_secs: 0,
        alone: false,
        extends: None,
        pairing: Pairing {
            snippet,
            shared: None,
            python: Python::AsWritten,
            files: &[],
            input: None,
            pids: false,
            declared: &[],
        },
    }
}

static CATALOG: [Example; 4] = [
    example(
        "s01-first",
        "§1 Starting things",
        Snippet::Block {
            section: "1",
            ordinal: 1,
        },
    ),
    Example {
        extends: Some("s01-first"),
        ..example(
            "s01-first-more",
            "§1 Starting things",
            Snippet::Block {
                section: "1",
                ordinal: 1,
            },
        )
    },
    example(
        "s01-second",
        "§1 Starting things",
        Snippet::Block {
            section: "1",
            ordinal: 2,
        },
    ),
    example(
        "s02-passage",
        "§2 A passage",
        Snippet::Passage { section: "2" },
    ),
];

static NOT_PROGRAMS: [NotAProgram; 1] = [NotAProgram {
    section: "2.1",
    ordinal: 1,
    why: "a list in a fence",
}];

/// Every example printed a line naming itself; the first block was compared with Python.
struct Printed;

impl Runs for Printed {
    fn outputs(&self, example: &Example) -> Outputs {
        let line = |mark| Line {
            text: format!("OUTPUT-{}", example.name),
            mark,
        };
        if example.name == "s01-first" {
            Outputs::Compared {
                python_command: "cargo xtask compare s01-first".into(),
                python: RunOutput {
                    lines: vec![line(Mark::Matched)],
                    failure: None,
                },
                rust: RunOutput {
                    lines: vec![line(Mark::Matched)],
                    failure: None,
                },
                verdict: "s01-first  ok".into(),
                passed: true,
            }
        } else {
            Outputs::RustOnly {
                reason: "a fixture".into(),
                rust: RunOutput {
                    lines: vec![line(Mark::Plain)],
                    failure: None,
                },
            }
        }
    }

    fn output(&self, example: &Example) -> Option<RunOutput> {
        Some(RunOutput {
            lines: vec![Line {
                text: format!("OUTPUT-{}", example.name),
                mark: Mark::Extra,
            }],
            failure: None,
        })
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Builds the book from the fixtures into a fresh directory; `(dir, pages by file name)`.
fn build(
    notes: Result<&Notes, String>,
    links: &Links,
) -> (tempfile::TempDir, BTreeMap<String, String>) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let pictures = Pictures {
        bench: out.path().join("no-bench"),
        timelines: out.path().join("no-timeline"),
    };
    let repository = fixtures().join("repo");
    let sources = Sources {
        notes,
        catalog: &CATALOG,
        not_programs: &NOT_PROGRAMS,
        repository: &repository,
        runs: &Printed,
        pictures: &pictures,
        made_with: vec!["a fixture".into()],
    };
    let book = gather::book(&sources);
    let written = book::site::write(&book, out.path(), links).expect("the book is written");
    let pages = written
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let html = std::fs::read_to_string(path).expect("a page");
            (name, html)
        })
        .collect();
    (out, pages)
}

fn notes() -> Notes {
    let path = fixtures().join("notes.md");
    let text = std::fs::read_to_string(&path).expect("the fixture notes");
    Notes::parse(path, text)
}

/// The values of attribute `attribute` of the elements matching `selector`.
fn attributes(html: &str, selector: &str, attribute: &str) -> Vec<String> {
    let dom = tl::parse(html, tl::ParserOptions::default()).expect("the page parses as HTML");
    let parser = dom.parser();
    dom.query_selector(selector)
        .map(|found| {
            found
                .filter_map(|handle| handle.get(parser)?.as_tag()?.attributes().get(attribute)?)
                .map(|value| value.as_utf8_str().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The HTML of the elements matching `selector` (one simple selector: tl has no combinators).
fn inner(html: &str, selector: &str) -> Vec<String> {
    let dom = tl::parse(html, tl::ParserOptions::default()).expect("the page parses as HTML");
    let parser = dom.parser();
    dom.query_selector(selector)
        .map(|found| {
            found
                .filter_map(|handle| handle.get(parser))
                .map(|node| node.inner_html(parser).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The text of the elements matching `selector`.
fn texts(html: &str, selector: &str) -> Vec<String> {
    let dom = tl::parse(html, tl::ParserOptions::default()).expect("the page parses as HTML");
    let parser = dom.parser();
    dom.query_selector(selector)
        .map(|found| {
            found
                .filter_map(|handle| handle.get(parser))
                .map(|node| decode(&node.inner_text(parser)))
                .collect()
        })
        .unwrap_or_default()
}

/// Text with HTML's character references decoded (tl leaves them).
fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn every_section_has_its_page_and_every_program_appears_once_with_source_and_output() {
    let notes = notes();
    let (_out, pages) = build(Ok(&notes), &Links { repository: None });
    let names: Vec<&str> = pages.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["index.html", "s01.html", "s02-1.html", "s02.html"],
        "one page per numbered section, and the index"
    );
    for example in &CATALOG {
        let page_name = format!("{}.html", gather::slug(&example.section[2..3]));
        let mut seen = 0;
        for (name, html) in &pages {
            let ids = attributes(html, ".program", "id");
            let here = ids.iter().filter(|id| *id == example.name).count();
            seen += here;
            if here > 0 {
                assert_eq!(name, &page_name, "{} is on the wrong page", example.name);
                let sources = texts(html, "pre.source");
                assert!(
                    sources
                        .iter()
                        .any(|s| s.contains(&format!("MARKER-{}", example.name))),
                    "{}: its source is not on its page",
                    example.name
                );
                let outputs: Vec<String> = inner(html, "figure.output")
                    .iter()
                    .flat_map(|output| texts(output, ".ln"))
                    .collect();
                assert!(
                    outputs.contains(&format!("OUTPUT-{}", example.name)),
                    "{}: no output on its page: {outputs:?}",
                    example.name
                );
            }
        }
        assert_eq!(seen, 1, "{} appears {seen} times", example.name);
    }
}

#[test]
fn every_code_block_of_the_notes_stands_on_the_left() {
    let notes = notes();
    let (_out, pages) = build(Ok(&notes), &Links { repository: None });
    for block in notes.blocks() {
        let page = &pages[&format!("{}.html", gather::slug(&block.section))];
        let snippets: Vec<String> = inner(page, "div.notes")
            .iter()
            .flat_map(|notes| texts(notes, "pre.snippet"))
            .collect();
        let code = block.code.trim();
        assert!(
            snippets.iter().any(|s| s.contains(code)),
            "{} is not on the left of its page: {snippets:?}",
            block.locator()
        );
    }
    // The not-a-program block says why; the passage's program stands beside its words.
    assert!(pages["s02-1.html"].contains("a list in a fence"));
    let passage: Vec<String> = inner(&pages["s02.html"], "section.passage")
        .iter()
        .flat_map(|passage| texts(passage, "div.notes"))
        .collect();
    assert!(
        passage.iter().any(|t| t.contains("Only words here")),
        "{passage:?}"
    );
}

#[test]
fn every_link_resolves_and_nothing_refers_outside_the_book() {
    let notes = notes();
    let (out, pages) = build(Ok(&notes), &Links { repository: None });
    for (name, html) in &pages {
        let mut local = attributes(html, "link", "href");
        local.extend(attributes(html, "img", "src"));
        local.extend(attributes(html, "script", "src"));
        local.extend(
            attributes(html, "a", "href")
                .into_iter()
                .filter(|href| !href.starts_with("https://example.invalid/")),
        );
        for href in local {
            assert!(
                !href.contains("://") && !href.starts_with('/') && !href.starts_with(".."),
                "{name} refers outside the book: {href}"
            );
            let file = href.split('#').next().unwrap_or("");
            assert!(
                out.path().join(file).is_file(),
                "{name} links to {href}, which is not in the book"
            );
        }
        // The notes' remote picture is a link, never loaded.
        assert!(
            attributes(html, "img", "src")
                .iter()
                .all(|s| !s.contains("example.invalid"))
        );
    }
    // The navigation lists every page, in the notes' order, on every page.
    let nav: Vec<String> = inner(&pages["s01.html"], "nav.sidebar")
        .iter()
        .flat_map(|nav| attributes(nav, "a", "href"))
        .collect();
    assert_eq!(nav, ["index.html", "s01.html", "s02.html", "s02-1.html"]);
}

#[test]
fn links_to_the_programs_files_lead_into_the_repository() {
    let notes = notes();
    let (_out, pages) = build(
        Ok(&notes),
        &Links {
            repository: Some("../../".into()),
        },
    );
    let files = attributes(&pages["s01.html"], "a.file", "href");
    assert_eq!(
        files,
        [
            "../../pkg/src/bin/s01-first.rs",
            "../../pkg/src/bin/s01-first-more.rs",
            "../../pkg/src/bin/s01-second.rs"
        ]
    );
}

#[test]
fn without_the_notes_the_rust_side_is_built_with_a_note_on_top() {
    let (_out, pages) = build(
        Err("point at your copy with --notes PATH".into()),
        &Links { repository: None },
    );
    assert!(pages.contains_key("s01.html") && pages.contains_key("s02.html"));
    for (name, html) in &pages {
        assert!(
            html.contains("point at your copy with --notes PATH"),
            "{name} lacks the note"
        );
    }
    let ids = attributes(&pages["s01.html"], ".program", "id");
    assert_eq!(ids, ["s01-first", "s01-first-more", "s01-second"]);
}
