//! show's layout on fixtures of our own: two columns that fit the width, CJK characters two
//! columns wide, long lines wrapped in their column; stacked on request, when too narrow and
//! when stdout is no terminal.

use std::time::Duration;

use harness::{Spec, Status};
use xtask::columns::width;
use xtask::render::{Layout, lay_out_show};

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn page(layout: Layout) -> String {
    let header = lines("§0 示例 — what the program shows.");
    let left = lines(
        "import threading\n\
         print(\"这是一行很长的中文注释，用来看宽字符在窄列里怎样换行，再多写几个字\")\n\
         \tindented by a tab",
    );
    let right = lines(
        "fn main() {\n    println!(\"线程\");\n    let a_rather_long_name_that_will_need_to_wrap_inside_its_column = 1;\n}",
    );
    lay_out_show(
        "§0 示例 — s00-fixture",
        &header,
        ("the notes, §0 block 1", &left),
        ("examples-x/src/bin/s00-fixture.rs", &right),
        &lines("Python: …\nRust:   …"),
        layout,
    )
}

#[test]
fn two_columns_fit_the_width_with_cjk_counted_twice() {
    let text = page(Layout::Columns(100));
    for line in text.lines() {
        assert!(width(line) <= 100, "{} columns: {line:?}", width(line));
    }
    // The snippet's first line beside the program's, on one row.
    let row = text
        .lines()
        .find(|l| l.starts_with("import threading"))
        .expect("the snippet's first line");
    assert!(row.contains(" │ fn main() {"), "{text}");
    // The long Chinese line wraps inside the left column; every row's gutter sits in the same
    // terminal column, whatever the characters before it.
    assert!(text.lines().any(|l| l.starts_with("↳ ")), "{text}");
    let gutters: Vec<usize> = text
        .lines()
        .filter_map(|l| l.find(" │ ").map(|at| width(&l[..at])))
        .collect();
    assert!(gutters.len() >= 5, "{text}");
    assert!(
        gutters.windows(2).all(|w| w[0] == w[1]),
        "{gutters:?}\n{text}"
    );
    // A tab is expanded, not passed to the terminal.
    assert!(!text.contains('\t'));
    assert!(text.contains("    indented by a tab"), "{text}");
    // The header sits above the columns, the commands below.
    let header_at = text.find("what the program shows").expect("header");
    let first_row = text.find("import threading").expect("snippet");
    assert!(header_at < first_row);
    assert!(text.trim_end().ends_with("Rust:   …"), "{text}");
}

#[test]
fn stacked_puts_one_after_the_other() {
    let text = page(Layout::Stacked(60));
    assert!(!text.contains(" │ "), "{text}");
    let notes_at = text
        .find("── the notes, §0 block 1 ──")
        .expect("notes heading");
    let program_at = text
        .find("── examples-x/src/bin/s00-fixture.rs ──")
        .expect("program heading");
    assert!(notes_at < program_at);
    for line in text.lines() {
        assert!(width(line) <= 60, "{} columns: {line:?}", width(line));
    }
}

#[test]
fn narrow_terminals_and_pipes_get_the_stacked_layout() {
    assert_eq!(Layout::choose(Some(160), false), Layout::Columns(160));
    assert_eq!(Layout::choose(Some(99), false), Layout::Stacked(99));
    assert_eq!(Layout::choose(Some(160), true), Layout::Stacked(160));
    assert_eq!(Layout::choose(None, false), Layout::Stacked(100));
}

/// Notes of our own in which §5 has two code blocks, so that s05-lock resolves.
fn fixture_notes() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("a fixture file");
    std::fs::write(
        file.path(),
        "# Fixture\n\n## 5 锁\n\n```python\nprint(\"fixture block one\")\n```\n\n\
         ```python\nprint(\"fixture block two\")\n```\n",
    )
    .expect("write the fixture");
    file
}

fn xtask() -> Spec {
    Spec::new(env!("CARGO_BIN_EXE_xtask")).timeout(Duration::from_secs(60))
}

#[test]
fn show_reads_the_notes_it_is_pointed_at() {
    let notes = fixture_notes();
    // stdout is a pipe here: stacked, unless a width is asked for.
    let out = xtask()
        .args(["show", "s05-lock", "--notes"])
        .arg(notes.path())
        .run_ok();
    assert!(
        out.stdout.starts_with("§5 锁 — s05-lock\n"),
        "{}",
        out.report()
    );
    assert!(
        out.stdout.contains("── the notes, §5 block 1 (python) ──"),
        "{}",
        out.report()
    );
    assert!(out.stdout.contains("fixture block one"), "{}", out.report());
    assert!(
        !out.stdout.contains("fixture block two"),
        "{}",
        out.report()
    );
    assert!(
        out.stdout
            .contains("── examples-threads/src/bin/s05-lock.rs ──")
    );
    assert!(out.stdout.contains("cargo xtask compare s05-lock"));

    let wide = xtask()
        .args(["show", "s05-lock", "--width", "160", "--notes"])
        .arg(notes.path())
        .run_ok();
    assert!(
        wide.stdout
            .lines()
            .any(|l| l.starts_with("print(\"fixture block one\")") && l.contains(" │ ")),
        "{}",
        wide.report()
    );
}

#[test]
fn missing_notes_and_unknown_names_are_one_line_and_exit_2() {
    let out = xtask()
        .args(["show", "s05-lock", "--notes", "/nonexistent/module3.md"])
        .run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.report());
    assert!(
        out.stderr
            .contains("cannot read the notes --notes /nonexistent/module3.md"),
        "{}",
        out.report()
    );

    let out = xtask().args(["show", "s05-lokc"]).run();
    assert_eq!(out.status, Status::Exited(2), "{}", out.report());
    assert!(
        out.stderr.contains("the closest: s05-lock"),
        "{}",
        out.report()
    );
}
