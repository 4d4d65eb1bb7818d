//! `cargo xtask bench`: the notes' claims about cost and speed, measured on this machine.
//!
//! The notes say processes cost more than threads (§2), CPU-bound work wants processes and
//! IO-bound work threads because of the GIL (§3), too many threads make things slower (§7), and
//! coroutines save overhead on IO (§10). In Rust some of these hold and some do not. Each
//! question below reuses the examples' own workloads and libraries, prints a markdown table,
//! and writes the table and an SVG chart into the output directory (`target/bench/`), with a
//! `README.md` that gathers them. Every figure is the median of several runs after a warm-up;
//! every comparison is between figures of the same run.
//!
//! When `python3` is on the PATH, each question also measures the same thing in CPython, with
//! the scripts in `bench/python/`, in the same rounds, and adds a Python column and how many
//! times faster Rust is (the [`python`] module).
//!
//! Run it through xtask, which builds it in release mode with the socket servers it needs:
//! `cargo xtask bench` (a few minutes) or `cargo xtask bench --quick` (under a minute).

mod chart;
mod measure;
mod python;
mod q1_start;
mod q2_cpu;
mod q3_io;
mod q4_threads;
mod q5_locks;
mod q6_channels;
mod q7_sockets;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use measure::{Result, Settings};
use report::Section;

const USAGE: &str = "bench [--quick] [--out DIR] [--bin-dir DIR] [--only N…]";

fn main() -> ExitCode {
    // Measurements start processes by spawn: they are this program run again.
    let _main = examples_processes::init(); // if __name__ == '__main__':
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool> {
    let mut quick = false;
    let mut out = PathBuf::from("target/bench");
    let exe = std::env::current_exe()?;
    let mut bin_dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    let mut only: Vec<usize> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--out" => out = args.next().ok_or(USAGE)?.into(),
            "--bin-dir" => bin_dir = args.next().ok_or(USAGE)?.into(),
            "--only" => only.push(args.next().ok_or(USAGE)?.trim_start_matches('q').parse()?),
            _ => return Err(format!("unknown argument {arg:?}; usage: {USAGE}").into()),
        }
    }
    let settings = Settings { quick };
    std::fs::create_dir_all(&out)?;
    let machine = machine();
    println!(
        "# Measured: {machine}, {} mode, {} runs per figure after a warm-up\n",
        if quick { "quick" } else { "full" },
        settings.runs()
    );
    type Question<'a> = (&'a str, Box<dyn Fn() -> Result<Section> + 'a>);
    let questions: Vec<Question> = vec![
        ("start cost", Box::new(|| q1_start::run(&settings))),
        ("CPU-bound", Box::new(|| q2_cpu::run(&settings))),
        ("IO-bound", Box::new(|| q3_io::run(&settings))),
        ("too many threads", Box::new(|| q4_threads::run(&settings))),
        ("locks", Box::new(|| q5_locks::run(&settings))),
        ("channels", Box::new(|| q6_channels::run(&settings))),
        (
            "socket servers",
            Box::new(|| q7_sockets::run(&settings, &bin_dir)),
        ),
    ];
    let started = Instant::now();
    let mut sections = Vec::new();
    let mut all_ok = true;
    for (i, (name, question)) in questions.iter().enumerate() {
        if !only.is_empty() && !only.contains(&(i + 1)) {
            continue;
        }
        eprintln!(
            "[{}/{}] {name} … ({:.0} s so far)",
            i + 1,
            questions.len(),
            started.elapsed().as_secs_f64()
        );
        match question() {
            Ok(section) => {
                println!("{}", section.markdown());
                section.write(&out)?;
                sections.push(section);
            }
            Err(e) => {
                eprintln!("[{}/{}] {name} failed: {e}", i + 1, questions.len());
                all_ok = false;
            }
        }
    }
    let mut readme = format!(
        "# What the numbers say\n\nMeasured by `cargo xtask bench{}` on {machine}, in {:.0} s. \
         Each figure is the median of {} runs after a warm-up.\n\n",
        if quick { " --quick" } else { "" },
        started.elapsed().as_secs_f64(),
        settings.runs()
    );
    for section in &sections {
        readme.push_str(&section.markdown());
        readme.push('\n');
    }
    std::fs::write(out.join("README.md"), readme)?;
    eprintln!(
        "wrote {} tables and charts into {} in {:.0} s",
        sections.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(all_ok)
}

/// "2 × Intel(R) Xeon(R) … , Linux 6.1" — what the numbers were measured on.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{} × {cpu}, Linux {}",
        examples_processes::cpu_count(),
        kernel.trim()
    )
}
