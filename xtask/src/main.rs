//! `cargo xtask`: list, run, show and compare the examples. See `cargo xtask help`.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Instant;

use lexopt::prelude::*;
use xtask::catalog::{self, Example};
use xtask::compare::{self, Comparison};
use xtask::notes::Notes;
use xtask::render::{self, Layout};
use xtask::runall::{self, Options, say};
use xtask::workspace;

const USAGE: &str = "\
cargo xtask <command> [--help]

  list                        the examples, in the order of the notes
  run NAME [-- ARGS…]         build and run one example by its binary name
  run-all [FILTER…]           build every example, run them all, print a summary
      --time-scale X          scale every sleep by X (default: $EXAMPLES_TIME_SCALE, else 1)
      --timelines             record every example's timeline into target/timeline/ (strace)
  show NAME                   the notes' snippet beside its program, in two columns
      --stacked               one after the other (the default when stdout is no terminal or
                              narrower than 100 columns)
  compare NAME… | --all       run the notes' Python (python3) and the Rust program, and show
                              line by line that the Rust prints what the Python prints
      --time-scale X          as for run-all
  readme [--check]            write the catalog's table into README.md (or check it is current)
  book                        the companion as web pages in target/book/: each section of the
                              notes beside its programs, both outputs, the charts (see --help)
      --check-browser         then check every page in headless Chromium (needs chromium)
  bench [--quick] [--only N]  measure the notes' claims (release build); tables and SVG charts go
                              to target/bench/ (--quick: a debug build and small sizes, for CI)
  timeline NAME [-- ARGS…]    run one example while recording every process and thread
                              (strace and the scheduler's counters): target/timeline/NAME.svg,
                              and NAME.trace.json for https://ui.perfetto.dev (see --help)
  mutants [FILE…]             mutation testing (cargo-mutants): would the tests notice if this
                              library code were wrong? Reports in target/mutants/ (see --help)
  help                        this text

show and compare read your copy of the notes: --notes PATH, else $MODULE3_NOTES, else
../shared/notes/module3.md beside the repository.
";

const LIST_HELP: &str = "\
cargo xtask list

Every example, in the order of the notes: its section, name, package and what it shows.
";

const RUN_HELP: &str = "\
cargo xtask run NAME [-- ARGS…]

Builds the examples as run-all does and runs the example NAME in this terminal, with ARGS.
  cargo xtask run s05-lock
  cargo xtask run s11-server -- --port 8002
";

const RUN_ALL_HELP: &str = "\
cargo xtask run-all [FILTER…] [--time-scale X]

Builds every example, runs them (those that measure time alone, afterwards), prints each one's
output and a summary. A FILTER keeps the examples whose names contain it.
  --time-scale X   scale every sleep by X, a number ≥ 0 (default: $EXAMPLES_TIME_SCALE, else 1)
  --timelines      record every example's timeline into target/timeline/ (needs strace)
Ctrl-C kills every running example with the processes it started, then prints the summary.
";

const SHOW_HELP: &str = "\
cargo xtask show NAME [--stacked] [--width N] [--notes PATH]

The section's heading, the program's header, then the notes' snippet beside the program in two
columns, and the commands that run each side.
  --stacked        one after the other (the default when stdout is no terminal or narrower than
                   100 columns)
  --width N        lay out for N columns instead of the terminal's width
  --notes PATH     your copy of the notes (default: $MODULE3_NOTES, else
                   ../shared/notes/module3.md beside the repository)
";

const COMPARE_HELP: &str = "\
cargo xtask compare NAME… | --all [--time-scale X] [--notes PATH] [--stacked] [--width N] [--jobs N]

Runs each example's snippet from your notes with python3 and the Rust program, each in a fresh
temporary directory, at the same time scale; shows both outputs side by side, normalized
(addresses, pids, thread ids, ports, temporary paths), each Python line marked found (✓),
declared in the catalog as a difference (≈) or missing (✗); then a verdict line per example.
Fails when a Python line is missing and undeclared. Needs python3.
  --all            every example
  --time-scale X   scale every sleep of both sides by X (default: $EXAMPLES_TIME_SCALE, else 1)
  --jobs N         compare N examples at a time (default 3)
  --stacked, --width N, --notes PATH   as for show
";

const README_HELP: &str = "\
cargo xtask readme [--check]

Writes the catalog's table into README.md; with --check, only checks that it is current.
";

const BENCH_HELP: &str = "\
cargo xtask bench [--quick] [--only N]

Measures the notes' claims (release build); tables and SVG charts go to target/bench/.
  --quick    a debug build and small sizes, for CI
  --only N   only question N (1-7)
";

const MUTANTS_HELP: &str = "\
cargo xtask mutants [FILE…] [--timeout SECONDS] [-- CARGO-MUTANTS-ARGS…]

Mutation testing: cargo-mutants changes the library code one small way at a time (a condition
negated, a function that returns a default value) and runs the tests against each change. A
change that no test notices — a mutant that survives — is behaviour that nothing checks.

Each FILE, a path from the workspace's root (examples-ipc/src/pyvalue.rs; a directory such as
pace: every file under it), is run in turn, in a copy of the workspace, against the whole
workspace's tests; its report goes to target/mutants/<FILE>/mutants.out (missed.txt,
timeout.txt, caught.txt, unviable.txt). Without FILE: every library file in one run, into
target/mutants/workspace/ — hours on two cores. Dependencies are built once, into
target/mutants/build/, for every later run. Processes that a mutant's tests left running are
killed at the end of its run; the run's TMPDIR, under target/mutants/tmp/, is removed with what
they left in it. One run at a time in a workspace (a second one says so and stops). Installs
cargo-mutants (cargo install --locked) when missing;
never part of `cargo test` or CI. MUTANTS.md has the scores, and why each survivor survives.
  --timeout SECONDS  how long the tests of one mutant may run before they count as hanging
                     (default 180: the suite takes under a minute, even on a loaded machine)
  -- ARGS…           passed to cargo-mutants as they are, for example
                     `-- --test-package examples-ipc`: only the tests of that package,
                     `-- --list`: only list the mutants, `-- --re float_repr`: only those
";

/// A mistake in the command line: one line for stderr, exit 2.
#[derive(Debug)]
struct Usage(String);

impl From<lexopt::Error> for Usage {
    fn from(error: lexopt::Error) -> Self {
        Usage(error.to_string())
    }
}

impl From<String> for Usage {
    fn from(message: String) -> Self {
        Usage(message)
    }
}

impl From<&str> for Usage {
    fn from(message: &str) -> Self {
        Usage(message.to_string())
    }
}

fn main() -> ExitCode {
    // A closed stdout (`| head`, `| true`) ends xtask quietly, as SIGPIPE ends a Unix tool;
    // run-all and compare, which have processes to clean up first, write through `say`.
    pace::init();
    let mut parser = lexopt::Parser::from_env();
    let code = match command(&mut parser) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("error: {message}");
            2
        }
    };
    ExitCode::from(code)
}

fn command(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let name = match parser.next()? {
        Some(Value(name)) => name.string()?,
        Some(Long("help") | Short('h')) => "help".to_string(),
        Some(other) => return Err(other.unexpected().into()),
        None => return Err("no command given; `cargo xtask help` lists them".into()),
    };
    let in_command = |e: Usage| Usage(format!("{} (see `cargo xtask {name} --help`)", e.0));
    let result = match name.as_str() {
        "list" => list(parser),
        "run" => run(parser),
        "run-all" => run_all(parser),
        "show" => show(parser),
        "compare" => compare(parser),
        "readme" => readme(parser),
        "bench" => bench(parser),
        "book" => book(parser),
        "timeline" => timeline(parser),
        "mutants" => mutants(parser),
        "help" => {
            print!("{USAGE}");
            return Ok(0);
        }
        other => {
            return Err(format!(
                "unknown command `{other}`; the commands: list, run, run-all, show, compare, \
                 readme, bench, book, timeline, mutants, help"
            )
            .into());
        }
    };
    result.map_err(in_command)
}

/// `Ok(true)` when `arg` asks for help: prints `help`.
fn wants_help(arg: &lexopt::Arg<'_>, help: &str) -> bool {
    let asked = matches!(arg, Long("help") | Short('h'));
    if asked {
        print!("{help}");
    }
    asked
}

fn list(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    if let Some(arg) = parser.next()? {
        if wants_help(&arg, LIST_HELP) {
            return Ok(0);
        }
        return Err(arg.unexpected().into());
    }
    let mut rows = vec![[
        "section".to_string(),
        "example".to_string(),
        "package".to_string(),
        "what it shows".to_string(),
    ]];
    for e in catalog::in_notes_order() {
        rows.push([
            e.section.into(),
            e.name.into(),
            e.package.into(),
            e.summary.into(),
        ]);
    }
    print!("{}", runall::table(&rows));
    Ok(0)
}

fn run(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut name = None;
    let mut rest: Vec<OsString> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            ref a if wants_help(a, RUN_HELP) => return Ok(0),
            Value(value) if name.is_none() => name = Some(value.string()?),
            Value(value) => rest.push(value),
            Long(option) => {
                return Err(
                    format!("put the example's arguments after `--`, not `--{option}`").into(),
                );
            }
            Short(option) => {
                return Err(
                    format!("put the example's arguments after `--`, not `-{option}`").into(),
                );
            }
        }
    }
    let Some(name) = name else {
        return Err("`run` needs the name of an example (see `cargo xtask list`)".into());
    };
    let Some(example) = catalog::find(&name) else {
        return Ok(unknown_example(&name));
    };
    Ok(exec_example(example, &rest))
}

fn unknown_example(name: &str) -> u8 {
    let closest = catalog::closest(name);
    if closest.is_empty() {
        eprintln!("error: there is no example `{name}`; `cargo xtask list` shows them all");
    } else {
        eprintln!(
            "error: there is no example `{name}`; the closest: {}",
            closest.join(", ")
        );
    }
    2
}

/// Builds the examples as run-all does, then replaces this process with the example, so that it
/// owns the terminal: its prompt, its Ctrl-C, its exit code.
fn exec_example(example: &Example, args: &[OsString]) -> u8 {
    match workspace::build_examples() {
        Ok(true) => {}
        Ok(false) => return 1,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return 1;
        }
    }
    let binary = match workspace::target_dir() {
        Ok(target) => workspace::binary(&target, example),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let error = std::process::Command::new(&binary).args(args).exec();
    eprintln!("error: cannot run {}: {error}", binary.display());
    1
}

/// A time scale as typed: what `pace::parse` accepts, or a message quoting the value.
fn time_scale(text: &str) -> Result<f64, Usage> {
    pace::parse_scale(text).map_err(|e| Usage(format!("--time-scale {e}")))
}

/// The time scale of `$EXAMPLES_TIME_SCALE`, if set.
fn time_scale_from_env() -> Result<Option<(f64, String)>, Usage> {
    match std::env::var(pace::ENV) {
        Ok(text) => match pace::parse_scale(&text) {
            Ok(scale) => Ok(Some((scale, text.trim().to_string()))),
            Err(e) => Err(format!("{}={e}", pace::ENV).into()),
        },
        Err(_) => Ok(None),
    }
}

fn run_all(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut scale = None;
    let mut filters = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            ref a if wants_help(a, RUN_ALL_HELP) => return Ok(0),
            Long("time-scale") => {
                let text = parser.value()?.string()?;
                scale = Some((time_scale(&text)?, text));
            }
            Long("timelines") => {
                if let Err(message) = xtask::timeline::enable() {
                    eprintln!("error: {message}");
                    return Ok(2);
                }
            }
            Value(filter) => filters.push(filter.string()?),
            other => return Err(other.unexpected().into()),
        }
    }
    let (scale, scale_text) = match scale {
        Some(scale) => scale,
        None => time_scale_from_env()?.unwrap_or((1.0, "1".to_string())),
    };
    let options = Options {
        scale,
        scale_text,
        filters,
    };
    let code = match runall::run_all(&options) {
        Ok(code) => u8::try_from(code).unwrap_or(1),
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    };
    runall::end_if_output_gone();
    Ok(code)
}

/// What show and compare share: where the notes are, and how wide to lay out.
#[derive(Debug, Default)]
struct View {
    notes: Option<PathBuf>,
    stacked: bool,
    width: Option<usize>,
}

impl View {
    /// The view's long options.
    const OPTIONS: [&str; 3] = ["notes", "stacked", "width"];

    /// Takes the view's long option `option` (one of [`View::OPTIONS`]) and its value.
    fn take(&mut self, option: &str, parser: &mut lexopt::Parser) -> Result<(), Usage> {
        match option {
            "notes" => self.notes = Some(parser.value()?.into()),
            "stacked" => self.stacked = true,
            _ => {
                let text = parser.value()?.string()?;
                let width = text
                    .parse::<usize>()
                    .ok()
                    .filter(|w| (20..=1000).contains(w))
                    .ok_or_else(|| {
                        Usage(format!("--width {text}: not a width (20 to 1000 columns)"))
                    })?;
                self.width = Some(width);
            }
        }
        Ok(())
    }

    fn layout(&self) -> Layout {
        let width = self.width.or_else(terminal_width);
        Layout::choose(width, self.stacked)
    }

    fn notes(&self) -> Result<Notes, u8> {
        Notes::load(self.notes.as_deref()).map_err(|e| {
            eprintln!("error: {e}");
            2
        })
    }
}

/// The width of the terminal on stdout; `None` when stdout is no terminal.
fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which points to `size`, a
    // live local of exactly that type; fd 1 is only read.
    let result = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (result == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

fn show(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut view = View::default();
    let mut name = None;
    while let Some(arg) = parser.next()? {
        if wants_help(&arg, SHOW_HELP) {
            return Ok(0);
        }
        match arg {
            Long(option) if View::OPTIONS.contains(&option) => {
                let option = option.to_string();
                view.take(&option, parser)?;
            }
            Value(value) if name.is_none() => name = Some(value.string()?),
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(name) = name else {
        return Err("`show` needs the name of an example (see `cargo xtask list`)".into());
    };
    let Some(example) = catalog::find(&name) else {
        return Ok(unknown_example(&name));
    };
    let notes = match view.notes() {
        Ok(notes) => notes,
        Err(code) => return Ok(code),
    };
    match render::show(&notes, example, view.layout()) {
        Ok(text) => {
            print!("{text}");
            Ok(0)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(1)
        }
    }
}

fn compare(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut view = View::default();
    let mut names = Vec::new();
    let mut all = false;
    let mut scale = None;
    let mut jobs = 3;
    while let Some(arg) = parser.next()? {
        if wants_help(&arg, COMPARE_HELP) {
            return Ok(0);
        }
        match arg {
            Long(option) if View::OPTIONS.contains(&option) => {
                let option = option.to_string();
                view.take(&option, parser)?;
            }
            Long("all") => all = true,
            Long("time-scale") => {
                let text = parser.value()?.string()?;
                scale = Some(time_scale(&text)?);
            }
            Long("jobs") => {
                let text = parser.value()?.string()?;
                jobs = text
                    .parse::<usize>()
                    .ok()
                    .filter(|j| (1..=64).contains(j))
                    .ok_or_else(|| Usage(format!("--jobs {text}: not a number from 1 to 64")))?;
            }
            Value(value) => names.push(value.string()?),
            other => return Err(other.unexpected().into()),
        }
    }
    let scale = match scale {
        Some(scale) => scale,
        None => time_scale_from_env()?.map_or(1.0, |(scale, _)| scale),
    };
    let examples: Vec<&'static Example> = match (all, names.is_empty()) {
        (true, true) => catalog::in_notes_order(),
        (true, false) => return Err("give names or --all, not both".into()),
        (false, true) => {
            return Err(
                "`compare` needs names of examples, or --all (see `cargo xtask list`)".into(),
            );
        }
        (false, false) => {
            let mut found = Vec::new();
            for name in &names {
                match catalog::find(name) {
                    Some(example) => found.push(example),
                    None => return Ok(unknown_example(name)),
                }
            }
            found
        }
    };
    let notes = match view.notes() {
        Ok(notes) => notes,
        Err(code) => return Ok(code),
    };
    let python = PathBuf::from("python3");
    if let Err(e) = std::process::Command::new(&python)
        .arg("--version")
        .output()
    {
        eprintln!(
            "error: compare runs the notes' Python with python3, which cannot be started ({e}); \
             install Python 3 (Debian: apt-get install python3)"
        );
        return Ok(2);
    }
    Ok(run_comparisons(
        &notes, &examples, &view, scale, jobs, &python,
    ))
}

fn run_comparisons(
    notes: &Notes,
    examples: &[&'static Example],
    view: &View,
    scale: f64,
    jobs: usize,
    python: &Path,
) -> u8 {
    match workspace::build_examples() {
        Ok(true) => {}
        Ok(false) => return 1,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return 1;
        }
    }
    let target = match workspace::target_dir() {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let Err(e) = runall::handle_signals() {
        eprintln!("error: cannot handle signals: {e}");
        return 1;
    }
    let options = compare::Options {
        scale,
        python: python.to_path_buf(),
        target,
    };
    let layout = view.layout();
    let cancel = runall::cancel_flag();
    let started = Instant::now();
    // Those that share the machine run `jobs` at a time, the longest first so that the whole
    // run takes about as long as the longest; those that measure time run alone afterwards.
    let (mut together, alone): (Vec<&'static Example>, Vec<&'static Example>) =
        examples.iter().copied().partition(|e| !e.alone);
    together.sort_by_key(|e| e.paced_secs);
    let mut results: Vec<Comparison> = Vec::new();
    for (batch, width) in [(together, jobs), (alone, 1)] {
        let queue = Mutex::new(batch);
        std::thread::scope(|scope| {
            let (done, finished) = mpsc::channel();
            for _ in 0..width {
                let done = done.clone();
                let (queue, options) = (&queue, &options);
                scope.spawn(move || {
                    loop {
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                        let Some(example) = next else { break };
                        if cancel.load(Ordering::SeqCst) {
                            break;
                        }
                        let comparison = compare::compare(notes, example, options, cancel);
                        if done.send(comparison).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done);
            for comparison in finished {
                say(&render::comparison(&comparison, layout));
                say("\n");
                results.push(comparison);
            }
        });
    }
    say(&format!("══ {} compared ══\n", results.len()));
    let (mut failures, mut not_run) = (0, 0);
    for example in examples {
        match results.iter().find(|c| std::ptr::eq(c.example, *example)) {
            Some(c) => {
                failures += usize::from(!c.verdict.passes());
                say(&format!("{}\n", render::verdict_line(c)));
            }
            None => {
                not_run += 1;
                say(&format!("{}  NOT RUN\n", example.name));
            }
        }
    }
    say(&format!(
        "{} passed, {failures} failed, {not_run} not run, in {:.1} s at time scale {}\n",
        examples.len() - failures - not_run,
        started.elapsed().as_secs_f64(),
        runall::scale_text(scale)
    ));
    let interrupted = cancel.load(Ordering::SeqCst);
    if interrupted {
        say("interrupted: the running programs were killed with their process groups\n");
    }
    runall::end_if_output_gone();
    if interrupted {
        130
    } else if failures + not_run > 0 {
        1
    } else {
        0
    }
}

fn readme(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut check = false;
    while let Some(arg) = parser.next()? {
        match arg {
            ref a if wants_help(a, README_HELP) => return Ok(0),
            Long("check") => check = true,
            other => return Err(other.unexpected().into()),
        }
    }
    let path = workspace::root().join("README.md");
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return Ok(1);
        }
    };
    let wanted = match workspace::readme_with_table(&current, &workspace::readme_table()) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    Ok(if wanted == current {
        println!("README.md's table matches the catalog");
        0
    } else if check {
        eprintln!("README.md's table differs from the catalog: run `cargo xtask readme`");
        1
    } else if let Err(e) = std::fs::write(&path, wanted) {
        eprintln!("error: cannot write {}: {e}", path.display());
        1
    } else {
        println!("wrote the catalog's table into README.md");
        0
    })
}

/// Builds the examples and the book, then runs the book with the arguments given (it checks
/// them, and answers `--help`).
fn book(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let passed: Vec<OsString> = parser.raw_args()?.collect();
    let target = match workspace::target_dir() {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    // The examples as run-all builds them (so that its build is reused), then the book.
    let built = workspace::build_examples().and_then(|built| {
        let mut book = workspace::cargo();
        book.args(["build", "--package", "book", "--bin", "book"]);
        Ok(built && book.status()?.success())
    });
    match built {
        Ok(true) => {}
        Ok(false) => return Ok(1),
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return Ok(1);
        }
    }
    let error = std::process::Command::new(target.join("debug").join("book"))
        .arg("--target")
        .arg(&target)
        .args(&passed)
        .exec();
    eprintln!("error: cannot run the book: {error}");
    Ok(1)
}

/// `cargo xtask timeline …`: its own parser takes the rest (`xtask::timeline`).
fn timeline(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut args = Vec::new();
    for arg in parser.raw_args()? {
        args.push(
            arg.into_string()
                .map_err(|a| format!("{}: not valid UTF-8", a.to_string_lossy()))?,
        );
    }
    if args.iter().any(|a| a == "--help" || a == "-h") && !args.iter().any(|a| a == "--") {
        print!("cargo xtask timeline\n\n{}", xtask::timeline::USAGE);
        return Ok(0);
    }
    Ok(xtask::timeline::main(&args))
}

/// Builds the bench (and the socket servers it measures) and runs it, writing into
/// `target/bench/`.
fn bench(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut quick = false;
    let mut passed: Vec<OsString> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            ref a if wants_help(a, BENCH_HELP) => return Ok(0),
            Long("quick") => quick = true,
            Long("only") => {
                let value = parser.value()?;
                passed.extend(["--only".into(), value]);
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let target = match workspace::target_dir() {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    // Quick is for CI: it reuses the debug build the tests made. The real numbers need release.
    let profile = if quick { "debug" } else { "release" };
    let mut build = workspace::cargo();
    build.args([
        "build",
        "--package",
        "bench",
        "--package",
        "examples-socket",
        "--bins",
    ]);
    if !quick {
        build.arg("--release");
    }
    match build.status() {
        Ok(status) if status.success() => {}
        Ok(_) => return Ok(1),
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return Ok(1);
        }
    }
    let bin_dir = target.join(profile);
    let mut command = std::process::Command::new(bin_dir.join("bench"));
    command
        .arg("--out")
        .arg(target.join("bench"))
        .arg("--bin-dir")
        .arg(&bin_dir)
        .args(&passed);
    if quick {
        command.arg("--quick");
    }
    Ok(match command.status() {
        Ok(status) => status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
        Err(e) => {
            eprintln!("error: cannot run the bench: {e}");
            1
        }
    })
}

/// A directory `parent/<pid>`, created empty, removed with what is in it when dropped — also
/// when the run fails or returns early — and `parent` with it once it is empty.
struct OwnTmp(PathBuf);

impl OwnTmp {
    fn create(parent: &Path) -> Result<OwnTmp, String> {
        let dir = parent.join(std::process::id().to_string());
        // Left by an earlier run of this pid that was killed: not in use.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(OwnTmp(dir))
    }
}

impl Drop for OwnTmp {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("warning: cannot remove {}: {e}", self.0.display());
        }
        if let Some(parent) = self.0.parent() {
            // Fails, as it should, while another run's directory is in it.
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// `cargo xtask mutants`: cargo-mutants on each FILE in turn, against the workspace's tests,
/// each report under `target/mutants/<FILE>/`.
fn mutants(parser: &mut lexopt::Parser) -> Result<u8, Usage> {
    let mut files: Vec<String> = Vec::new();
    let mut timeout = 180_u32;
    let mut passed: Vec<OsString> = Vec::new();
    loop {
        if let Some(mut raw) = parser.try_raw_args()
            && raw.next_if(|arg| arg == "--").is_some()
        {
            passed.extend(raw);
            break;
        }
        let Some(arg) = parser.next()? else { break };
        match arg {
            ref a if wants_help(a, MUTANTS_HELP) => return Ok(0),
            Long("timeout") => {
                let text = parser.value()?.string()?;
                timeout = text
                    .parse::<u32>()
                    .ok()
                    .filter(|s| (10..=3600).contains(s))
                    .ok_or_else(|| {
                        Usage(format!(
                            "--timeout {text}: not a number of seconds from 10 to 3600"
                        ))
                    })?;
            }
            Value(file) => files.push(file.string()?.trim_end_matches('/').to_string()),
            other => return Err(other.unexpected().into()),
        }
    }
    let root = workspace::root();
    for file in &files {
        if !root.join(file).exists() {
            return Err(format!("{file}: no such file or directory in the workspace").into());
        }
    }
    let installed = workspace::cargo()
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !installed {
        eprintln!("cargo-mutants is not installed: cargo install --locked cargo-mutants");
        match workspace::cargo()
            .args(["install", "--locked", "cargo-mutants"])
            .status()
        {
            Ok(status) if status.success() => {}
            Ok(_) => return Ok(1),
            Err(e) => {
                eprintln!("error: cannot run cargo: {e}");
                return Ok(1);
            }
        }
    }
    let target = match workspace::target_dir() {
        Ok(target) => target.join("mutants"),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    // Dependencies built by one run are reused by the next.
    let build = target.join("build");
    // One run at a time: two would build into the same directory, each replacing the other's
    // files under its feet, and each would kill the other's processes at its end (below).
    let lock_path = target.join("lock");
    let lock = std::fs::create_dir_all(&target)
        .and_then(|()| std::fs::File::create(&lock_path))
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()));
    let _lock = match lock {
        Ok(file) => match file.try_lock() {
            Ok(()) => file,
            Err(std::fs::TryLockError::WouldBlock) => {
                eprintln!(
                    "error: another `cargo xtask mutants` is running in this workspace; one at a \
                     time (they share {})",
                    build.display()
                );
                return Ok(1);
            }
            Err(std::fs::TryLockError::Error(e)) => {
                eprintln!("error: cannot lock {}: {e}", lock_path.display());
                return Ok(1);
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    // A temporary directory of the run's own, for cargo-mutants' copies of the workspace and for
    // what the tests create: a mutant of the code that cleans up after an example (pace's
    // cleanup) leaves that example's directories behind, and they go away with this one.
    let tmp = match OwnTmp::create(&target.join("tmp")) {
        Ok(tmp) => tmp,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    // Only the workspace's tests, unless the caller chose which tests.
    let chooses_tests = passed.iter().any(|a| {
        let a = a.to_string_lossy();
        a.starts_with("--test-package") || a.starts_with("--test-workspace")
    });
    // One run per FILE, one after another; no FILE: one run over every file.
    let runs: Vec<Option<&String>> = if files.is_empty() {
        vec![None]
    } else {
        files.iter().map(Some).collect()
    };
    for file in runs {
        let (glob, report) = match file {
            Some(file) if root.join(file).is_dir() => {
                (Some(format!("{file}/**")), file.replace('/', "-"))
            }
            Some(file) => (
                Some(file.clone()),
                file.trim_end_matches(".rs").replace('/', "-"),
            ),
            None => (None, "workspace".to_string()),
        };
        if let Err(e) = std::fs::create_dir_all(target.join(&report)) {
            eprintln!(
                "error: cannot create {}: {e}",
                target.join(&report).display()
            );
            return Ok(1);
        }
        let mut command = workspace::cargo();
        command
            .arg("mutants")
            .arg("--output")
            .arg(target.join(&report))
            .arg(format!("--timeout={timeout}"))
            // Building the copy of the workspace for a mutant of `pace` builds every crate.
            .arg("--build-timeout=1800")
            .arg("--jobs=1")
            .env("CARGO_TARGET_DIR", &build)
            // Without debug information, the crates of every mutant link faster.
            .env("CARGO_PROFILE_DEV_DEBUG", "false")
            .env("TMPDIR", &tmp.0);
        if let Some(glob) = &glob {
            command.arg("--file").arg(glob);
        }
        if !chooses_tests {
            command.arg("--test-workspace=true");
        }
        // The notes, for the tests that read them, from the copy cargo-mutants makes.
        if std::env::var_os("MODULE3_NOTES").is_none() {
            command.env("MODULE3_NOTES", root.join("../shared/notes/module3.md"));
        }
        command.args(&passed);
        say(&format!(
            "══ mutants of {} → {} ══\n",
            file.map_or("the workspace", String::as_str),
            target.join(&report).join("mutants.out").display()
        ));
        let status = command.status();
        // A mutant that made a test hang was killed with its test run, but what that test had
        // started in a process group of its own may still run — an example, a `sleep` — and so
        // may what a mutant kept a test from stopping. Every process of the run has this
        // build's CARGO_TARGET_DIR in its environment: any still running now is a leftover.
        let marker = [b"CARGO_TARGET_DIR=", build.as_os_str().as_bytes()].concat();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse().ok()) else {
                continue;
            };
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if environ.split(|b| *b == 0).any(|var| var == marker) {
                let command = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                // SAFETY: `kill` takes no pointers.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                say(&format!(
                    "killed {pid} ({}), left running by a mutant's tests\n",
                    String::from_utf8_lossy(&command)
                        .replace('\0', " ")
                        .trim_end()
                ));
            }
        }
        match status {
            // 0: every mutant caught; 2: some missed; 3: some timed out — reports to read.
            Ok(status) if matches!(status.code(), Some(0 | 2 | 3)) => {}
            Ok(status) => {
                eprintln!("error: cargo mutants failed ({status})");
                return Ok(1);
            }
            Err(e) => {
                eprintln!("error: cannot run cargo mutants: {e}");
                return Ok(1);
            }
        }
    }
    Ok(0)
}
