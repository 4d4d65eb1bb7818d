//! §2 多进程和多线程 — processes cost more than threads.
//!
//! The notes state it: starting a process costs more than starting a thread. Here it is
//! measured. A hundred times each, one at a time, the program starts something that does nothing
//! and waits for it to end: a thread (`thread::spawn` + `join`), then a process with each start
//! method of this crate's `multiprocessing` layer (`Process::start` + `join`). Beside each
//! process row stands the bare OS floor, measured in the same run, alternating with the layer's
//! starts so that both see the same machine: a bare `fork` + `waitpid`, and a bare run of this
//! executable + wait. The difference is what the layer adds. Each time is the median of the
//! hundred, which a busy machine disturbs less than the mean.
//!
//! Rust: threads are OS threads in both languages, tens of microseconds each. A fork child is a
//! copy of this small program; spawn runs the executable again and hands the child its target
//! over a channel; forkserver asks an already running single-threaded server to fork (it is
//! started once, by a first start that is not timed) and hears back from it when the child has
//! ended. For scale, Python's `multiprocessing` on a 2-core machine takes about 2.4 ms per fork
//! start, 7 ms per forkserver start and 70 ms per spawn start.
//!
//! The last line says what this run measured: the notes' verdict, `多进程的开销要比多线程的开销大`,
//! when every process start took longer than a thread start — as it does on any ordinary
//! machine — and which did not, otherwise.
//!
//! The times depend on the machine and the build: measure in release, with nothing else running
//! (`cargo xtask run-all` runs it alone):
//! `cargo run --release -p examples-processes --bin s02-thread-vs-process -- [COUNT]` (COUNT: how
//! many starts of each, 100 by default; `--help` says so).

use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};

use examples_processes::{Process, StartMethod, floor, set_start_method, target};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

const HELP: &str = "\
用法：s02-thread-vs-process [COUNT]

启动一个什么都不做的线程或进程并等它结束，各 COUNT 次（默认 100），打印每次耗时的中位数。

  COUNT       每种方式启动的次数，一个正整数
  -h, --help  显示这段说明";

/// COUNT from the command line: 100 unless given.
fn count_from_args() -> Result<usize, String> {
    use lexopt::prelude::*;
    let mut count = None;
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => {
                println!("{HELP}");
                std::process::exit(0);
            }
            Value(value) if count.is_none() => {
                let text = value.to_string_lossy().into_owned();
                count = Some(
                    text.parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("{text}: 不是正整数（COUNT 是每种方式启动的次数）"))?,
                );
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(count.unwrap_or(100))
}

/// The target: nothing. What is measured is starting it and waiting for its end.
fn nothing() {}

/// A thread, started and joined.
fn thread_start() -> Result<()> {
    thread::spawn(nothing)
        .join()
        .map_err(|_| "the thread panicked".into())
}

/// A process of the layer, started with the current start method and joined.
fn process_start() -> Result<()> {
    let mut p = Process::new(target!(nothing), ());
    p.start()?;
    p.join()?;
    Ok(())
}

fn timed(f: &mut impl FnMut() -> Result<()>) -> Result<Duration> {
    let started = Instant::now();
    f()?;
    Ok(started.elapsed())
}

/// The median time of `f`, and of `bare` if given, over `count` calls of each, alternating.
fn measure(
    count: usize,
    mut f: impl FnMut() -> Result<()>,
    mut bare: Option<&mut dyn FnMut() -> Result<()>>,
) -> Result<(Duration, Option<Duration>)> {
    f()?; // once untimed: the first start pays for loading, and for the fork server
    let (mut times, mut bare_times) = (Vec::new(), Vec::new());
    for _ in 0..count {
        if let Some(bare) = bare.as_mut() {
            bare_times.push(timed(bare)?);
        }
        times.push(timed(&mut f)?);
    }
    Ok((
        median(times),
        (!bare_times.is_empty()).then(|| median(bare_times)),
    ))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `text` padded with spaces to `width` columns (a CJK character takes two).
fn pad(text: &str, width: usize) -> String {
    let columns: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}

fn row(what: &str, time: Duration, floor: Option<(&str, Duration)>) {
    let ms = |d: Duration| format!("{:7.3} ms", d.as_secs_f64() * 1e3);
    let mut line = format!("{}{}", pad(what, 18), ms(time));
    if let Some((name, bare)) = floor {
        let ratio = time.as_secs_f64() / bare.as_secs_f64();
        line += &format!("   {}{}   {ratio:5.2}×", pad(name, 22), ms(bare));
    }
    println!("{line}");
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':
    let count = match count_from_args() {
        Ok(count) => count,
        Err(e) => {
            eprintln!("{e}\n用法：s02-thread-vs-process [COUNT]（--help 显示说明）");
            std::process::exit(2);
        }
    };
    println!("启动一个什么都不做的线程或进程并等它结束，各 {count} 次，每次耗时的中位数：");
    println!(
        "{}{:>10}   {}{:>10}   倍数",
        pad("", 18),
        "start+join",
        pad("操作系统的底线", 22),
        ""
    );

    let (threads, _) = measure(count, thread_start, None)?;
    row("线程 thread", threads, None);

    let mut bare_fork = || Ok(floor::fork_and_wait()?);
    set_start_method(StartMethod::Fork);
    let (fork, fork_floor) = measure(count, process_start, Some(&mut bare_fork))?;
    let fork_floor = fork_floor.unwrap_or_default();
    row("进程 fork", fork, Some(("fork + waitpid", fork_floor)));

    let mut bare_exec = || Ok(floor::exec_and_wait()?);
    set_start_method(StartMethod::Spawn);
    let (spawn, exec_floor) = measure(count, process_start, Some(&mut bare_exec))?;
    let exec_floor = exec_floor.unwrap_or_default();
    row("进程 spawn", spawn, Some(("运行本程序 + wait", exec_floor)));

    set_start_method(StartMethod::ForkServer);
    let (served, fork_floor) = measure(count, process_start, Some(&mut bare_fork))?;
    let fork_floor = fork_floor.unwrap_or_default();
    row(
        "进程 forkserver",
        served,
        Some(("fork + waitpid", fork_floor)),
    );

    println!(
        "{}",
        floor::verdict(
            threads,
            &[("fork", fork), ("spawn", spawn), ("forkserver", served)]
        )
    );
    Ok(())
}
