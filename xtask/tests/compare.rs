//! compare on fixtures of our own: Markdown "notes" with small Python blocks, and shell scripts
//! standing in for the Rust programs in a fake target directory. One pair agrees, one differs
//! undeclared (the verdict fails), one differs as declared; the time scale reaches the snippet's
//! spawned children.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use xtask::catalog::{CATALOG, Declared, Example, Pairing, Snippet};
use xtask::compare::{self, Mark, Options, Verdict};
use xtask::notes::Notes;

const NOTES: &str = "\
# Fixture

## 1 Printing

```python
import time
print(\"hello\")
time.sleep(0.5)
print(\"bye\", 42)
```

## 2 Sleeping children

```python
import multiprocessing
import time


def child():
    started = time.monotonic()
    time.sleep(100)
    print(\"the child slept briefly:\", time.monotonic() - started < 50)


if __name__ == '__main__':
    multiprocessing.set_start_method(\"spawn\")
    p = multiprocessing.Process(target=child)
    p.start()
    p.join()
    print(\"parent at\", hex(id(p)))
```
";

const BASE: Example = CATALOG[0];

const fn fixture(
    name: &'static str,
    section: &'static str,
    declared: &'static [Declared],
) -> Example {
    Example {
        name,
        package: "examples-test",
        section: "§1 Printing",
        extends: None,
        paced_secs: 0,
        pairing: Pairing {
            snippet: Snippet::Block {
                section,
                ordinal: 1,
            },
            shared: None,
            declared,
            pids: false,
            input: None,
            files: &[],
            ..BASE.pairing
        },
        ..BASE
    }
}

static AGREES: Example = fixture("s01-agrees", "1", &[]);
static DIFFERS: Example = fixture("s01-differs", "1", &[]);
static DECLARED: Example = fixture(
    "s01-declares",
    "1",
    &[Declared::Lines {
        containing: "bye",
        why: "the fixture says goodbye differently",
    }],
);
static SPAWNS: Example = fixture("s02-spawns", "2", &[]);

/// A fake target directory whose `debug/` holds these scripts as "programs".
fn target(scripts: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary target directory");
    std::fs::create_dir(dir.path().join("debug")).expect("debug/");
    for (name, body) in scripts {
        let path = dir.path().join("debug").join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write a script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

fn notes() -> Notes {
    Notes::parse(PathBuf::from("fixture.md"), NOTES.to_string())
}

fn options(target: &tempfile::TempDir, scale: f64) -> Options {
    Options {
        scale,
        python: PathBuf::from("python3"),
        target: target.path().to_path_buf(),
    }
}

#[test]
fn a_program_that_prints_every_line_agrees_and_one_that_does_not_differs() {
    let target = target(&[
        (
            "s01-agrees",
            "echo hello; echo 'a line of its own'; echo 'bye 42'",
        ),
        ("s01-differs", "echo hello; echo 'bye 41'"),
        ("s01-declares", "echo hello"),
    ]);
    let notes = notes();
    let options = options(&target, 0.01);
    let cancel = AtomicBool::new(false);

    let agrees = compare::compare(&notes, &AGREES, &options, &cancel);
    assert_eq!(
        agrees.verdict,
        Verdict::Agrees {
            found: 2,
            declared: 0
        },
        "{agrees:#?}"
    );
    assert!(agrees.verdict.passes());
    assert_eq!(
        agrees.rust_lines[1].matched, None,
        "the extra line is Rust's own"
    );

    let differs = compare::compare(&notes, &DIFFERS, &options, &cancel);
    assert_eq!(
        differs.verdict,
        Verdict::Differs {
            missing: 1,
            total: 2
        },
        "{differs:#?}"
    );
    assert!(!differs.verdict.passes());
    assert_eq!(differs.python_lines[1].text, "bye 42");
    assert_eq!(differs.python_lines[1].mark, Mark::Missing);
    let shown = xtask::render::comparison(&differs, xtask::render::Layout::Columns(100));
    assert!(shown.contains("✗ bye 42"), "{shown}");
    assert!(shown.contains("DIFFERS"), "{shown}");

    let declared = compare::compare(&notes, &DECLARED, &options, &cancel);
    assert_eq!(
        declared.verdict,
        Verdict::Agrees {
            found: 1,
            declared: 1
        },
        "{declared:#?}"
    );
    assert_eq!(
        declared.python_lines[1].mark,
        Mark::Declared("the fixture says goodbye differently")
    );
}

#[test]
fn spawned_children_sleep_at_the_time_scale_and_addresses_are_normalized() {
    // At scale 1 the child would sleep 100 s, past the timeout; at 0.001, a tenth of a second.
    let target = target(&[(
        "s02-spawns",
        "echo 'the child slept briefly: True'; echo 'parent at 0x7ffee0001234'",
    )]);
    let comparison = compare::compare(
        &notes(),
        &SPAWNS,
        &options(&target, 0.001),
        &AtomicBool::new(false),
    );
    let python = comparison.python.as_ref().expect("python ran");
    assert_eq!(
        comparison.verdict,
        Verdict::Agrees {
            found: 2,
            declared: 0
        },
        "{}",
        python.output
    );
    assert_eq!(comparison.python_lines[1].text, "parent at 0x<addr1>");
}
