//! `cargo xtask run-all`: build every example in one cargo invocation, run them, report.
//!
//! Examples that may share the machine run together, each on a thread of ours, so the whole run
//! takes about as long as the slowest of them; those marked `alone` in the catalog run afterwards,
//! one at a time. Each runs through [`harness`]: its own process group, its own timeout, its
//! output kept together and printed under a heading when it ends, anything it leaves running
//! reported as a failure.
//!
//! A signal that would end us (Ctrl-C's SIGINT, SIGTERM, SIGHUP, SIGQUIT) — the first and any
//! later one alike — only sets [`cancel_flag`]: every running example's process group is killed,
//! the summary printed, and the run ends with 130. When our own stdout goes away (`| head`), the
//! same cleanup runs silently and the run then ends as SIGPIPE ends a Unix tool: nothing may be
//! left running because nobody reads us any more.
//!
//! The examples get a temporary directory of the run's own as `TMPDIR`: anything they leave in
//! it is reported, as is anything new in /dev/shm.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use harness::{Outcome, Running, Spec, port_in};
use nix::sys::signal::Signal;

use crate::catalog::{self, Example, Run};
use crate::workspace;

/// Every timeout is at least this long: building nothing, starting, printing.
pub const GRACE: Duration = Duration::from_secs(30);

/// Set by a signal (Ctrl-C…) or when our stdout is gone.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// Set when a write to our stdout failed: nobody reads us any more.
static OUTPUT_GONE: AtomicBool = AtomicBool::new(false);

/// The temporary directory the examples get as `TMPDIR`: one of this run's own, so that what
/// they leave in it is theirs, whatever else the machine does meanwhile.
static EXAMPLES_TMPDIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The flag that stops a run: set by [`handle_signals`]'s signals and by [`say`] when stdout is
/// gone. Whatever runs examples waits on it.
pub fn cancel_flag() -> &'static AtomicBool {
    &CANCEL
}

/// Makes SIGINT, SIGTERM, SIGHUP and SIGQUIT set [`cancel_flag`] instead of ending us, every
/// time they come: a second Ctrl-C during the cleanup does not cut it short.
pub fn handle_signals() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
        signal_hook::flag::register(signal, &CANCEL)?;
    }
    Ok(())
}

/// Writes `text` to stdout at once. If stdout is gone (a closed pipe, `| head`), nothing more
/// is written and the run is cancelled; the caller ends with [`end_if_output_gone`] after its
/// cleanup.
pub fn say(text: &str) {
    use std::io::Write;
    if OUTPUT_GONE.load(Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        OUTPUT_GONE.store(true, Ordering::SeqCst);
        CANCEL.store(true, Ordering::SeqCst);
    }
}

/// After the cleanup: if stdout went away, ends the process as SIGPIPE ends a Unix tool.
pub fn end_if_output_gone() {
    if OUTPUT_GONE.load(Ordering::SeqCst) {
        pace::output::end_as_by_sigpipe();
    }
}

/// What the reader asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// The time scale handed to every example (`EXAMPLES_TIME_SCALE`).
    pub scale: f64,
    /// The time scale as the reader typed it, for messages.
    pub scale_text: String,
    /// Run only the examples whose names contain one of these (all when empty).
    pub filters: Vec<String>,
}

/// How one example went.
#[derive(Debug)]
pub struct Report {
    /// The example.
    pub example: &'static Example,
    /// Passed: exited 0, in time, leaving nothing behind.
    pub ok: bool,
    /// `ok`, `FAILED (1)`, `TIMED OUT`, …
    pub verdict: String,
    /// Wall time.
    pub secs: f64,
    /// Everything it printed (stdout and stderr merged), plus notes from the harness.
    pub output: String,
}

/// The timeout of `example` at time scale `scale`.
pub fn timeout(example: &Example, scale: f64) -> Duration {
    // However large the scale, a run that lasts a month has hung (and a deadline must stay a
    // point in time the clock can hold).
    const LONGEST: Duration = Duration::from_secs(30 * 24 * 3600);
    let paced =
        Duration::try_from_secs_f64(f64::from(example.paced_secs) * scale * 2.0).unwrap_or(LONGEST);
    GRACE.saturating_add(paced).min(LONGEST)
}

/// A time scale as text for a person or an environment variable: as Rust prints it, unless that
/// is long (`1e300` has 301 digits), then in exponent form.
pub fn scale_text(scale: f64) -> String {
    let plain = scale.to_string();
    if plain.len() <= 24 {
        plain
    } else {
        format!("{scale:e}")
    }
}

/// Runs the chosen examples; returns the process exit code (0 all passed, 1 something failed,
/// 130 interrupted).
pub fn run_all(options: &Options) -> io::Result<i32> {
    let chosen: Vec<&'static Example> = catalog::in_notes_order()
        .into_iter()
        .filter(|e| {
            options.filters.is_empty()
                || options.filters.iter().any(|f| e.name.contains(f.as_str()))
        })
        .collect();
    if chosen.is_empty() {
        eprintln!(
            "no example matches {:?}; `cargo xtask list` shows them all",
            options.filters
        );
        return Ok(2);
    }

    say("Building the examples …\n");
    if !workspace::build_examples()? {
        eprintln!("the build failed; nothing was run");
        return Ok(1);
    }
    let target = workspace::target_dir()?;
    if CANCEL.load(Ordering::SeqCst) {
        // Our output went away during the build: nobody would see the run.
        return Ok(130);
    }

    handle_signals()?;

    let shm_before = shm_entries();
    let tree_before = tree_status();
    let tmp = pace::temp_dir()?;
    let _ = EXAMPLES_TMPDIR.set(tmp.path().to_path_buf());
    let (together, alone): (Vec<&Example>, Vec<&Example>) =
        chosen.iter().copied().partition(|e| !e.alone);
    say(&format!(
        "Running {} examples together, then {} alone, at time scale {} (EXAMPLES_TIME_SCALE) …\n",
        together.len(),
        alone.len(),
        options.scale_text
    ));
    let started = Instant::now();
    let total = chosen.len();
    let mut reports: Vec<Report> = Vec::new();

    thread::scope(|scope| {
        let (done, finished) = mpsc::channel();
        for example in &together {
            let done = done.clone();
            let target = &target;
            scope.spawn(move || {
                let _ = done.send(run_one(example, target, options.scale));
            });
        }
        drop(done);
        for report in finished {
            print_report(reports.len() + 1, total, &report);
            reports.push(report);
        }
    });
    for example in alone {
        if CANCEL.load(Ordering::SeqCst) {
            break;
        }
        say(&format!(
            "[{}/{total}] {} runs alone …\n",
            reports.len() + 1,
            example.name
        ));
        let report = run_one(example, &target, options.scale);
        print_report(reports.len() + 1, total, &report);
        reports.push(report);
    }

    let mut problems = Vec::new();
    let tmp_left = entries(tmp.path());
    if !tmp_left.is_empty() {
        problems.push(format!(
            "left in the temporary directory ($TMPDIR): {}",
            tmp_left.join(", ")
        ));
    }
    let shm_left: Vec<String> = shm_entries().difference(&shm_before).cloned().collect();
    if !shm_left.is_empty() {
        problems.push(format!("left in /dev/shm: {}", shm_left.join(", ")));
    }
    if let (Some(before), Some(after)) = (&tree_before, tree_status())
        && &after != before
    {
        problems.push(format!(
            "changed the repository's working tree (git status):\n{}",
            after
                .difference(before)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    print_summary(&chosen, &reports, started.elapsed(), &problems);

    Ok(if CANCEL.load(Ordering::SeqCst) {
        130
    } else if reports.iter().all(|r| r.ok) && problems.is_empty() {
        0
    } else {
        1
    })
}

/// Runs one example as the catalog says, with its [`timeout`].
pub fn run_one(example: &'static Example, target: &Path, scale: f64) -> Report {
    run_one_within(example, target, scale, timeout(example, scale))
}

/// Runs one example as the catalog says, killing it after `limit`; never panics, every failure
/// becomes a report. `target` is the target directory whose `debug/` holds the binaries.
pub fn run_one_within(
    example: &'static Example,
    target: &Path,
    scale: f64,
    limit: Duration,
) -> Report {
    let started = Instant::now();
    let result = match example.run {
        Run::Plain => single(example.name, target, scale, limit, &[], None),
        Run::Args(args) => single(example.name, target, scale, limit, args, None),
        Run::Stdin(input) => single(example.name, target, scale, limit, &[], Some(input)),
        Run::Server { client, stdin } => pair(target, scale, limit, example.name, client, stdin),
        Run::Client { server, stdin } => pair(target, scale, limit, server, example.name, stdin),
    };
    let (ok, verdict, output) = match result {
        Ok(parts) => parts,
        Err(e) => (false, "ERROR".to_string(), format!("xtask: {e}\n")),
    };
    Report {
        example,
        ok,
        verdict,
        secs: started.elapsed().as_secs_f64(),
        output,
    }
}

type Parts = (bool, String, String);

fn spec(target: &Path, name: &str, scale: f64, timeout: Duration) -> Spec {
    // The program itself, or the timeline recorder running it (`--timelines`).
    let spec = crate::timeline::program(bin(target, name), name)
        .env(pace::ENV, scale_text(scale))
        .merge_output(true)
        .timeout(timeout);
    match EXAMPLES_TMPDIR.get() {
        Some(tmp) => spec.env("TMPDIR", tmp),
        None => spec,
    }
}

/// The names in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn bin(target: &Path, name: &str) -> PathBuf {
    target.join("debug").join(name)
}

fn single(
    name: &str,
    target: &Path,
    scale: f64,
    limit: Duration,
    args: &[&str],
    stdin: Option<&str>,
) -> io::Result<Parts> {
    let mut spec = spec(target, name, scale, limit).args(args);
    if let Some(input) = stdin {
        spec = spec.stdin(input);
    }
    let outcome = spec.run_until(&CANCEL)?;
    Ok((
        outcome.success(),
        outcome.verdict(),
        with_leftovers(&outcome),
    ))
}

/// A server and a scripted client session against it, on a port the server picks.
fn pair(
    target: &Path,
    scale: f64,
    limit: Duration,
    server: &str,
    client: &str,
    input: &str,
) -> io::Result<Parts> {
    let outcome = run_pair(
        spec(target, server, scale, limit).args(["--port", "0"]),
        |running| {
            running
                .wait_for_line(GRACE, |line| line.contains("127.0.0.1:"))
                .as_deref()
                .and_then(port_in)
        },
        |port| {
            Ok(spec(target, client, scale, limit)
                .args(["--port", &port.to_string()])
                .stdin(input))
        },
        &CANCEL,
    )?;
    let mut output = format!("$ {server} --port 0\n{}", with_leftovers(&outcome.server));
    let (ok, verdict) = match (&outcome.client, outcome.port) {
        (Some(client_outcome), Some(port)) => {
            output.push_str(&format!(
                "$ {client} --port {port}   # typing: {:?}\n{}",
                input,
                with_leftovers(client_outcome)
            ));
            let ok = outcome.server.success() && client_outcome.success();
            let verdict = if ok {
                "ok".to_string()
            } else {
                format!(
                    "server {}, client {}",
                    outcome.server.verdict(),
                    client_outcome.verdict()
                )
            };
            (ok, verdict)
        }
        _ => {
            output.push_str("xtask: the server never printed the 127.0.0.1:PORT it listens on\n");
            (
                false,
                format!("server {}, no address", outcome.server.verdict()),
            )
        }
    };
    Ok((ok, verdict, output))
}

/// What a server and its client did.
#[derive(Debug)]
pub struct PairOutcome {
    /// The server, stopped with SIGTERM after the client.
    pub server: Outcome,
    /// The client; `None` when the server never told its port.
    pub client: Option<Outcome>,
    /// The port the server listened on.
    pub port: Option<u16>,
}

/// Starts `server`, learns its port with `find_port`, runs the client that `client` makes for
/// that port to its end, then stops the server with SIGTERM and waits for it. Both in their own
/// process groups, with their own timeouts; `cancel` kills both.
pub fn run_pair(
    server: Spec,
    find_port: impl FnOnce(&mut Running) -> Option<u16>,
    client: impl FnOnce(u16) -> io::Result<Spec>,
    cancel: &AtomicBool,
) -> io::Result<PairOutcome> {
    let mut running = server.spawn()?;
    let port = find_port(&mut running);
    let client_outcome = match port {
        Some(port) => match client(port).and_then(|spec| spec.run_until(cancel)) {
            Ok(outcome) => Some(outcome),
            Err(e) => {
                let _ = running.signal(Signal::SIGKILL);
                let _ = running.wait(cancel);
                return Err(e);
            }
        },
        None => None,
    };
    // A server stops on SIGTERM; one that already died gets nothing (ESRCH).
    let _ = running.signal(Signal::SIGTERM);
    let server = running.wait(cancel)?;
    Ok(PairOutcome {
        server,
        client: client_outcome,
        port,
    })
}

fn with_leftovers(outcome: &Outcome) -> String {
    let mut text = outcome.stdout.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !outcome.leftovers.is_empty() {
        text.push_str(&format!(
            "xtask: still running after the program exited (now killed): {}\n",
            outcome.leftovers.join(", ")
        ));
    }
    text
}

fn print_report(index: usize, total: usize, report: &Report) {
    let heading = format!(
        "── [{index}/{total}] {} · {} · {} · {:.2} s ",
        report.example.name, report.example.section, report.verdict, report.secs
    );
    let rule = "─".repeat(100usize.saturating_sub(width(&heading)));
    say(&format!("\n{heading}{rule}\n{}", report.output));
}

fn print_summary(chosen: &[&Example], reports: &[Report], elapsed: Duration, problems: &[String]) {
    say("\n══ Summary ══\n");
    let mut rows = vec![[
        "example".to_string(),
        "status".to_string(),
        "seconds".to_string(),
        "section".to_string(),
    ]];
    for example in chosen {
        let row = match reports.iter().find(|r| r.example.name == example.name) {
            Some(r) => [
                r.example.name.into(),
                r.verdict.clone(),
                format!("{:.2}", r.secs),
                r.example.section.into(),
            ],
            None => [
                example.name.into(),
                "NOT RUN".into(),
                "-".into(),
                example.section.into(),
            ],
        };
        rows.push(row);
    }
    say(&table(&rows));
    let failed = reports.iter().filter(|r| !r.ok).count();
    let not_run = chosen.len() - reports.len();
    say(&format!(
        "{} passed, {failed} failed, {not_run} not run, in {:.1} s\n",
        reports.len() - failed,
        elapsed.as_secs_f64()
    ));
    for problem in problems {
        say(&format!("problem: {problem}\n"));
    }
    if CANCEL.load(Ordering::SeqCst) {
        say("interrupted: the running examples were killed with their process groups\n");
    }
}

/// Rows as a text table, columns padded to their widest cell (CJK characters count two).
pub fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.push_str(&" ".repeat(w - width(cell) + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Columns a string takes in a terminal: wide (CJK) characters count two.
pub fn width(text: &str) -> usize {
    crate::columns::width(text)
}

/// The names in /dev/shm (empty where there is none).
fn shm_entries() -> BTreeSet<String> {
    std::fs::read_dir("/dev/shm")
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `git status --porcelain` of the repository, when git is there to ask.
fn tree_status() -> Option<BTreeSet<String>> {
    let output = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(workspace::root())
        .output()
        .ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(width("§5 线程锁"), 3 + 6);
        let text = table(&[
            ["线程".to_string(), "x".to_string()],
            ["ab".to_string(), "y".to_string()],
        ]);
        assert_eq!(text, "线程  x\nab    y\n");
    }

    #[test]
    fn time_scales_print_short() {
        assert_eq!(scale_text(0.05), "0.05");
        assert_eq!(scale_text(1.0), "1");
        assert_eq!(scale_text(1e300), "1e300");
    }

    #[test]
    fn timeouts_grow_with_the_paced_time_and_the_scale() {
        let example = Example {
            paced_secs: 0,
            ..catalog::CATALOG[0]
        };
        let paced = Example {
            paced_secs: 100,
            ..example
        };
        assert_eq!(timeout(&example, 1.0), GRACE);
        assert_eq!(timeout(&paced, 0.05), GRACE + Duration::from_secs(10));
        assert_eq!(timeout(&paced, 1.0), GRACE + Duration::from_secs(200));
        assert_eq!(timeout(&paced, 1e300), Duration::from_secs(30 * 24 * 3600));
    }
}
