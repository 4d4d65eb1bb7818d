//! `cargo xtask timeline NAME [-- ARGS]`: run one example while recording who ran when, and
//! `run-all --timelines`: record every example of the run.
//!
//! The recorder is the `timeline` crate's binary, built only when asked (like the bench). It runs
//! the example under strace and writes `target/timeline/NAME.svg` and `NAME.trace.json`; see that
//! crate's docs. Here: building it, and putting it in front of an example's command.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};

use harness::Spec;

use crate::catalog::{self, Example, Run};
use crate::{runall, workspace};

/// The usage lines of `cargo xtask help`.
pub const USAGE: &str =
    "  timeline NAME [-- ARGS…]   run one example while recording every process and thread (strace
      --time-scale X         and the scheduler's counters): target/timeline/NAME.svg, and
                             NAME.trace.json for https://ui.perfetto.dev
  timeline --overhead [--runs N] [FILTER…]
                             how much slower recording makes each example (scale 0.05)
";

/// The recorder, once built, while run-all records.
static RECORDER: OnceLock<Recorder> = OnceLock::new();

#[derive(Debug)]
struct Recorder {
    binary: PathBuf,
    out: PathBuf,
    /// Programs already recorded in this run: each once (a server runs in its own entry and as
    /// the partner of its client; the first run claims it).
    claimed: Mutex<BTreeSet<String>>,
}

/// Builds the recorder, checks that strace can record here, and from then on has
/// [`program`] wrap every example's command in it. Returns the directory the pictures go to.
/// On failure, the message to print (and exit 2 with).
pub fn enable() -> Result<PathBuf, String> {
    if let Some(recorder) = RECORDER.get() {
        return Ok(recorder.out.clone());
    }
    let target = workspace::target_dir().map_err(|e| e.to_string())?;
    let built = workspace::cargo()
        .args(["build", "--package", "timeline", "--bin", "timeline"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() {
        return Err("the timeline recorder did not build".into());
    }
    let binary = target.join("debug").join("timeline");
    // One line saying what to install, or why strace may not trace here.
    let probe = Command::new(&binary)
        .arg("probe")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !probe.status.success() {
        return Err(String::from_utf8_lossy(&probe.stderr).trim().to_string());
    }
    let out = target.join("timeline");
    let _ = RECORDER.set(Recorder {
        binary,
        out: out.clone(),
        claimed: Mutex::new(BTreeSet::new()),
    });
    Ok(out)
}

/// The spec that runs `binary`, the example program `name`: the program itself, or — after
/// [`enable`], the first time `name` runs — the recorder running it.
pub fn program(binary: PathBuf, name: &str) -> Spec {
    match RECORDER.get() {
        Some(recorder)
            if recorder
                .claimed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(name.to_string()) =>
        {
            Spec::new(&recorder.binary)
                .args(["record", "--name", name, "--out"])
                .arg(&recorder.out)
                .arg("--")
                .arg(binary)
        }
        _ => Spec::new(binary),
    }
}

/// `cargo xtask timeline …`; the process exit code.
pub fn main(args: &[String]) -> u8 {
    match parse(args) {
        Ok(Parsed::Overhead {
            runs,
            scale,
            filters,
        }) => overhead(runs, scale.unwrap_or(0.05), &filters),
        Ok(Parsed::One {
            name,
            scale,
            args: extra,
        }) => one(&name, scale, extra),
        Err(message) => {
            eprintln!("error: {message}\n\nusage:\n{USAGE}");
            2
        }
    }
}

enum Parsed {
    One {
        name: String,
        scale: Option<f64>,
        args: Option<Vec<OsString>>,
    },
    Overhead {
        runs: usize,
        scale: Option<f64>,
        filters: Vec<String>,
    },
}

fn parse(args: &[String]) -> Result<Parsed, String> {
    use lexopt::prelude::*;
    // Everything after the first `--` is the example's.
    let (ours, extra) = match args.iter().position(|a| a == "--") {
        Some(at) => (
            &args[..at],
            Some(args[at + 1..].iter().map(OsString::from).collect()),
        ),
        None => (args, None),
    };
    let mut parser = lexopt::Parser::from_args(ours);
    let mut overhead = false;
    let mut runs = 5;
    let mut scale = None;
    let mut names = Vec::new();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("overhead") => overhead = true,
            Long("runs") => {
                let text = value(&mut parser)?;
                runs = text
                    .parse()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or(format!("--runs {text}: not a whole number from 1 to 100"))?;
            }
            Long("time-scale") => {
                let text = value(&mut parser)?;
                scale = Some(
                    pace::parse(&text).ok_or(format!("--time-scale {text}: not a number ≥ 0"))?,
                );
            }
            Value(name) => names.push(name.string().map_err(|e| e.to_string())?),
            _ => return Err(arg.unexpected().to_string()),
        }
    }
    if overhead {
        return Ok(Parsed::Overhead {
            runs,
            scale,
            filters: names,
        });
    }
    match names.as_slice() {
        [name] => Ok(Parsed::One {
            name: name.clone(),
            scale,
            args: extra,
        }),
        [] => Err("`timeline` needs the name of an example (see `cargo xtask list`)".into()),
        [_, other, ..] => Err(format!(
            "put the example's arguments after `--`, not `{other}`"
        )),
    }
}

fn value(parser: &mut lexopt::Parser) -> Result<String, String> {
    use lexopt::ValueExt;
    parser
        .value()
        .map_err(|e| e.to_string())?
        .string()
        .map_err(|e| e.to_string())
}

/// The time scale run-all would use: `$EXAMPLES_TIME_SCALE`, else 1.
fn default_scale() -> f64 {
    std::env::var(pace::ENV)
        .ok()
        .and_then(|text| pace::parse(&text))
        .unwrap_or(1.0)
}

/// Records one example: as run-all runs it, or with the reader's arguments and terminal.
fn one(name: &str, scale: Option<f64>, args: Option<Vec<OsString>>) -> u8 {
    let Some(example) = catalog::find(name) else {
        let closest = catalog::closest(name);
        eprintln!(
            "error: there is no example `{name}`; {}",
            if closest.is_empty() {
                "`cargo xtask list` shows them all".to_string()
            } else {
                format!("the closest: {}", closest.join(", "))
            }
        );
        return 2;
    };
    let scale = scale.unwrap_or_else(default_scale);
    match workspace::build_examples() {
        Ok(true) => {}
        Ok(false) => return 1,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return 1;
        }
    }
    if let Err(message) = enable() {
        eprintln!("{message}");
        return 2;
    }
    let target = match workspace::target_dir() {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let catalog_args: Option<&[&str]> = match example.run {
        Run::Plain => Some(&[]),
        Run::Args(args) => Some(args),
        _ => None,
    };
    match (args, catalog_args) {
        // In the reader's terminal, with the reader's arguments or the catalog's.
        (Some(args), _) => in_terminal(&target, example, scale, &args),
        (None, Some(args)) => {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            in_terminal(&target, example, scale, &args)
        }
        // Typed input, or a server and its client: as run-all runs them.
        (None, None) => {
            let report = runall::run_one(example, &target, scale);
            print!("{}", report.output);
            println!(
                "{}: {} in {:.2} s",
                example.name, report.verdict, report.secs
            );
            u8::from(!report.ok)
        }
    }
}

fn in_terminal(target: &Path, example: &Example, scale: f64, args: &[OsString]) -> u8 {
    let Some(recorder) = RECORDER.get() else {
        return 1;
    };
    // Ctrl-C is for the example (and the recorder, which then writes what it recorded): we wait
    // for them. A second Ctrl-C ends us at once. (A handler, unlike ignoring the signal, is not
    // inherited by the programs we start.)
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sigint = signal_hook::consts::SIGINT;
    let _ = signal_hook::flag::register_conditional_shutdown(sigint, 130, interrupted.clone())
        .and_then(|_| signal_hook::flag::register(sigint, interrupted));
    let status = Command::new(&recorder.binary)
        .args(["record", "--name", example.name, "--out"])
        .arg(&recorder.out)
        .arg("--")
        .arg(workspace::binary(target, example))
        .args(args)
        .env(pace::ENV, scale.to_string())
        .status();
    match status {
        // Its exit code, or a shell's 128 + N for a death by signal N (SIGPIPE: 141).
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt;
            status
                .code()
                .or_else(|| status.signal().map(|n| 128 + n))
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1)
        }
        Err(e) => {
            eprintln!("error: cannot run the recorder: {e}");
            1
        }
    }
}

/// Measures each chosen example plain and recorded, the bench's way, and prints a table.
fn overhead(runs: usize, scale: f64, filters: &[String]) -> u8 {
    match workspace::build_examples() {
        Ok(true) => {}
        Ok(false) => return 1,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            return 1;
        }
    }
    if let Err(message) = enable() {
        eprintln!("{message}");
        return 2;
    }
    let (Some(recorder), Ok(target)) = (RECORDER.get(), workspace::target_dir()) else {
        return 1;
    };
    println!(
        "Recording overhead at time scale {scale}: median wall time of {runs} rounds after a \
         warm-up, each round running the example plain, then recorded (drawing excluded)\n"
    );
    let mut rows = vec![[
        "example".to_string(),
        "plain, s".to_string(),
        "recorded, s".to_string(),
        "recorded / plain".to_string(),
    ]];
    let mut failed = false;
    for example in catalog::in_notes_order() {
        if !filters.is_empty() && !filters.iter().any(|f| example.name.contains(f.as_str())) {
            continue;
        }
        let (args, input): (&[&str], &str) = match example.run {
            Run::Plain => (&[], ""),
            Run::Args(args) => (args, ""),
            Run::Stdin(input) => (&[], input),
            Run::Server { .. } | Run::Client { .. } => {
                rows.push([
                    example.name.to_string(),
                    "-".into(),
                    "-".into(),
                    "not measured (needs its partner)".into(),
                ]);
                continue;
            }
        };
        eprintln!("measuring {} …", example.name);
        let output = Command::new(&recorder.binary)
            .args([
                "overhead",
                "--runs",
                &runs.to_string(),
                "--stdin",
                input,
                "--",
            ])
            .arg(workspace::binary(&target, example))
            .args(args)
            .env(pace::ENV, scale.to_string())
            .output();
        let line = match output {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            Ok(out) => {
                failed = true;
                format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim())
            }
            Err(e) => {
                failed = true;
                format!("failed: {e}")
            }
        };
        // "plain 0.123 s, recorded 0.150 s, ratio 1.22 (medians of 5 rounds)"
        let numbers: Vec<&str> = line
            .split_whitespace()
            .filter(|w| w.trim_end_matches(',').parse::<f64>().is_ok())
            .map(|w| w.trim_end_matches(','))
            .collect();
        rows.push(match numbers.as_slice() {
            [plain, recorded, ratio, ..] => [
                example.name.to_string(),
                plain.to_string(),
                recorded.to_string(),
                format!("{ratio}×"),
            ],
            _ => [
                example.name.to_string(),
                "-".into(),
                "-".into(),
                line.trim().to_string(),
            ],
        });
    }
    print!("{}", runall::table(&rows));
    u8::from(failed)
}
