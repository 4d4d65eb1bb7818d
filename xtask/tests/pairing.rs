//! The notes reader on small Markdown of our own, and the pairing of the catalog with the
//! reader's notes: every example resolves, every code block is claimed or declared.

use std::path::PathBuf;

use xtask::catalog::{CATALOG, Example, NotAProgram, Pairing, Snippet};
use xtask::notes::{Fence, Notes};
use xtask::pairing;

/// Markdown in the shape of the notes, in words of our own.
const FIXTURE: &str = "\
# Handbook

## 1 Basics

Some prose.

~~~python
print(\"tilde\")
~~~

### 1.1 More

```python
print(\"backtick\")
```

- an item

  ```python
  print(\"in a list\")
  ```

- another item

  ~~~
  text in a fence
  ~~~

#### An unnumbered heading

```python
print(\"under the unnumbered heading\")
```

## 2 Indented

    indented code

Closing prose.
";

fn fixture() -> Notes {
    Notes::parse(PathBuf::from("fixture.md"), FIXTURE.to_string())
}

#[test]
fn sections_follow_the_numbered_headings() {
    let notes = fixture();
    let labels: Vec<String> = notes.sections.iter().map(|s| s.label()).collect();
    assert_eq!(labels, ["Handbook", "§1", "§1.1", "§2"]);
    let more = notes.section("1.1").expect("§1.1");
    assert_eq!(more.heading, "1.1 More");
    assert_eq!(more.level, 3);
    assert_eq!(more.subheadings[0].level, 4);
    assert_eq!(more.subheadings.len(), 1);
    assert_eq!(more.subheadings[0].text, "An unnumbered heading");
    // A section's source runs from its heading to the next section's.
    assert!(notes.text(&more.range).starts_with("### 1.1 More"));
    assert!(notes.text(&more.range).ends_with("heading\")\n```\n\n"));
}

#[test]
fn blocks_with_either_fence_in_lists_and_indented() {
    let notes = fixture();
    let first = notes.block("1", 1).expect("§1 block 1");
    assert_eq!(first.fence, Fence::Tildes);
    assert_eq!(first.info, "python");
    assert_eq!(first.code, "print(\"tilde\")\n");
    assert!(notes.text(&first.prose).contains("Some prose."));

    let more = notes.section("1.1").expect("§1.1");
    let codes: Vec<&str> = more.blocks.iter().map(|b| b.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "print(\"backtick\")\n",
            // The list item's indentation is gone.
            "print(\"in a list\")\n",
            "text in a fence\n",
            "print(\"under the unnumbered heading\")\n",
        ]
    );
    assert_eq!(more.blocks[0].fence, Fence::Backticks);
    assert_eq!(more.blocks[1].fence, Fence::Backticks);
    assert_eq!(more.blocks[2].fence, Fence::Tildes);
    assert_eq!(more.blocks[2].info, "");
    assert_eq!(more.blocks[3].ordinal, 4);
    assert_eq!(more.blocks[3].section, "1.1");
    assert_eq!(
        more.blocks[3].subheading.as_deref(),
        Some("An unnumbered heading")
    );
    assert_eq!(more.blocks[3].locator(), "§1.1 block 4");
    // Each block's range is its source, fences included.
    assert!(
        notes
            .text(&more.blocks[1].range)
            .trim_start()
            .starts_with("```python")
    );

    let indented = notes.block("2", 1).expect("§2 block 1");
    assert_eq!(indented.fence, Fence::Indented);
    assert_eq!(indented.code, "indented code\n");
    assert_eq!(notes.block("2", 2), None);
}

const BASE: Example = CATALOG[0];

const fn paired(name: &'static str, section: &'static str, snippet: Snippet) -> Example {
    Example {
        name,
        section,
        extends: None,
        pairing: Pairing {
            snippet,
            shared: None,
            ..BASE.pairing
        },
        ..BASE
    }
}

static SMALL: [Example; 4] = [
    paired(
        "s01-one",
        "§1 Basics",
        Snippet::Block {
            section: "1",
            ordinal: 1,
        },
    ),
    paired(
        "s01-1-two",
        "§1.1 More",
        Snippet::Block {
            section: "1.1",
            ordinal: 1,
        },
    ),
    // Claims the same block as s01-1-two and does not say why.
    paired(
        "s01-1-again",
        "§1.1 More",
        Snippet::Block {
            section: "1.1",
            ordinal: 1,
        },
    ),
    // Its block does not exist.
    paired(
        "s01-1-ghost",
        "§1.1 More",
        Snippet::Block {
            section: "1.1",
            ordinal: 9,
        },
    ),
];

static DECLARED: [NotAProgram; 1] = [NotAProgram {
    section: "1.1",
    ordinal: 3,
    why: "text in a fence",
}];

#[test]
fn the_check_names_every_gap() {
    let problems = pairing::check_with(&fixture(), &SMALL, &DECLARED);
    let has = |needle: &str| problems.iter().any(|p| p.contains(needle));
    assert!(
        has("s01-1-ghost: §1.1 has 4 code block(s), not a block 9"),
        "{problems:#?}"
    );
    assert!(
        has("§1.1 block 1 is claimed by s01-1-two, s01-1-again without saying why"),
        "{problems:#?}"
    );
    assert!(
        has("§1.1 block 2 (1 lines) is claimed by no example"),
        "{problems:#?}"
    );
    assert!(
        has("§1.1 block 4 (1 lines) is claimed by no example"),
        "{problems:#?}"
    );
    assert!(
        has("§2 block 1 (1 lines) is claimed by no example"),
        "{problems:#?}"
    );
    // Claimed or declared: no complaint.
    assert!(!has("§1 block 1"), "{problems:#?}");
    assert!(!has("§1.1 block 3"), "{problems:#?}");
    assert_eq!(problems.len(), 5, "{problems:#?}");
}

/// The reader's notes: `MODULE3_NOTES`, else `../shared/notes/module3.md` beside the
/// repository. Without them the test has nothing to check: it says so, and fails in CI, where
/// the notes are always beside the clone.
fn real_notes() -> Option<Notes> {
    match Notes::load(None) {
        Ok(notes) => Some(notes),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn every_code_block_of_the_notes_is_paired_or_declared() {
    let Some(notes) = real_notes() else { return };
    assert!(
        notes.blocks().count() > 30,
        "{} holds only {} code blocks: is it module3.md?",
        notes.path.display(),
        notes.blocks().count()
    );
    let problems = pairing::check(&notes);
    assert!(
        problems.is_empty(),
        "the catalog's pairing with {} does not hold:\n{}",
        notes.path.display(),
        problems.join("\n")
    );
}

#[test]
fn each_block_and_passage_knows_its_programs() {
    let Some(notes) = real_notes() else { return };
    let five = notes.section("5").expect("§5");
    let claims = pairing::claims_on(&five.blocks[0]);
    assert_eq!(
        claims.examples.iter().map(|e| e.name).collect::<Vec<_>>(),
        ["s05-lock"]
    );
    assert!(claims.not_a_program.is_none());
    let ten = notes.section("10").expect("§10");
    assert!(pairing::claims_on(&ten.blocks[0]).not_a_program.is_some());
    let passages: Vec<&str> = pairing::passage_examples(ten)
        .iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(
        passages,
        [
            "s10-coroutine-switch",
            "s10-io-bound-async",
            "s10-executor-by-hand"
        ]
    );
}
