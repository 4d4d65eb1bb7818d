//! Who ran when: every process and thread of one program's run, from what the operating system
//! saw, drawn as a timeline.
//!
//! `cargo xtask timeline NAME` runs an example under this crate's `timeline record`, which writes
//! `target/timeline/NAME.svg` (the picture) and `NAME.trace.json` (the Chrome trace-event format,
//! for Perfetto). The example is not instrumented: the record comes from `strace -f` and from the
//! scheduler's counters in `/proc`.
//!
//! The modules, in the order the data flows:
//!
//! - [`record`]: runs the program under strace (the traced calls: [`record::SYSCALLS`]) with the
//!   [`sampler`] beside it;
//! - [`sampler`]: reads every thread's `/proc/PID/task/TID/schedstat` every few milliseconds —
//!   time on a CPU, time runnable but waiting for one;
//! - [`strace`]: parses strace's output into system calls with their start and end;
//! - [`model`]: the state machine — calls and readings become processes, threads, waits, prints;
//! - [`svg`]: the picture (plotters);
//! - [`chrome`]: the trace-event JSON;
//! - [`overhead`]: how much slower a recorded run is than a plain one.
#![deny(clippy::unwrap_used)]

pub mod chrome;
pub mod model;
pub mod overhead;
pub mod record;
pub mod sampler;
pub mod strace;
pub mod svg;

use std::path::{Path, PathBuf};

/// Writes `NAME.svg` and `NAME.trace.json` for `record` into `out`; their paths.
pub fn write_outputs(
    record: &model::Record,
    name: &str,
    title: &str,
    out: &Path,
) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let svg = out.join(format!("{name}.svg"));
    let json = out.join(format!("{name}.trace.json"));
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    svg::write(record, title, cpus, &svg)
        .map_err(|e| format!("cannot draw {}: {e}", svg.display()))?;
    std::fs::write(&json, chrome::to_json(record, title))
        .map_err(|e| format!("cannot write {}: {e}", json.display()))?;
    Ok((svg, json))
}
