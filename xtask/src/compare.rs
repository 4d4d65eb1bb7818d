//! `cargo xtask compare`: the notes' own Python beside the Rust, line by line.
//!
//! Three parts, all returning data (the terminal rendering is `render`'s, a layer above):
//!
//! - the **runner** ([`run_python`], [`run_rust`]): each side in a fresh temporary directory
//!   prepared as the snippet needs (`f1.txt`, a module file), stdin closed, its own process
//!   group, a timeout, the same time scale. Python runs the block from the reader's notes through
//!   the project's prelude (`xtask/python/`): `sitecustomize.py` on `PYTHONPATH` scales
//!   `time.sleep` in every process of the snippet, spawned and forkserver children included;
//!   `xtask_prelude.py` runs the snippet with `runpy`, after the project's completion when the
//!   block is a fragment. The §11 pair runs as server and scripted client, as run-all runs the
//!   Rust pair; the snippets' fixed port 8001 is mapped to one the OS picks (see
//!   `sitecustomize.py`), so that compare never clashes with a server on 8001;
//! - the **normalizer** ([`normalize`]): object addresses, process ids, thread ids, ports and
//!   temporary paths become placeholders — addresses and pids numbered in the order they first
//!   appear, so that "the same object twice" or "the child of the first process" still shows;
//! - the **matcher** ([`match_lines`]): every Python line is found in the Rust output (each Rust
//!   line used once), or declared in the catalog with its reason, or missing. Rust may print more
//!   (lines that explain it); a missing Python line fails the verdict.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use harness::{Outcome, Spec, Status};
use nix::sys::signal::Signal;

use crate::catalog::{self, Content, Declared, Example, Python, Run};
use crate::notes::{CodeBlock, Notes};
use crate::pairing::{self, Paired};
use crate::runall;

/// The project's sitecustomize: scales `time.sleep` in every Python process of a snippet.
pub const SITECUSTOMIZE: &str = include_str!("../python/sitecustomize.py");
/// The project's prelude: runs a snippet with `runpy`.
pub const PRELUDE: &str = include_str!("../python/xtask_prelude.py");

/// The port the §11 snippets bind and connect to, mapped for each run to one the OS picks.
pub const SNIPPET_PORT: u16 = 8001;

/// Python takes longer to start than a Rust program; on top of run-all's timeout.
const PYTHON_GRACE: Duration = Duration::from_secs(30);

/// How compare runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The time scale of both sides.
    pub scale: f64,
    /// The Python interpreter (`python3`).
    pub python: PathBuf,
    /// The target directory whose `debug/` holds the examples.
    pub target: PathBuf,
}

/// One side's run.
#[derive(Debug)]
pub struct SideRun {
    /// What ran: `python3 §5 block 1`, `s05-lock`.
    pub program: String,
    /// How it ended.
    pub status: Status,
    /// Ended as it should: exit 0, or — a server — by the SIGTERM that stopped it.
    pub ok: bool,
    /// Its stdout and stderr, merged, as printed.
    pub output: String,
    /// Wall time.
    pub secs: f64,
    /// Processes it left running (killed). Only for the Rust side: Python's own helpers (the
    /// resource tracker that spawn starts, a manager's server) may still be ending when the
    /// interpreter has exited; they are killed with the group but not held against the notes.
    pub leftovers: Vec<String>,
    /// The pids this run could have printed: from its own to the last one the system handed out
    /// when it ended.
    pub pids: (u32, u32),
}

impl SideRun {
    /// `ok, 0.41 s` / `exit 1, 0.30 s`.
    pub fn summary(&self) -> String {
        let status = match self.status {
            Status::Exited(0) => "ok".to_string(),
            Status::Exited(code) => format!("exit {code}"),
            Status::Signaled(s) if s == Signal::SIGTERM as i32 => "stopped by SIGTERM".into(),
            Status::Signaled(s) => format!("killed by signal {s}"),
            Status::TimedOut => "TIMED OUT".into(),
            Status::Cancelled => "cancelled".into(),
        };
        let left = if self.leftovers.is_empty() {
            String::new()
        } else {
            format!(", left {} process(es) running", self.leftovers.len())
        };
        format!("{status}{left}, {:.2} s", self.secs)
    }

    fn from_outcome(program: String, outcome: Outcome, ok: bool, pids: (u32, u32)) -> SideRun {
        SideRun {
            program,
            status: outcome.status,
            ok,
            output: outcome.stdout,
            secs: outcome.elapsed.as_secs_f64(),
            leftovers: outcome.leftovers,
            pids,
        }
    }
}

/// How a Python line fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Found: this Rust line (index into the Rust lines) prints it.
    Found(usize),
    /// Not printed by the Rust, and declared in the catalog, for this reason.
    Declared(&'static str),
    /// Not printed by the Rust, and not declared.
    Missing,
}

/// A normalized Python line and how it fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonLine {
    /// The line, normalized.
    pub text: String,
    /// Found, declared or missing.
    pub mark: Mark,
}

/// A normalized Rust line, and the Python line it prints, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustLine {
    /// The line, normalized.
    pub text: String,
    /// The Python line (index) it was matched with.
    pub matched: Option<usize>,
}

/// A row of the side-by-side display: a Python line beside a Rust line (indexes), either may be
/// missing.
pub type Row = (Option<usize>, Option<usize>);

/// The outcome of one example's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every Python line found or declared.
    Agrees {
        /// Lines found.
        found: usize,
        /// Lines declared.
        declared: usize,
    },
    /// Python lines missing from the Rust output, undeclared.
    Differs {
        /// How many.
        missing: usize,
        /// Of how many Python lines.
        total: usize,
    },
    /// An extension shows more than its snippet: compared for reference, never a failure.
    Reference {
        /// Lines not printed.
        missing: usize,
        /// Of how many.
        total: usize,
    },
    /// No Python to run, for this reason.
    NothingToRun(String),
    /// A side did not run as it should.
    Failed(String),
}

impl Verdict {
    /// It does not fail a `compare` run.
    pub fn passes(&self) -> bool {
        !matches!(self, Verdict::Differs { .. } | Verdict::Failed(_))
    }
}

/// One example compared with its snippet.
#[derive(Debug)]
pub struct Comparison {
    /// The example.
    pub example: &'static Example,
    /// The heading of its part of the notes.
    pub heading: String,
    /// `§9.1 block 3`, or the section of a passage.
    pub locator: String,
    /// What the reader should know about how the Python ran (a completion, a mapped port).
    pub note: Option<String>,
    /// The Python side, when it ran.
    pub python: Option<SideRun>,
    /// The Rust side, when it ran.
    pub rust: Option<SideRun>,
    /// Python's lines, normalized and marked.
    pub python_lines: Vec<PythonLine>,
    /// Rust's lines, normalized.
    pub rust_lines: Vec<RustLine>,
    /// The two outputs aligned for display: indexes into the two lists of lines.
    pub rows: Vec<Row>,
    /// The verdict.
    pub verdict: Verdict,
}

impl Comparison {
    /// Each declaration used, with how many lines it covered.
    pub fn declarations_used(&self) -> Vec<(&'static str, usize)> {
        let mut used: Vec<(&'static str, usize)> = Vec::new();
        for line in &self.python_lines {
            if let Mark::Declared(why) = line.mark {
                match used.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, n)) => *n += 1,
                    None => used.push((why, 1)),
                }
            }
        }
        used
    }

    fn nothing(example: &'static Example, heading: String, locator: String, why: String) -> Self {
        Comparison {
            example,
            heading,
            locator,
            note: None,
            python: None,
            rust: None,
            python_lines: Vec::new(),
            rust_lines: Vec::new(),
            rows: Vec::new(),
            verdict: Verdict::NothingToRun(why),
        }
    }
}

/// What [`normalize`] replaces besides the generic patterns.
#[derive(Debug, Clone, Default)]
pub struct Normalization {
    /// Paths replaced by a placeholder, in this order: `(path, "<dir>")`.
    pub paths: Vec<(String, &'static str)>,
    /// Whole numbers in this range (inclusive) are process ids.
    pub pids: Option<(u32, u32)>,
}

/// `output` as lines, normalized: the given paths, other temporary paths (`<tmp>`), object
/// addresses (`0x<addr1>`, `0x<addr2>`, … by first appearance), ports of 127.0.0.1
/// (`127.0.0.1:<port>`), thread ids (`ThreadId(<tid>)`, `started <tid>`) and — when asked —
/// process ids (`<pid1>`, `<pid2>`, … by first appearance). Trailing spaces and blank lines are
/// dropped.
pub fn normalize(output: &str, how: &Normalization) -> Vec<String> {
    let mut addresses: Vec<String> = Vec::new();
    let mut pids: Vec<String> = Vec::new();
    let tmp = std::env::temp_dir()
        .to_string_lossy()
        .trim_end_matches('/')
        .to_string()
        + "/";
    output
        .lines()
        .map(|line| {
            let mut line = line.trim_end().to_string();
            for (path, placeholder) in &how.paths {
                if !path.is_empty() {
                    line = line.replace(path.as_str(), placeholder);
                }
            }
            line = replace_paths(&line, &tmp);
            line = replace_hex(&line, &mut addresses);
            line = replace_after(&line, "127.0.0.1:", "<port>");
            line = replace_wrapped_number(&line, "ThreadId(", ")", "<tid>");
            line = replace_after(&line, "started ", "<tid>");
            if let Some(range) = how.pids {
                line = replace_pids(&line, range, &mut pids);
            }
            line
        })
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// Temporary paths (`/tmp/.tmpAbC/x1.txt`) → `<tmp>`.
fn replace_paths(line: &str, tmp: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(tmp) {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after
            .find(|c: char| c.is_whitespace() || !c.is_ascii() || "'\"`),;:".contains(c))
            .unwrap_or(after.len());
        out.push_str("<tmp>");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `0x7f5fdb0a5d10` (4 hex digits or more) → `0x<addrN>`, N by first appearance.
fn replace_hex(line: &str, seen: &mut Vec<String>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("0x") {
        let digits: String = rest[at + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        let boundary = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        out.push_str(&rest[..at]);
        if digits.len() >= 4 && boundary {
            let key = digits.to_ascii_lowercase();
            let n = match seen.iter().position(|s| *s == key) {
                Some(i) => i + 1,
                None => {
                    seen.push(key);
                    seen.len()
                }
            };
            out.push_str(&format!("0x<addr{n}>"));
            rest = &rest[at + 2 + digits.len()..];
        } else {
            out.push_str("0x");
            rest = &rest[at + 2..];
        }
    }
    out.push_str(rest);
    out
}

/// The digits right after each `prefix` → `placeholder`.
fn replace_after(line: &str, prefix: &str, placeholder: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let start = at + prefix.len();
        let digits = rest[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        out.push_str(&rest[..start]);
        if digits > 0 {
            out.push_str(placeholder);
        }
        rest = &rest[start + digits..];
    }
    out.push_str(rest);
    out
}

/// `ThreadId(12)` → `ThreadId(<tid>)`.
fn replace_wrapped_number(line: &str, open: &str, close: &str, placeholder: &str) -> String {
    let replaced = replace_after(line, open, placeholder);
    // Only where the digits were closed: `ThreadId(<tid>)`; anything else is left as it was.
    if replaced
        .matches(&format!("{open}{placeholder}{close}"))
        .count()
        == replaced.matches(&format!("{open}{placeholder}")).count()
    {
        replaced
    } else {
        line.to_string()
    }
}

/// Whole numbers within `range` → `<pidN>`, N by first appearance.
fn replace_pids(line: &str, (low, high): (u32, u32), seen: &mut Vec<String>) -> String {
    let in_range = |n: u32| {
        if low <= high {
            (low..=high).contains(&n)
        } else {
            // The pid counter wrapped during the run.
            n >= low || (300..=high).contains(&n)
        }
    };
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_number = c.is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
        if !starts_number {
            out.push(c);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        let digits: String = chars[i..end].iter().collect();
        let whole =
            end == chars.len() || !(chars[end].is_ascii_alphanumeric() || chars[end] == '.');
        match digits.parse::<u32>() {
            Ok(n) if whole && in_range(n) => {
                let k = match seen.iter().position(|s| *s == digits) {
                    Some(k) => k + 1,
                    None => {
                        seen.push(digits);
                        seen.len()
                    }
                };
                out.push_str(&format!("<pid{k}>"));
            }
            _ => out.push_str(&digits),
        }
        i = end;
    }
    out
}

/// Matches Python's lines against Rust's: each Python line, in order, takes the first unused
/// equal Rust line after the previous match (else any unused equal one); a line not found is
/// declared when a declaration covers it, else missing. Returns the marked lines of both sides
/// and rows that align the matches that keep their order.
pub fn match_lines(
    python: &[String],
    rust: &[String],
    declared: &[Declared],
) -> (Vec<PythonLine>, Vec<RustLine>, Vec<Row>) {
    let mut rust_lines: Vec<RustLine> = rust
        .iter()
        .map(|text| RustLine {
            text: text.clone(),
            matched: None,
        })
        .collect();
    let mut cursor = 0;
    let mut python_lines = Vec::new();
    let mut after_warning: Option<&'static str> = None;
    for (i, text) in python.iter().enumerate() {
        let free = |j: &usize| rust_lines[*j].matched.is_none() && rust_lines[*j].text == *text;
        let found = (cursor..rust_lines.len())
            .find(free)
            .or_else(|| (0..rust_lines.len()).find(free));
        let mark = match found {
            Some(j) => {
                rust_lines[j].matched = Some(i);
                cursor = j + 1;
                Mark::Found(j)
            }
            None => match declaration_for(text, after_warning, declared) {
                Some(why) => Mark::Declared(why),
                None => Mark::Missing,
            },
        };
        after_warning = declared.iter().find_map(|d| match d {
            Declared::Warning { category, why } if is_warning(text, category) => Some(*why),
            _ => None,
        });
        python_lines.push(PythonLine {
            text: text.clone(),
            mark,
        });
    }
    let rows = align(&python_lines, rust_lines.len());
    (python_lines, rust_lines, rows)
}

/// `FILE:LINE: CategoryWarning: message`, Python's warning line.
fn is_warning(line: &str, category: &str) -> bool {
    line.contains(&format!(": {category}: "))
}

fn declaration_for(
    line: &str,
    after_warning: Option<&'static str>,
    declared: &[Declared],
) -> Option<&'static str> {
    // The source line Python quotes under a warning is indented.
    if let Some(why) = after_warning
        && line.starts_with("  ")
    {
        return Some(why);
    }
    declared.iter().find_map(|d| match d {
        Declared::Warning { category, why } if is_warning(line, category) => Some(*why),
        Declared::Lines { containing, why } if line.contains(containing) => Some(*why),
        Declared::Between { low, high, why }
            if line
                .parse::<u64>()
                .is_ok_and(|n| (*low..=*high).contains(&n)) =>
        {
            Some(*why)
        }
        _ => None,
    })
}

/// Rows for display: the longest run of matches in the same order on both sides sits on shared
/// rows; the lines between them pair up as they come.
fn align(python: &[PythonLine], rust_count: usize) -> Vec<Row> {
    let matches: Vec<(usize, usize)> = python
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match l.mark {
            Mark::Found(j) => Some((i, j)),
            _ => None,
        })
        .collect();
    let chain = longest_increasing(&matches);
    let mut rows = Vec::new();
    let (mut p, mut r) = (0, 0);
    for (i, j) in chain {
        pair_up(&mut rows, (&mut p, i), (&mut r, j));
        rows.push((Some(i), Some(j)));
        p = i + 1;
        r = j + 1;
    }
    pair_up(&mut rows, (&mut p, python.len()), (&mut r, rust_count));
    rows
}

/// Rows for the lines from `*p` to `p_end` beside those from `*r` to `r_end`, in order.
fn pair_up(rows: &mut Vec<Row>, (p, p_end): (&mut usize, usize), (r, r_end): (&mut usize, usize)) {
    while *p < p_end || *r < r_end {
        let left = (*p < p_end).then_some(*p);
        let right = (*r < r_end).then_some(*r);
        rows.push((left, right));
        *p += usize::from(left.is_some());
        *r += usize::from(right.is_some());
    }
}

/// The longest subsequence of `pairs` (increasing in `.0`) that also increases in `.1`.
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // Patience sorting: tails[k] is the index of the smallest end of a run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, &(_, j)) in pairs.iter().enumerate() {
        let at = tails.partition_point(|&t| pairs[t].1 < j);
        previous[k] = at.checked_sub(1).map(|a| tails[a]);
        if at == tails.len() {
            tails.push(k);
        } else {
            tails[at] = k;
        }
    }
    let mut chain = Vec::new();
    let mut next = tails.last().copied();
    while let Some(k) = next {
        chain.push(pairs[k]);
        next = previous[k];
    }
    chain.reverse();
    chain
}

/// The last pid the system handed out (Linux), or `u32::MAX` where it cannot be read.
fn last_pid() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

/// A fresh working directory for one run, with the files the snippet needs.
#[derive(Debug)]
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// Makes `<tmp>/xtask-compare-NAME-…/` with `python/`, `rust/` and `support/`, and writes
    /// `files` into `python/` and `rust/`.
    pub fn new(name: &str, files: &[(String, String)]) -> io::Result<Workdir> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("xtask-compare-{name}-"))
            .tempdir()?;
        for sub in ["python", "rust", "support"] {
            std::fs::create_dir(dir.path().join(sub))?;
        }
        for (file, content) in files {
            for side in ["python", "rust"] {
                std::fs::write(dir.path().join(side).join(file), content)?;
            }
        }
        std::fs::write(dir.path().join("support/sitecustomize.py"), SITECUSTOMIZE)?;
        std::fs::write(dir.path().join("support/xtask_prelude.py"), PRELUDE)?;
        Ok(Workdir { dir })
    }

    /// The working directory of one side, `python` or `rust`.
    pub fn side(&self, side: &str) -> PathBuf {
        self.dir.path().join(side)
    }

    /// The directory of the prelude, the snippets and the completions.
    pub fn support(&self) -> PathBuf {
        self.dir.path().join("support")
    }
}

/// A block's code written into `support/` as `file`; its path.
fn write_snippet(work: &Workdir, file: &str, code: &str) -> io::Result<PathBuf> {
    let path = work.support().join(file);
    std::fs::write(&path, code)?;
    Ok(path)
}

/// `python3 xtask_prelude.py SNIPPET` for `block`, in `work`'s python directory.
fn python_spec(
    options: &Options,
    work: &Workdir,
    example: &'static Example,
    snippet: &Path,
    timeout: Duration,
) -> io::Result<Spec> {
    let mut spec = Spec::new(&options.python)
        .arg(work.support().join("xtask_prelude.py"))
        .arg(snippet)
        .current_dir(work.side("python"))
        .env("PYTHONPATH", work.support())
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("XTASK_TIME_SCALE", runall::scale_text(options.scale))
        .merge_output(true)
        .timeout(timeout);
    if let Python::Completed { completion, .. } = pairing::pairing_of(example).python {
        let path = work.support().join("xtask_completion.py");
        std::fs::write(&path, completion)?;
        spec = spec.env("XTASK_COMPLETION", path);
    }
    Ok(spec)
}

/// The pair of a server or client example: `(server, client)`.
fn pair_of(example: &'static Example) -> Option<(&'static Example, &'static Example)> {
    match example.run {
        Run::Server { client, .. } => Some((example, catalog::find(client)?)),
        Run::Client { server, .. } => Some((catalog::find(server)?, example)),
        _ => None,
    }
}

/// Runs `paired`'s block with python3 in `work` (see the module's documentation).
pub fn run_python(
    notes: &Notes,
    paired: &Paired<'_>,
    options: &Options,
    work: &Workdir,
    cancel: &AtomicBool,
) -> io::Result<SideRun> {
    let example = paired.example;
    let timeout = runall::timeout(example, options.scale) + PYTHON_GRACE;
    let block = paired
        .block
        .ok_or_else(|| io::Error::other("no code block to run"))?;
    let Some((server, client)) = pair_of(example) else {
        let snippet = write_snippet(work, "snippet.py", &block.code)?;
        let spec = python_spec(options, work, example, &snippet, timeout)?;
        let spec = match pairing::pairing_of(example).input {
            Some(input) => spec.stdin(input),
            None => spec,
        };
        let running = spec.spawn()?;
        let first = running.pid();
        let outcome = running.wait(cancel)?;
        let ok = outcome.status == Status::Exited(0);
        return Ok(python_side(SideRun::from_outcome(
            format!("python3 {}", block.locator()),
            outcome,
            ok,
            (first, last_pid()),
        )));
    };
    let block_of = |e: &'static Example| -> io::Result<&CodeBlock> {
        pairing::resolve(notes, e)
            .ok()
            .and_then(|p| p.block)
            .ok_or_else(|| io::Error::other(format!("{} has no code block", e.name)))
    };
    let server_code = write_snippet(work, "server.py", &block_of(server)?.code)?;
    let client_code = write_snippet(work, "client.py", &block_of(client)?.code)?;
    let port_file = work.support().join("port");
    let server_spec = python_spec(options, work, server, &server_code, timeout)?
        .env("XTASK_FIXED_PORT", SNIPPET_PORT.to_string())
        .env("XTASK_LISTEN_FILE", &port_file);
    let input = pairing::pairing_of(example).input.unwrap_or("");
    let pair = runall::run_pair(
        server_spec,
        |running| wait_for_port_file(running, &port_file),
        |port| {
            python_spec(options, work, client, &client_code, timeout).map(|spec| {
                spec.env("XTASK_FIXED_PORT", SNIPPET_PORT.to_string())
                    .env("XTASK_CONNECT_PORT", port.to_string())
                    .stdin(input)
            })
        },
        cancel,
    )?;
    let program = format!("python3 {}", block.locator());
    let pids = (0, 0);
    let server_ok = matches!(pair.server.status, Status::Exited(0))
        || pair.server.status == Status::Signaled(Signal::SIGTERM as i32);
    let client_ok = pair
        .client
        .as_ref()
        .is_some_and(|c| c.status == Status::Exited(0));
    Ok(python_side(if std::ptr::eq(example, server) {
        SideRun::from_outcome(
            program,
            pair.server,
            server_ok && pair.client.is_some(),
            pids,
        )
    } else {
        match pair.client {
            Some(outcome) => SideRun::from_outcome(program, outcome, client_ok && server_ok, pids),
            None => no_client(program, pair.server),
        }
    }))
}

/// Python's side: helpers still ending are not the notes' leftovers (see [`SideRun::leftovers`]).
fn python_side(mut run: SideRun) -> SideRun {
    run.leftovers.clear();
    run
}

/// The client never ran: its side is the server's failure.
fn no_client(program: String, server: Outcome) -> SideRun {
    let mut run = SideRun::from_outcome(program, server, false, (0, 0));
    run.output = format!(
        "(the server never said where it listens; its output:)\n{}",
        run.output
    );
    run
}

/// Waits up to 30 s for the Python server to write the port it listens on.
fn wait_for_port_file(running: &mut harness::Running, path: &Path) -> Option<u16> {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Some(port) = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return Some(port);
        }
        if has_exited(running.pid()) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// The process has ended (a zombie not yet reaped counts) — Linux's /proc says.
fn has_exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

/// Runs the example's program in `work` as the catalog says (a server with its client).
pub fn run_rust(
    example: &'static Example,
    options: &Options,
    work: &Workdir,
    cancel: &AtomicBool,
) -> io::Result<SideRun> {
    let timeout = runall::timeout(example, options.scale);
    let spec = |e: &Example| {
        Spec::new(options.target.join("debug").join(e.name))
            .env(pace::ENV, runall::scale_text(options.scale))
            .current_dir(work.side("rust"))
            .merge_output(true)
            .timeout(timeout)
    };
    let Some((server, client)) = pair_of(example) else {
        let mut spec = spec(example);
        match (example.run, pairing::pairing_of(example).input) {
            (_, Some(input)) | (Run::Stdin(input), None) => spec = spec.stdin(input),
            (Run::Args(args), None) => spec = spec.args(args),
            _ => {}
        }
        let running = spec.spawn()?;
        let first = running.pid();
        let outcome = running.wait(cancel)?;
        let ok = outcome.success();
        return Ok(SideRun::from_outcome(
            example.name.to_string(),
            outcome,
            ok,
            (first, last_pid()),
        ));
    };
    let input = pairing::pairing_of(example)
        .input
        .or(match client.run {
            Run::Client { stdin, .. } => Some(stdin),
            _ => None,
        })
        .unwrap_or("");
    let pair = runall::run_pair(
        spec(server).args(["--port", "0"]),
        |running| {
            running
                .wait_for_line(runall::GRACE, |l| l.contains("127.0.0.1:"))
                .as_deref()
                .and_then(harness::port_in)
        },
        |port| {
            Ok(spec(client)
                .args(["--port", &port.to_string()])
                .stdin(input))
        },
        cancel,
    )?;
    let client_ok = pair.client.as_ref().is_some_and(Outcome::success);
    let server_ok = pair.server.success();
    Ok(if std::ptr::eq(example, server) {
        SideRun::from_outcome(
            example.name.into(),
            pair.server,
            server_ok && client_ok,
            (0, 0),
        )
    } else {
        match pair.client {
            Some(outcome) => {
                SideRun::from_outcome(example.name.into(), outcome, client_ok && server_ok, (0, 0))
            }
            None => no_client(example.name.into(), pair.server),
        }
    })
}

/// Runs the example's program alone, in a fresh temporary directory, as [`compare`] runs its
/// Rust side; returns the run and its output normalized as [`compare`] normalizes it. For an
/// example with nothing to compare (the book shows its output alone).
pub fn run_alone(
    example: &'static Example,
    options: &Options,
    cancel: &AtomicBool,
) -> io::Result<(SideRun, Vec<String>)> {
    let work = Workdir::new(example.name, &[])?;
    let run = run_rust(example, options, &work, cancel)?;
    let lines = normalize(
        &run.output,
        &Normalization {
            paths: vec![(work.side("rust").to_string_lossy().into_owned(), "<dir>")],
            pids: pairing::pairing_of(example).pids.then_some(run.pids),
        },
    );
    Ok((run, lines))
}

/// The files `paired`'s working directories get: `(name, content)`.
pub fn files_for(paired: &Paired<'_>) -> Vec<(String, String)> {
    pairing::pairing_of(paired.example)
        .files
        .iter()
        .filter_map(|(name, content)| {
            let text = match content {
                Content::Text(text) => (*text).to_string(),
                Content::Block(n) => paired.section.block(*n)?.code.clone(),
            };
            Some(((*name).to_string(), text))
        })
        .collect()
}

/// Compares `example` with its snippet: runs both sides at once, normalizes, matches.
pub fn compare(
    notes: &Notes,
    example: &'static Example,
    options: &Options,
    cancel: &AtomicBool,
) -> Comparison {
    let paired = match pairing::resolve(notes, example) {
        Ok(paired) => paired,
        Err(e) => {
            let mut c = Comparison::nothing(
                example,
                example.section.into(),
                String::new(),
                String::new(),
            );
            c.verdict = Verdict::Failed(format!("its pairing does not resolve: {e}"));
            return c;
        }
    };
    let heading = paired.heading();
    let Some(block) = paired.block else {
        return Comparison::nothing(
            example,
            heading,
            paired.section.label(),
            format!(
                "it mirrors {} in words; the notes have no code there",
                paired.section.label()
            ),
        );
    };
    let locator = block.locator();
    let note = match pairing::pairing_of(example).python {
        Python::NotRunnable(why) => {
            return Comparison::nothing(
                example,
                heading,
                locator,
                format!("it cannot run as written: {why}"),
            );
        }
        Python::Completed { why, .. } => Some(format!(
            "{locator} is a fragment; it runs after the project's completion (xtask/python/completions/), not the notes' text: {why}"
        )),
        Python::AsWritten if pair_of(example).is_some() => Some(format!(
            "the server and client snippets run together, the client typing {:?}; their port {SNIPPET_PORT} is mapped to one the OS picks",
            pairing::pairing_of(example).input.unwrap_or("")
        )),
        Python::AsWritten => None,
    };
    let mut comparison = Comparison {
        example,
        heading,
        locator,
        note,
        python: None,
        rust: None,
        python_lines: Vec::new(),
        rust_lines: Vec::new(),
        rows: Vec::new(),
        verdict: Verdict::Failed(String::new()),
    };
    let work = match Workdir::new(example.name, &files_for(&paired)) {
        Ok(work) => work,
        Err(e) => {
            comparison.verdict =
                Verdict::Failed(format!("cannot prepare a temporary directory: {e}"));
            return comparison;
        }
    };
    let (python, rust) = std::thread::scope(|scope| {
        let python = scope.spawn(|| run_python(notes, &paired, options, &work, cancel));
        let rust = run_rust(example, options, &work, cancel);
        let python = python
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the Python runner panicked")));
        (python, rust)
    });
    let (python, rust) = match (python, rust) {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) => {
            comparison.verdict = Verdict::Failed(format!("cannot run python3: {e}"));
            return comparison;
        }
        (_, Err(e)) => {
            comparison.verdict = Verdict::Failed(format!("cannot run {}: {e}", example.name));
            return comparison;
        }
    };
    let normalization = |side: &SideRun, dir: &str| Normalization {
        paths: vec![
            (
                work.support()
                    .join("snippet.py")
                    .to_string_lossy()
                    .into_owned(),
                "<snippet>",
            ),
            (work.support().to_string_lossy().into_owned(), "<support>"),
            (work.side(dir).to_string_lossy().into_owned(), "<dir>"),
        ],
        pids: pairing::pairing_of(example).pids.then_some(side.pids),
    };
    let python_text = normalize(&python.output, &normalization(&python, "python"));
    let rust_text = normalize(&rust.output, &normalization(&rust, "rust"));
    let (python_lines, rust_lines, rows) = match_lines(
        &python_text,
        &rust_text,
        pairing::pairing_of(example).declared,
    );
    let missing = python_lines
        .iter()
        .filter(|l| l.mark == Mark::Missing)
        .count();
    let declared = python_lines
        .iter()
        .filter(|l| matches!(l.mark, Mark::Declared(_)))
        .count();
    comparison.verdict = if !rust.ok {
        Verdict::Failed(format!(
            "{} did not end as it should ({})",
            example.name,
            rust.summary()
        ))
    } else if !python.ok {
        Verdict::Failed(format!(
            "python3 did not end as it should ({})",
            python.summary()
        ))
    } else if example.extends.is_some() {
        Verdict::Reference {
            missing,
            total: python_lines.len(),
        }
    } else if missing > 0 {
        Verdict::Differs {
            missing,
            total: python_lines.len(),
        }
    } else {
        Verdict::Agrees {
            found: python_lines.len() - declared,
            declared,
        }
    };
    comparison.python = Some(python);
    comparison.rust = Some(rust);
    comparison.python_lines = python_lines;
    comparison.rust_lines = rust_lines;
    comparison.rows = rows;
    comparison
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn addresses_and_pids_are_numbered_by_first_appearance() {
        let how = Normalization {
            paths: vec![],
            pids: Some((1000, 2000)),
        };
        let out = normalize(
            "<a at 0x7f00aa> <a at 0x7f00aa>\n<b at 0x5500bb>\n1500\n1600 1500\n线程个数 11\n\n2000000\n",
            &how,
        );
        assert_eq!(
            out,
            [
                "<a at 0x<addr1>> <a at 0x<addr1>>",
                "<b at 0x<addr2>>",
                "<pid1>",
                "<pid2> <pid1>",
                "线程个数 11",
                "2000000",
            ]
        );
    }

    #[test]
    fn ports_threads_and_temporary_paths() {
        let tmp = std::env::temp_dir().join(".tmpAbC");
        let text = format!(
            "http://127.0.0.1:35441/v ThreadId(3)\n工作目录：{}\n{}/x1.txt: ok\n",
            tmp.display(),
            tmp.display()
        );
        let out = normalize(&text, &Normalization::default());
        assert_eq!(
            out,
            [
                "http://127.0.0.1:<port>/v ThreadId(<tid>)",
                "工作目录：<tmp>",
                "<tmp>: ok"
            ]
        );
    }

    #[test]
    fn every_python_line_is_found_once_or_declared() {
        const DECLARED: &[Declared] = &[Declared::Warning {
            category: "DeprecationWarning",
            why: "old API",
        }];
        let python = lines("<snippet>:3: DeprecationWarning: old\n  t.old()\nb\na\na\nc\n");
        let rust = lines("a\nextra\nb\na\n");
        let (p, r, rows) = match_lines(&python, &rust, DECLARED);
        let marks: Vec<&Mark> = p.iter().map(|l| &l.mark).collect();
        assert_eq!(
            marks,
            [
                &Mark::Declared("old API"),
                &Mark::Declared("old API"),
                &Mark::Found(2),
                &Mark::Found(3),
                &Mark::Found(0),
                &Mark::Missing,
            ]
        );
        assert_eq!(r[1].matched, None);
        // Every line of both sides is on some row, once.
        let left: Vec<usize> = rows.iter().filter_map(|r| r.0).collect();
        let right: Vec<usize> = rows.iter().filter_map(|r| r.1).collect();
        assert_eq!(left, (0..6).collect::<Vec<_>>());
        let mut right_sorted = right.clone();
        right_sorted.sort();
        assert_eq!(right_sorted, (0..4).collect::<Vec<_>>());
        // b and the second a keep their order: they share rows with their Rust lines.
        assert!(rows.contains(&(Some(2), Some(2))));
        assert!(rows.contains(&(Some(3), Some(3))));
    }

    #[test]
    fn a_declared_range_covers_only_whole_numbers_in_it() {
        const DECLARED: &[Declared] = &[Declared::Between {
            low: 10,
            high: 20,
            why: "racy",
        }];
        let (p, _, _) = match_lines(&lines("15\n20\n21\nx15\n20"), &lines("20"), DECLARED);
        let marks: Vec<&Mark> = p.iter().map(|l| &l.mark).collect();
        assert_eq!(
            marks,
            [
                &Mark::Declared("racy"),
                &Mark::Found(0),
                &Mark::Missing,
                &Mark::Missing,
                &Mark::Declared("racy"),
            ]
        );
    }

    #[test]
    fn longest_increasing_run() {
        assert_eq!(
            longest_increasing(&[(0, 5), (1, 1), (2, 2), (3, 0), (4, 3)]),
            [(1, 1), (2, 2), (4, 3)]
        );
        assert!(longest_increasing(&[]).is_empty());
    }
}
