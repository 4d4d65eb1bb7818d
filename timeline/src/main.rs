//! `timeline`: records a program's run and draws who ran when. `cargo xtask timeline NAME` runs
//! it for an example; see the library's docs for how it works.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use timeline::{model, overhead, record, strace};

const USAGE: &str = "\
timeline record [--out DIR] [--name NAME] [--title TEXT] [--every MS] -- PROGRAM [ARGS…]
    runs PROGRAM under strace, sampling its threads' schedstat every MS (default 2) ms, and
    writes NAME.svg, NAME.trace.json and NAME.strace into DIR (default target/timeline);
    exits as PROGRAM did
timeline probe
    exits 0 if strace is installed and may trace here; else says why (exit 2: missing,
    3: not permitted)
timeline overhead [--runs N] [--stdin TEXT] [--every MS] [--scratch DIR] -- PROGRAM [ARGS…]
    PROGRAM's median wall time plain and recorded, over N rounds (default 5) after a warm-up";

/// The exit code when strace is missing (as the issue asks) or the arguments are wrong.
const USAGE_OR_MISSING: u8 = 2;
/// The exit code when strace is there but may not trace.
const NOT_PERMITTED: u8 = 3;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let command = args.next();
    let rest: Vec<OsString> = args.collect();
    let result = match command.as_ref().and_then(|c| c.to_str()) {
        Some("record") => record_command(rest),
        Some("overhead") => overhead_command(rest),
        Some("probe") => record::probe()
            .map(|()| ExitCode::SUCCESS)
            .map_err(Failure::Unavailable),
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(Failure::Usage(format!("unknown command `{other}`"))),
        None => Err(Failure::Usage("no command given".into())),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("timeline: {message} (`timeline --help` shows the usage)");
            ExitCode::from(USAGE_OR_MISSING)
        }
        Err(Failure::Unavailable(why)) => {
            eprintln!("timeline: {why}");
            ExitCode::from(match why {
                record::Unavailable::Missing => USAGE_OR_MISSING,
                record::Unavailable::NotPermitted(_) => NOT_PERMITTED,
            })
        }
        Err(Failure::Other(message)) => {
            eprintln!("timeline: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Unavailable(record::Unavailable),
    Other(String),
}

impl From<lexopt::Error> for Failure {
    fn from(e: lexopt::Error) -> Self {
        Failure::Usage(e.to_string())
    }
}

/// Options shared by both commands, and the program to run.
struct Parsed {
    out: PathBuf,
    name: Option<String>,
    title: Option<String>,
    every: Duration,
    runs: usize,
    stdin: String,
    scratch: Option<PathBuf>,
    program: OsString,
    args: Vec<OsString>,
}

fn parse(args: Vec<OsString>) -> Result<Parsed, Failure> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut parsed = Parsed {
        out: PathBuf::from("target/timeline"),
        name: None,
        title: None,
        every: Duration::from_millis(2),
        runs: 5,
        stdin: String::new(),
        scratch: None,
        program: OsString::new(),
        args: Vec::new(),
    };
    let mut program = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("out") => parsed.out = parser.value()?.into(),
            Long("name") => parsed.name = Some(parser.value()?.string()?),
            Long("title") => parsed.title = Some(parser.value()?.string()?),
            Long("stdin") => parsed.stdin = parser.value()?.string()?,
            Long("scratch") => parsed.scratch = Some(parser.value()?.into()),
            Long("every") => {
                let text = parser.value()?.string()?;
                let ms = text
                    .parse::<f64>()
                    .ok()
                    .filter(|ms| ms.is_finite() && *ms >= 0.5 && *ms <= 1000.0)
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "--every {text}: not a number of milliseconds from 0.5 to 1000"
                        ))
                    })?;
                parsed.every = Duration::from_secs_f64(ms / 1000.0);
            }
            Long("runs") => {
                let text = parser.value()?.string()?;
                parsed.runs = text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| {
                        Failure::Usage(format!("--runs {text}: not a whole number from 1 to 100"))
                    })?;
            }
            Value(value) => {
                program = Some(value);
                break;
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    parsed.program = program.ok_or_else(|| Failure::Usage("no PROGRAM given".into()))?;
    parsed.args = parser.raw_args()?.collect();
    Ok(parsed)
}

fn record_command(args: Vec<OsString>) -> Result<ExitCode, Failure> {
    let parsed = parse(args)?;
    record::probe().map_err(Failure::Unavailable)?;
    let name = parsed.name.clone().unwrap_or_else(|| {
        PathBuf::from(&parsed.program)
            .file_name()
            .map_or_else(|| "program".into(), |n| n.to_string_lossy().into_owned())
    });
    std::fs::create_dir_all(&parsed.out)
        .map_err(|e| Failure::Other(format!("cannot create {}: {e}", parsed.out.display())))?;
    // Ctrl-C and SIGTERM are for the program: it is in our process group and gets them too. We
    // stay to write what was recorded; a second Ctrl-C ends us at once.
    let interrupted = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&interrupted))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&interrupted)))
            .map_err(|e| Failure::Other(format!("cannot handle signals: {e}")))?;
    }
    // How busy the machine was: other programs' load shows as runnable time in the picture.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string));
    let trace_file = parsed.out.join(format!("{name}.strace"));
    let recorded = record::record(
        &parsed.program,
        &parsed.args,
        &trace_file,
        parsed.every,
        None,
    )
    .map_err(|e| Failure::Other(e.to_string()))?;
    let trace = strace::parse(&recorded.trace);
    let record = model::build(&trace, &recorded.samples);
    let Some(root) = record.root() else {
        return Err(Failure::Other(format!(
            "strace recorded nothing of {} ({}; its message, if any, is above)",
            parsed.program.to_string_lossy(),
            recorded.status
        )));
    };
    let scale = std::env::var("EXAMPLES_TIME_SCALE").unwrap_or_else(|_| "1".into());
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let title = parsed.title.clone().unwrap_or_else(|| {
        format!(
            "{name} — who ran when, as the OS saw it · time scale {scale} · {}{}",
            count(cpus, "CPU", "CPUs"),
            load.map_or_else(String::new, |l| format!(
                ", load average {l} when it started"
            ))
        )
    });
    let (svg, json) = timeline::write_outputs(&record, &name, &title, &parsed.out)
        .map_err(|e| Failure::Other(e.to_string()))?;
    let threads = record.threads().count();
    eprintln!(
        "timeline: {}, {}, {}, {:.2} s → {} and {} (open the .json in https://ui.perfetto.dev){}",
        count(record.processes.len(), "process", "processes"),
        count(threads, "thread", "threads"),
        count(record.prints().len(), "line printed", "lines printed"),
        (record.end - record.start) as f64 / 1e6,
        svg.display(),
        json.display(),
        if trace.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} trace lines not understood", trace.skipped.len())
        }
    );
    Ok(exit_as(root.ended.as_ref(), recorded.status))
}

/// Ends as the program ended: its exit code, or its fatal signal.
fn exit_as(ended: Option<&strace::Ended>, status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let signal = match ended {
        Some(strace::Ended::Exited(code)) => return ExitCode::from(*code as u8),
        Some(strace::Ended::Killed(name)) => signal_number(name),
        _ => status.signal(),
    };
    if let Some(signal) = signal {
        // Does not return for a fatal signal; for others, fall through to the shell's code.
        let _ = signal_hook::low_level::emulate_default_handler(signal);
        return ExitCode::from((128 + signal) as u8);
    }
    ExitCode::from(status.code().unwrap_or(1) as u8)
}

/// `SIGPIPE` → 13, for the signals a program commonly dies of.
fn signal_number(name: &str) -> Option<i32> {
    use signal_hook::consts::signal::*;
    Some(match name {
        "SIGHUP" => SIGHUP,
        "SIGINT" => SIGINT,
        "SIGQUIT" => SIGQUIT,
        "SIGILL" => SIGILL,
        "SIGABRT" => SIGABRT,
        "SIGBUS" => SIGBUS,
        "SIGFPE" => SIGFPE,
        "SIGKILL" => SIGKILL,
        "SIGSEGV" => SIGSEGV,
        "SIGPIPE" => SIGPIPE,
        "SIGALRM" => SIGALRM,
        "SIGTERM" => SIGTERM,
        "SIGUSR1" => SIGUSR1,
        "SIGUSR2" => SIGUSR2,
        _ => return None,
    })
}

fn overhead_command(args: Vec<OsString>) -> Result<ExitCode, Failure> {
    let parsed = parse(args)?;
    record::probe().map_err(Failure::Unavailable)?;
    let scratch = parsed.scratch.clone().unwrap_or_else(std::env::temp_dir);
    let measured = overhead::measure(
        &parsed.program,
        &parsed.args,
        parsed.stdin.as_bytes(),
        parsed.runs,
        parsed.every,
        &scratch,
    )
    .map_err(|e| Failure::Other(e.to_string()))?;
    println!(
        "plain {:.3} s, recorded {:.3} s, ratio {:.2} (medians of {} rounds)",
        measured.plain, measured.recorded, measured.ratio, measured.rounds
    );
    Ok(ExitCode::SUCCESS)
}

/// `1 process`, `5 processes`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
