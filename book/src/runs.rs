//! The real [`Runs`]: every example run, and beside it its snippet with `python3`, exactly as
//! `cargo xtask compare` runs them (`xtask::compare`): the same working directories, the same
//! time scale for both sides, the same normalization and matching.
//!
//! Examples whose snippet cannot run (a passage without code, a snippet declared not runnable,
//! or no `python3` here) run on their own. Those that measure time (`alone` in the catalog) run
//! after the others, one at a time, so that the figures they print mean what they say.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, PoisonError};

use xtask::catalog::Example;
use xtask::compare::{self, Comparison, Verdict};
use xtask::notes::Notes;

use crate::gather::Runs;
use crate::model::{Line, Mark, Outputs, RunOutput};

/// How the examples are run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The time scale of both sides.
    pub scale: f64,
    /// The target directory whose `debug/` holds the examples.
    pub target: PathBuf,
    /// `python3`, when it can be started.
    pub python: Option<PathBuf>,
    /// How many examples run at once (the `alone` ones always run by themselves).
    pub jobs: usize,
}

/// What each example and snippet printed.
#[derive(Debug, Default)]
pub struct Recorded {
    outputs: BTreeMap<&'static str, Outputs>,
    own: BTreeMap<&'static str, RunOutput>,
}

impl Runs for Recorded {
    fn outputs(&self, example: &Example) -> Outputs {
        self.outputs
            .get(example.name)
            .cloned()
            .unwrap_or_else(|| Outputs::NotRun {
                reason: format!("{} was not run", example.name),
            })
    }

    fn output(&self, example: &Example) -> Option<RunOutput> {
        self.own.get(example.name).cloned()
    }
}

impl Recorded {
    /// Nothing run: every block says why.
    pub fn none() -> Recorded {
        Recorded::default()
    }

    /// How many examples failed: their own run, or their snippet's comparison.
    pub fn failures(&self) -> Vec<String> {
        self.outputs
            .iter()
            .filter_map(|(name, outputs)| match outputs {
                Outputs::Compared {
                    passed: false,
                    verdict,
                    ..
                } => Some(verdict.clone()),
                Outputs::Compared { rust, .. } | Outputs::RustOnly { rust, .. } => rust
                    .failure
                    .as_ref()
                    .map(|failure| format!("{name}: {failure}")),
                Outputs::NotRun { .. } => None,
            })
            .collect()
    }
}

/// Runs every example of `examples` (and, with `notes` and `python3`, its snippet beside it).
/// `progress` is told of each as it ends.
pub fn run_all(
    notes: Option<&Notes>,
    examples: &[&'static Example],
    settings: &Settings,
    cancel: &AtomicBool,
    progress: &(dyn Fn(&str) + Sync),
) -> Recorded {
    let options = compare::Options {
        scale: settings.scale,
        python: settings
            .python
            .clone()
            .unwrap_or_else(|| PathBuf::from("python3")),
        target: settings.target.clone(),
    };
    let recorded = Mutex::new(Recorded::default());
    let (together, alone): (Vec<&'static Example>, Vec<_>) =
        examples.iter().copied().partition(|e| !e.alone);
    let run_one = |example: &'static Example| {
        let (outputs, own) = run_example(notes, example, settings, &options, cancel);
        progress(&summary(example, &outputs));
        let mut recorded = recorded.lock().unwrap_or_else(PoisonError::into_inner);
        recorded.outputs.insert(example.name, outputs);
        if let Some(own) = own {
            recorded.own.insert(example.name, own);
        }
    };
    // The longest first, so that the whole run lasts about as long as the longest.
    let mut queue = together;
    queue.sort_by_key(|e| e.paced_secs);
    let queue = Mutex::new(queue);
    std::thread::scope(|scope| {
        for _ in 0..settings.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                    let Some(example) = next else { break };
                    if cancel.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    run_one(example);
                }
            });
        }
    });
    for example in alone {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        run_one(example);
    }
    recorded
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
}

/// One line of progress.
fn summary(example: &Example, outputs: &Outputs) -> String {
    match outputs {
        Outputs::Compared { verdict, .. } => verdict.clone(),
        Outputs::RustOnly { rust, .. } => match &rust.failure {
            Some(failure) => format!("{}  FAILED: {failure}", example.name),
            None => format!("{}  ran (Rust only)", example.name),
        },
        Outputs::NotRun { reason } => format!("{}  not run: {reason}", example.name),
    }
}

/// Runs one example: compared with its snippet where it can be, else on its own.
fn run_example(
    notes: Option<&Notes>,
    example: &'static Example,
    settings: &Settings,
    options: &compare::Options,
    cancel: &AtomicBool,
) -> (Outputs, Option<RunOutput>) {
    let comparison = match (notes, &settings.python) {
        (Some(notes), Some(_)) => Some(compare::compare(notes, example, options, cancel)),
        _ => None,
    };
    match comparison {
        Some(c) if c.python.is_some() && c.rust.is_some() => {
            let outputs = compared(&c);
            let own = match &outputs {
                Outputs::Compared { rust, .. } => Some(rust.clone()),
                _ => None,
            };
            (outputs, own)
        }
        other => {
            let reason = match (&other, notes, &settings.python) {
                (
                    Some(Comparison {
                        verdict: Verdict::NothingToRun(why),
                        ..
                    }),
                    _,
                    _,
                ) => why.clone(),
                (
                    Some(Comparison {
                        verdict: Verdict::Failed(why),
                        ..
                    }),
                    _,
                    _,
                ) => {
                    format!("the comparison could not run: {why}")
                }
                (_, None, _) => "the notes were not found".to_string(),
                (_, _, None) => "python3 was not found on this machine".to_string(),
                _ => "the snippet did not run".to_string(),
            };
            let rust = run_alone(example, options, cancel);
            (
                Outputs::RustOnly {
                    reason,
                    rust: rust.clone(),
                },
                Some(rust),
            )
        }
    }
}

/// A comparison as the book shows it.
fn compared(c: &Comparison) -> Outputs {
    let (Some(python), Some(rust)) = (&c.python, &c.rust) else {
        return Outputs::NotRun {
            reason: "one side did not run".to_string(),
        };
    };
    let python_lines = c
        .python_lines
        .iter()
        .map(|line| Line {
            text: line.text.clone(),
            mark: match &line.mark {
                compare::Mark::Found(_) => Mark::Matched,
                compare::Mark::Declared(why) => Mark::Declared((*why).to_string()),
                compare::Mark::Missing => Mark::Missing,
            },
        })
        .collect();
    let rust_lines = c
        .rust_lines
        .iter()
        .map(|line| Line {
            text: line.text.clone(),
            mark: if line.matched.is_some() {
                Mark::Matched
            } else {
                Mark::Extra
            },
        })
        .collect();
    Outputs::Compared {
        python_command: format!("cargo xtask compare {}", c.example.name),
        python: RunOutput {
            lines: python_lines,
            failure: (!python.ok).then(|| python.summary()),
        },
        rust: RunOutput {
            lines: rust_lines,
            failure: (!rust.ok).then(|| rust.summary()),
        },
        verdict: xtask::render::verdict_line(c),
        passed: c.verdict.passes(),
    }
}

/// Runs `example` by itself, as compare runs an example with nothing to compare.
fn run_alone(
    example: &'static Example,
    options: &compare::Options,
    cancel: &AtomicBool,
) -> RunOutput {
    match compare::run_alone(example, options, cancel) {
        Ok((run, lines)) => RunOutput {
            lines: lines
                .into_iter()
                .map(|text| Line {
                    text,
                    mark: Mark::Plain,
                })
                .collect(),
            failure: (!run.ok).then(|| run.summary()),
        },
        Err(e) => failed(format!("cannot run {}: {e}", example.name)),
    }
}

fn failed(why: String) -> RunOutput {
    RunOutput {
        lines: Vec::new(),
        failure: Some(why),
    }
}
