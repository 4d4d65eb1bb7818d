//! `cargo xtask`: list, run and check the examples. See `cargo xtask help`.

use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use xtask::catalog::{self, Example};
use xtask::runall::{self, Options};
use xtask::workspace;

const USAGE: &str = "\
cargo xtask <command>

  list                       the examples, in the order of the notes
  run NAME [-- ARGS…]        build and run one example by its binary name
  run-all [FILTER…]          build every example, run them all, print a summary
      --time-scale X         scale every sleep by X (default: $EXAMPLES_TIME_SCALE, else 1.0)
      --timelines            record every example's timeline into target/timeline/ (strace)
  readme [--check]           write the catalog's table into README.md (or check it is current)
  bench [--quick] [--only N] measure the notes' claims (release build); tables and SVG charts go
                             to target/bench/ (--quick: a debug build and small sizes, for CI)
  help                       this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("list") => list(),
        Some("run") => run(&args[1..]),
        Some("run-all") => run_all(&args[1..]),
        Some("readme") => readme(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("timeline") => xtask::timeline::main(&args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}{}", xtask::timeline::USAGE);
            0
        }
        Some(other) => usage_error(&format!("unknown command `{other}`")),
        None => usage_error("no command given"),
    };
    ExitCode::from(code)
}

fn usage_error(message: &str) -> u8 {
    eprint!("error: {message}\n\n{USAGE}");
    2
}

fn list() -> u8 {
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
    0
}

fn run(args: &[String]) -> u8 {
    let Some(name) = args.first() else {
        return usage_error("`run` needs the name of an example (see `cargo xtask list`)");
    };
    let Some(example) = catalog::find(name) else {
        return unknown_example(name);
    };
    let rest = match args.get(1).map(String::as_str) {
        None => &args[1..],
        Some("--") => &args[2..],
        Some(other) => {
            return usage_error(&format!(
                "put the example's arguments after `--`, not `{other}`"
            ));
        }
    };
    exec_example(example, rest)
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
fn exec_example(example: &Example, args: &[String]) -> u8 {
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

fn run_all(args: &[String]) -> u8 {
    let mut scale = std::env::var(pace::ENV).ok();
    let mut filters = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--time-scale" {
            scale = rest.next().cloned();
            if scale.is_none() {
                return usage_error("--time-scale needs a value");
            }
        } else if let Some(value) = arg.strip_prefix("--time-scale=") {
            scale = Some(value.to_string());
        } else if arg == "--timelines" {
            if let Err(message) = xtask::timeline::enable() {
                eprintln!("{message}");
                return 2;
            }
        } else if arg.starts_with('-') {
            return usage_error(&format!("unknown option `{arg}`"));
        } else {
            filters.push(arg.clone());
        }
    }
    let scale = match scale {
        None => 1.0,
        Some(text) => match pace::parse(&text) {
            Some(scale) => scale,
            None => {
                return usage_error(&format!(
                    "the time scale must be a number ≥ 0, not `{text}`"
                ));
            }
        },
    };
    match runall::run_all(&Options { scale, filters }) {
        Ok(code) => u8::try_from(code).unwrap_or(1),
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn readme(args: &[String]) -> u8 {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return usage_error("`readme` takes only --check"),
    };
    let path = workspace::root().join("README.md");
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return 1;
        }
    };
    let wanted = match workspace::readme_with_table(&current, &workspace::readme_table()) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if wanted == current {
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
    }
}

/// Builds the bench (and the socket servers it measures) and runs it, writing into
/// `target/bench/`.
fn bench(args: &[String]) -> u8 {
    let mut quick = false;
    let mut passed = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => match rest.next() {
                Some(n) => passed.extend(["--only".to_string(), n.clone()]),
                None => return usage_error("--only needs a question number (1-7)"),
            },
            other => return usage_error(&format!("unknown option `{other}`")),
        }
    }
    let target = match workspace::target_dir() {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
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
        Ok(_) => return 1,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return 1;
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
    match command.status() {
        Ok(status) => status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
        Err(e) => {
            eprintln!("error: cannot run the bench: {e}");
            1
        }
    }
}
