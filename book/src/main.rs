//! `cargo xtask book`: builds the companion's pages into `target/book/` (see the library's
//! documentation for what a page holds). Run it through xtask, which builds the examples first:
//! `cargo xtask book`, then open `target/book/index.html`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use book::gather::{self, Pictures, Sources};
use book::render::Links;
use book::runs::{self, Recorded, Settings};
use book::{browser, site};
use lexopt::prelude::*;

const HELP: &str = "\
book: the companion as static pages — the notes beside the Rust, both outputs beneath

usage: book [OPTIONS]        (run it as `cargo xtask book`, which builds the examples first)

  --out DIR           where the pages go (default: target/book)
  --target DIR        the target directory whose debug/ holds the examples (default: target)
  --notes PATH        your copy of the notes (default: $MODULE3_NOTES, else
                      ../shared/notes/module3.md beside the repository)
  --time-scale X      the time scale of every run (default: 0.05)
  --jobs N            examples run at once (default: 3)
  --no-run            run nothing: the pages show the programs and the notes only
  --check-browser     then open every page in headless Chromium at 1400 and 800 px and check
                      the layout; screenshots of the §9.5 page go to --shots
  --shots DIR         where the screenshots go (default: target/book-shots)
  -h, --help          this text
";

struct Args {
    out: PathBuf,
    target: PathBuf,
    notes: Option<PathBuf>,
    scale: f64,
    jobs: usize,
    run: bool,
    check_browser: bool,
    shots: PathBuf,
}

fn parse_args() -> Result<Option<Args>, String> {
    let root = xtask::workspace::root();
    let mut args = Args {
        out: root.join("target/book"),
        target: root.join("target"),
        notes: None,
        scale: 0.05,
        jobs: 3,
        run: true,
        check_browser: false,
        shots: root.join("target/book-shots"),
    };
    let mut parser = lexopt::Parser::from_env();
    let text = |parser: &mut lexopt::Parser, option: &str| -> Result<String, String> {
        let value = parser.value().map_err(|e| e.to_string())?;
        value
            .into_string()
            .map_err(|v| format!("{option} {}: not valid UTF-8", v.to_string_lossy()))
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(None);
            }
            Long("out") => args.out = PathBuf::from(text(&mut parser, "--out")?),
            Long("target") => args.target = PathBuf::from(text(&mut parser, "--target")?),
            Long("notes") => args.notes = Some(PathBuf::from(text(&mut parser, "--notes")?)),
            Long("shots") => args.shots = PathBuf::from(text(&mut parser, "--shots")?),
            Long("time-scale") => {
                let value = text(&mut parser, "--time-scale")?;
                args.scale = pace::parse(&value).ok_or_else(|| {
                    format!("--time-scale {value}: not a time scale (a number from 0 to 1000)")
                })?;
            }
            Long("jobs") => {
                let value = text(&mut parser, "--jobs")?;
                args.jobs = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| format!("--jobs {value}: not a number from 1 to 64"))?;
            }
            Long("no-run") => args.run = false,
            Long("check-browser") => args.check_browser = true,
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    pace::init();
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("book: {e} (see --help)");
            return ExitCode::from(2);
        }
    };
    match build(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("book: {e}");
            ExitCode::from(2)
        }
    }
}

/// Builds the book; `Ok(false)` when an example or the browser check failed.
fn build(args: &Args) -> Result<bool, String> {
    let started = Instant::now();
    let root = xtask::workspace::root();
    let notes = xtask::notes::Notes::load(args.notes.as_deref()).map_err(|e| e.to_string());
    if let Err(hint) = &notes {
        println!("book: {hint}; the pages will show the Rust side only");
    }
    let python = python3();
    let mut made_with = Vec::new();
    match &notes {
        Ok(notes) => made_with.push(format!(
            "The notes were read from {}.",
            notes.path.display()
        )),
        Err(_) => made_with.push("The notes were not found: only the Rust side is shown.".into()),
    }
    let recorded = if args.run {
        made_with.push(format!(
            "Every example ran at time scale {} (EXAMPLES_TIME_SCALE): its sleeps, and the snippets' time.sleep, last {} times as long as the notes'.",
            args.scale, args.scale
        ));
        match &python {
            Some((_, version)) => made_with.push(format!(
                "Each snippet ran with {version} beside its program, as `cargo xtask compare` runs it."
            )),
            None => made_with.push(
                "python3 was not found: only the Rust side ran (install Python 3 to see both).".into(),
            ),
        }
        xtask::runall::handle_signals().map_err(|e| format!("cannot handle signals: {e}"))?;
        let settings = Settings {
            scale: args.scale,
            target: args.target.clone(),
            python: python.as_ref().map(|(path, _)| path.clone()),
            jobs: args.jobs,
        };
        let examples = xtask::catalog::in_notes_order();
        println!(
            "book: running {} examples and their snippets…",
            examples.len()
        );
        runs::run_all(
            notes.as_ref().ok(),
            &examples,
            &settings,
            xtask::runall::cancel_flag(),
            &|line| println!("  {line}"),
        )
    } else {
        made_with.push("Nothing was run (--no-run): the pages show the programs only.".into());
        Recorded::none()
    };
    if xtask::runall::cancel_flag().load(std::sync::atomic::Ordering::SeqCst) {
        return Err("interrupted; the book was not written".into());
    }
    let pictures = Pictures {
        bench: args.target.join("bench"),
        timelines: args.target.join("timeline"),
    };
    let sources = Sources {
        notes: notes.as_ref().map_err(Clone::clone),
        catalog: xtask::catalog::CATALOG,
        not_programs: xtask::catalog::NOT_PROGRAMS,
        repository: &root,
        runs: &recorded,
        pictures: &pictures,
        made_with,
    };
    let book = gather::book(&sources);
    remove_old_pages(&args.out)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let links = Links {
        repository: relative_root(&args.out, &root),
    };
    let pages = site::write(&book, &args.out, &links).map_err(|e| e.to_string())?;
    println!(
        "book: wrote {} pages into {} in {:.1} s — open {}",
        pages.len(),
        args.out.display(),
        started.elapsed().as_secs_f64(),
        args.out.join("index.html").display()
    );
    let failures = recorded.failures();
    for failure in &failures {
        println!("book: FAILED {failure}");
    }
    let mut ok = failures.is_empty();
    if args.check_browser {
        ok &= check_browser(args)?;
    }
    Ok(ok)
}

/// `python3` and its version, when it can be started.
fn python3() -> Option<(PathBuf, String)> {
    let path = PathBuf::from("python3");
    let output = std::process::Command::new(&path)
        .arg("--version")
        .output()
        .ok()?;
    output.status.success().then(|| {
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        (path, version)
    })
}

/// Removes the pages of an earlier build, so that a section gone from the notes leaves no page.
fn remove_old_pages(out: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "html") {
            std::fs::remove_file(&path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The repository's root as seen from `out` (`../../` for `target/book`), when `out` is inside.
fn relative_root(out: &Path, root: &Path) -> Option<String> {
    let out = std::fs::canonicalize(out).ok()?;
    let root = std::fs::canonicalize(root).ok()?;
    let inside = out.strip_prefix(&root).ok()?;
    Some("../".repeat(inside.components().count()))
}

/// The browser check: every page at both widths; screenshots of the §9.5 page.
fn check_browser(args: &Args) -> Result<bool, String> {
    let Some(chromium) = browser::chromium() else {
        return Err(format!(
            "the browser check needs Chromium and CJK fonts: {}",
            browser::INSTALL
        ));
    };
    let started = Instant::now();
    let layouts = browser::check(&chromium, &args.out)?;
    let problems: Vec<String> = layouts.iter().flat_map(browser::Layout::problems).collect();
    let pairs: usize = layouts.iter().map(|l| l.pairs.len()).sum();
    for problem in &problems {
        println!("browser: {problem}");
    }
    let page = args.out.join(format!("{}.html", gather::slug("9.5")));
    for width in [browser::WIDE, browser::NARROW] {
        let shot = args.shots.join(format!("s09-5-{width}.png"));
        browser::screenshot(&chromium, &page, width, 2400, &shot)?;
        println!("browser: screenshot {}", shot.display());
    }
    println!(
        "browser: {} page loads, {pairs} column pairs measured, {} problems, in {:.1} s",
        layouts.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(problems.is_empty())
}
