//! The state machine: from the trace's calls and the sampler's readings to a [`Record`] — every
//! process and thread, and what each thread was doing when.
//!
//! A thread's life is cut into states by the system calls it blocks in ([`WaitKind`]): asleep
//! (`nanosleep`), waiting for a lock or a condition (a `futex` wait, `flock`), for a thread to end
//! (a `futex` wait on the id the kernel clears when that thread exits — that is how `join` waits),
//! for a child process (`wait4`, `waitid`), or for IO (a `read`, `recvmsg`, `accept`, `poll` or
//! `epoll_wait` on a pipe, socket or terminal; reading a regular file is not a wait). Between
//! those, the sampler's readings say what share of the time it was on a CPU and what share
//! runnable, waiting for one ([`Share`]). Threads and processes are born in `clone`, `clone3`,
//! `fork` and `vfork` (a new process when the flags lack `CLONE_THREAD`), take a program in
//! `execve`, take a name in `prctl(PR_SET_NAME)`, and end where strace says `+++ exited +++`.
//! Writes to stdout and stderr become [`Print`]s with their text.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::sampler::{Samples, TaskStat};
use crate::strace::{self, Call, Ended, Event, Micros, Trace};

/// What a thread waits for while it blocks in a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WaitKind {
    /// `nanosleep`, `clock_nanosleep`: `time.sleep`.
    Sleep,
    /// A `futex` wait (a lock, a condition variable, a barrier, a channel) or `flock`.
    Lock,
    /// A `futex` wait on the thread id that the kernel clears when a thread ends: a join.
    Join,
    /// `wait4`, `waitid`: waiting for a child process to end.
    Child,
    /// Reading or accepting on a pipe, socket or terminal; `poll`, `select`, `epoll_wait`.
    Io,
}

impl WaitKind {
    /// All of them, in the legend's order.
    pub const ALL: [WaitKind; 5] = [
        WaitKind::Sleep,
        WaitKind::Lock,
        WaitKind::Join,
        WaitKind::Child,
        WaitKind::Io,
    ];

    /// How the legend and the trace name it.
    pub fn label(self) -> &'static str {
        match self {
            WaitKind::Sleep => "asleep (nanosleep)",
            WaitKind::Lock => "waiting for a lock or condition (futex, flock)",
            WaitKind::Join => "waiting for a thread to end (join)",
            WaitKind::Child => "waiting for a child process (wait4)",
            WaitKind::Io => "waiting for IO (pipe, socket, poll)",
        }
    }
}

/// A stretch of time a thread spent blocked in one system call.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    /// From …
    pub start: Micros,
    /// … to.
    pub end: Micros,
    /// What for.
    pub kind: WaitKind,
    /// The call and what it waited on: `futex 0x5622…090`, `join 线程1 (3241)`, `recvmsg on socket`.
    pub detail: String,
    /// It ended because its time ran out (ETIMEDOUT): a timed acquire that gave up.
    pub timed_out: bool,
}

/// A write to stdout (fd 1) or stderr (fd 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Print {
    /// When the write was made.
    pub time: Micros,
    /// 1 or 2.
    pub fd: i64,
    /// What was written, decoded as UTF-8 (lossily).
    pub text: String,
}

/// Something worth marking on a row: an `execve`, a change of CPU affinity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// When.
    pub time: Micros,
    /// What, in a few words.
    pub text: String,
}

/// The scheduler's account of one interval between two readings.
///
/// For a thread: the share of its time *outside* traced waits that it spent on a CPU, and the
/// share it spent runnable, waiting for a CPU (each 0 … 1). For a process: how many CPUs its
/// threads used together, on average over the interval, and how many were wanted but waited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// From …
    pub start: Micros,
    /// … to.
    pub end: Micros,
    /// On a CPU.
    pub on_cpu: f64,
    /// Runnable, waiting for a CPU.
    pub runnable: f64,
    /// For a thread: the CPU it ran on most in the interval, as far as the readings tell.
    pub cpu: Option<u32>,
}

/// One thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    /// Its id (the main thread's is its process's pid).
    pub tid: u32,
    /// The name it gave itself (`prctl(PR_SET_NAME)`), if any.
    pub name: Option<String>,
    /// When it was created.
    pub start: Micros,
    /// When it ended (or the trace did).
    pub end: Micros,
    /// How it ended, when strace saw it.
    pub ended: Option<Ended>,
    /// Its blocking calls, in order.
    pub waits: Vec<Wait>,
    /// Its writes to stdout and stderr.
    pub prints: Vec<Print>,
    /// Its `execve`s and affinity changes.
    pub marks: Vec<Mark>,
    /// The scheduler's readings between its waits.
    pub shares: Vec<Share>,
    /// The CPUs it was allowed to run on when it started, as strace printed them (`[0]`), when
    /// a thread before it changed its affinity (threads inherit it from their creator).
    pub affinity: Option<String>,
}

impl Thread {
    /// `线程1`, `main`, or `thread` when it has no name.
    pub fn label(&self, pid: u32) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None if self.tid == pid => "main".to_string(),
            None => "thread".to_string(),
        }
    }

    /// The time it spent blocked in `[from, to]`.
    pub fn blocked_within(&self, from: Micros, to: Micros) -> Micros {
        self.waits
            .iter()
            .map(|w| (w.end.min(to) - w.start.max(from)).max(0))
            .sum()
    }
}

/// How a process came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The program the recorder started.
    Root,
    /// A copy of its parent (`fork`) that did not run another program.
    Fork,
    /// A new process that then ran a program (`fork`/`vfork` + `execve`: how `Command::spawn`
    /// and `posix_spawn` start one).
    Spawn,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Root => "started",
            Origin::Fork => "forked",
            Origin::Spawn => "spawned",
        })
    }
}

/// One process and its threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    /// Its pid.
    pub pid: u32,
    /// The process that created it, if that was recorded too.
    pub parent: Option<u32>,
    /// How deep in the process tree it sits (the root: 0).
    pub depth: usize,
    /// The program it runs: the file name of its last `execve`, or its parent's when forked.
    pub program: String,
    /// Forked, spawned, or the root.
    pub origin: Origin,
    /// From its first thread's start …
    pub start: Micros,
    /// … to its last thread's end.
    pub end: Micros,
    /// How its main thread ended.
    pub ended: Option<Ended>,
    /// Its threads: the main thread first, then in the order they started.
    pub threads: Vec<Thread>,
    /// CPUs its threads used together, interval by interval.
    pub cpus: Vec<Share>,
}

impl Process {
    /// `s05-lock 3240`.
    pub fn label(&self) -> String {
        format!("{} {}", self.program, self.pid)
    }
}

/// Everything recorded about one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The earliest moment seen.
    pub start: Micros,
    /// The latest.
    pub end: Micros,
    /// The processes in the order of their tree (depth first, each after its parent).
    pub processes: Vec<Process>,
    /// Lines of the trace that could not be read.
    pub skipped_lines: usize,
}

impl Record {
    /// Every thread, with its process, in display order.
    pub fn threads(&self) -> impl Iterator<Item = (&Process, &Thread)> {
        self.processes
            .iter()
            .flat_map(|p| p.threads.iter().map(move |t| (p, t)))
    }

    /// Every print, with its process and thread, in the order of time.
    pub fn prints(&self) -> Vec<(&Process, &Thread, &Print)> {
        let mut prints: Vec<_> = self
            .threads()
            .flat_map(|(p, t)| t.prints.iter().map(move |print| (p, t, print)))
            .collect();
        prints.sort_by_key(|(_, _, print)| print.time);
        prints
    }

    /// The root process (the program the recorder started).
    pub fn root(&self) -> Option<&Process> {
        self.processes.iter().find(|p| p.origin == Origin::Root)
    }
}

/// A thread as the pass over the trace builds it.
#[derive(Debug, Default)]
struct Task {
    first: Option<Micros>,
    last: Micros,
    /// Who created it, when, and as a thread of the creator's process or as a new process.
    created: Option<(u32, Micros, bool)>,
    /// The address the kernel clears when the thread ends (CLONE_CHILD_CLEARTID).
    clear_tid: Option<String>,
    ended: Option<(Micros, Ended)>,
    name: Option<String>,
    execs: Vec<(Micros, String)>,
    waits: Vec<(Wait, Option<(String, u32)>)>,
    prints: Vec<Print>,
    marks: Vec<Mark>,
    /// Its CPU affinity now, once a traced call set it.
    affinity: Option<String>,
    /// The affinity it started with.
    inherited: Option<String>,
}

impl Task {
    fn touch(&mut self, from: Micros, to: Micros) {
        self.first = Some(self.first.map_or(from, |f| f.min(from)));
        self.last = self.last.max(to);
    }
}

/// Builds the record of a run from its trace and the sampler's readings.
pub fn build(trace: &Trace, samples: &Samples) -> Record {
    let mut tasks: BTreeMap<u32, Task> = BTreeMap::new();
    for event in &trace.events {
        match event {
            Event::Call(call) => {
                tasks
                    .entry(call.tid)
                    .or_default()
                    .touch(call.start, call.end);
                apply(call, &mut tasks);
            }
            Event::End { tid, time, how } => {
                let task = tasks.entry(*tid).or_default();
                task.touch(*time, *time);
                task.ended = Some((*time, how.clone()));
            }
        }
    }
    let pid_of = processes_of(&tasks);
    let joinable: HashMap<(String, u32), u32> = tasks
        .iter()
        .filter_map(|(tid, t)| Some(((t.clear_tid.clone()?, *tid), *tid)))
        .collect();
    let names: HashMap<u32, String> = tasks
        .iter()
        .filter_map(|(tid, t)| Some((*tid, t.name.clone()?)))
        .collect();

    // Readings are looked up by the threads of the trace only: threads the sampler saw but the
    // trace never mentions are not the program's (strace forks short-lived children of its own
    // to probe the kernel before it starts the program).
    let series = per_thread_series(samples);
    // A share per 8 ms, or per 1/600 of the run for long runs: about two pixels or more each.
    let times = || trace.events.iter().map(Event::time);
    let span = times().max().unwrap_or(0) - times().min().unwrap_or(0);
    let window = WINDOW.max(span / 600);
    let mut by_pid: BTreeMap<u32, Vec<Thread>> = BTreeMap::new();
    // pid → its execs (when, which program) and its parent's pid.
    type Programs = HashMap<u32, (Vec<(Micros, String)>, Option<u32>)>;
    let mut programs: Programs = HashMap::new();
    for (tid, task) in tasks {
        let pid = pid_of.get(&tid).copied().unwrap_or(tid);
        let start = match task.created {
            Some((_, at, _)) => at.min(task.first.unwrap_or(at)),
            None => task.first.unwrap_or(0),
        };
        let (end, ended) = match task.ended {
            Some((at, how)) => (at.max(task.last), Some(how)),
            None => (task.last, None),
        };
        if tid == pid {
            let parent = task
                .created
                .as_ref()
                .and_then(|(creator, _, _)| pid_of.get(creator).copied());
            programs.insert(pid, (task.execs.clone(), parent));
        }
        let waits: Vec<Wait> = task
            .waits
            .into_iter()
            .map(|(mut wait, join)| {
                if let Some(target) = join.and_then(|key| joinable.get(&key)) {
                    wait.kind = WaitKind::Join;
                    wait.detail = match names.get(target) {
                        Some(name) => format!("join {name} ({target})"),
                        None => format!("join thread {target}"),
                    };
                }
                wait
            })
            .collect();
        let mut thread = Thread {
            tid,
            name: task.name,
            start,
            end,
            ended,
            waits,
            prints: task.prints,
            marks: task.marks,
            shares: Vec::new(),
            affinity: task.inherited,
        };
        thread.shares = shares(
            &thread,
            series.get(&tid).map_or(&[][..], Vec::as_slice),
            window,
        );
        by_pid.entry(pid).or_default().push(thread);
    }

    // The record starts when the program does: the end of the first successful execve of the
    // process nobody recorded creating. Before it, that process is strace's own child.
    let program_start = programs
        .iter()
        .filter(|(_, (_, parent))| parent.is_none())
        .filter_map(|(_, (execs, _))| execs.first().map(|(at, _)| *at))
        .min();
    let mut processes: Vec<Process> = by_pid
        .into_iter()
        .map(|(pid, mut threads)| {
            threads.sort_by_key(|t| (t.tid != pid, t.start, t.tid));
            let (execs, parent) = programs.remove(&pid).unwrap_or_default();
            let start = threads.iter().map(|t| t.start).min().unwrap_or(0);
            let end = threads.iter().map(|t| t.end).max().unwrap_or(start);
            let ended = threads
                .iter()
                .find(|t| t.tid == pid)
                .and_then(|t| t.ended.clone());
            let program = execs
                .last()
                .map(|(_, path)| file_name(path).to_string())
                .unwrap_or_default();
            let origin = match (parent, execs.is_empty()) {
                (None, _) => Origin::Root,
                (Some(_), true) => Origin::Fork,
                (Some(_), false) => Origin::Spawn,
            };
            Process {
                pid,
                parent,
                depth: 0,
                program,
                origin,
                start,
                end,
                ended,
                threads,
                cpus: process_cpus(pid, samples, window),
            }
        })
        .collect();
    inherit_programs(&mut processes);
    let mut processes = tree_order(processes);
    if let Some(begun) = program_start {
        for process in &mut processes {
            clip_before(process, begun);
        }
    }
    let start = processes.iter().map(|p| p.start).min().unwrap_or(0);
    let end = processes.iter().map(|p| p.end).max().unwrap_or(start);
    Record {
        start,
        end,
        processes,
        skipped_lines: trace.skipped.len(),
    }
}

/// What one call says about its thread.
fn apply(call: &Call, tasks: &mut BTreeMap<u32, Task>) {
    let name = call.name.as_str();
    match name {
        "clone" | "clone3" | "fork" | "vfork" => {
            let Some(child) = call.returned().and_then(|n| u32::try_from(n).ok()) else {
                return;
            };
            if child == 0 {
                return;
            }
            let text = call.args.join(", ");
            let as_thread = text.contains("CLONE_THREAD");
            let clear_tid = text
                .contains("CLONE_CHILD_CLEARTID")
                .then(|| {
                    value_after(&text, "child_tid=").or_else(|| value_after(&text, "child_tidptr="))
                })
                .flatten();
            let affinity = tasks.get(&call.tid).and_then(|t| t.affinity.clone());
            let task = tasks.entry(child).or_default();
            task.created = Some((call.tid, call.end, as_thread));
            task.clear_tid = clear_tid;
            task.inherited.clone_from(&affinity);
            task.affinity = affinity;
        }
        "execve" | "execveat" if call.result == "0" => {
            let path_arg = if name == "execve" { 0 } else { 1 };
            let path = call
                .args
                .get(path_arg)
                .and_then(|a| strace::decode_string(a))
                .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            // A program that runs itself again through `/proc/self/exe` (the resource tracker)
            // is known by the `argv[0]` it gives, not by `exe`.
            let path = if path == "/proc/self/exe" {
                call.args
                    .get(path_arg + 1)
                    .and_then(|argv| argv.strip_prefix('['))
                    .and_then(strace::decode_string)
                    .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
                    .filter(|arg0| !arg0.is_empty())
                    .unwrap_or(path)
            } else {
                path
            };
            let task = tasks.entry(call.tid).or_default();
            task.marks.push(Mark {
                time: call.end,
                text: format!("exec {}", file_name(&path)),
            });
            task.execs.push((call.end, path));
        }
        "prctl" if call.args.first().is_some_and(|a| a == "PR_SET_NAME") => {
            if let Some((bytes, _)) = call.args.get(1).and_then(|a| strace::decode_string(a)) {
                tasks.entry(call.tid).or_default().name =
                    Some(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        "sched_setaffinity" => {
            let who = call
                .args
                .first()
                .and_then(|a| a.parse::<u32>().ok())
                .filter(|&t| t != 0)
                .unwrap_or(call.tid);
            if call.result != "0" {
                return;
            }
            let cpus = call.args.get(2).cloned().unwrap_or_default();
            let task = tasks.entry(who).or_default();
            task.marks.push(Mark {
                time: call.end,
                text: format!("CPUs {cpus}"),
            });
            task.affinity = Some(cpus);
        }
        "write" | "writev" => {
            let Some((fd, _)) = call.fd(0) else { return };
            if fd != 1 && fd != 2 {
                return;
            }
            let (bytes, cut) = match (name, call.args.get(1)) {
                ("write", Some(arg)) => strace::decode_string(arg).unwrap_or_default(),
                (_, Some(arg)) => strace::strings_after(arg, "iov_base="),
                _ => return,
            };
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            if cut {
                text.push('…');
            }
            tasks.entry(call.tid).or_default().prints.push(Print {
                time: call.start,
                fd,
                text,
            });
        }
        _ => {
            if let Some(wait) = wait_of(call) {
                tasks.entry(call.tid).or_default().waits.push(wait);
            }
        }
    }
}

/// The wait a blocking call stands for, with the (address, thread id) of a possible join.
fn wait_of(call: &Call) -> Option<(Wait, Option<(String, u32)>)> {
    let arg = |i: usize| call.args.get(i).map_or("", String::as_str);
    let timed_out = call.result.contains("ETIMEDOUT");
    let (kind, detail, join) = match call.name.as_str() {
        "nanosleep" | "clock_nanosleep" => (WaitKind::Sleep, "sleep".to_string(), None),
        "futex" => {
            let op = arg(1);
            if !(op.contains("FUTEX_WAIT") || op.contains("FUTEX_LOCK_PI")) {
                return None;
            }
            let join = arg(2)
                .parse::<u32>()
                .ok()
                .map(|tid| (arg(0).to_string(), tid));
            let timed = if arg(3) == "NULL" { "" } else { ", timed" };
            (WaitKind::Lock, format!("futex {}{timed}", arg(0)), join)
        }
        "futex_waitv" => (WaitKind::Lock, "futex_waitv".to_string(), None),
        "flock" => {
            if arg(1).contains("LOCK_UN") {
                return None;
            }
            (WaitKind::Lock, format!("flock {}", arg(1)), None)
        }
        "wait4" | "waitid" => {
            if call.args.iter().any(|a| a.contains("WNOHANG")) {
                return None;
            }
            let who = if call.name == "wait4" { arg(0) } else { arg(1) };
            (WaitKind::Child, format!("{} {who}", call.name), None)
        }
        "read" | "readv" | "recvfrom" | "recvmsg" | "accept" | "accept4" | "connect" => {
            let (_, what) = call.fd(0)?;
            // A regular file: the disk, not another party, is what is waited for.
            if what.starts_with('/') && !what.starts_with("/dev/") {
                return None;
            }
            if call.result.contains("EAGAIN") {
                return None;
            }
            (
                WaitKind::Io,
                format!("{} on {}", call.name, kind_of_fd(what)),
                None,
            )
        }
        "poll" | "ppoll" | "select" | "pselect6" | "epoll_wait" | "epoll_pwait"
        | "epoll_pwait2" => {
            let timeout = match call.name.as_str() {
                "poll" => arg(2),
                "ppoll" => arg(2),
                "epoll_wait" | "epoll_pwait" | "epoll_pwait2" => arg(3),
                _ => arg(4),
            };
            let zero = timeout == "0" || (timeout.contains("tv_sec=0,") && timeout.contains("=0}"));
            if zero {
                return None;
            }
            (WaitKind::Io, call.name.clone(), None)
        }
        _ => return None,
    };
    Some((
        Wait {
            start: call.start,
            end: call.end.max(call.start),
            kind,
            detail,
            timed_out,
        },
        join,
    ))
}

/// `socket:[40918]` → `socket`, `pipe:[1]` → `pipe`, `/dev/pts/0` → `terminal`.
fn kind_of_fd(what: &str) -> &str {
    if what.starts_with("/dev/pts") || what.starts_with("/dev/tty") {
        "terminal"
    } else if let Some((kind, _)) = what.split_once(':') {
        kind
    } else if what.is_empty() {
        "fd"
    } else {
        what
    }
}

/// `…, child_tid=0x7fc3, …` → `0x7fc3`.
fn value_after(text: &str, key: &str) -> Option<String> {
    let at = text.find(key)? + key.len();
    let value: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!value.is_empty()).then_some(value)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Each thread's process: a thread created with CLONE_THREAD belongs to its creator's process;
/// anything else is a process of its own.
fn processes_of(tasks: &BTreeMap<u32, Task>) -> HashMap<u32, u32> {
    let mut pid_of = HashMap::new();
    for &tid in tasks.keys() {
        let mut chain = vec![tid];
        let mut current = tid;
        // Walk up creators while they are threads; bounded by the number of tasks.
        let pid = loop {
            match tasks.get(&current).and_then(|t| t.created.as_ref()) {
                Some((creator, _, true)) if chain.len() <= tasks.len() => {
                    if let Some(&known) = pid_of.get(creator) {
                        break known;
                    }
                    current = *creator;
                    chain.push(current);
                }
                _ => break current,
            }
        };
        for t in chain {
            pid_of.insert(t, pid);
        }
    }
    pid_of
}

/// Drops what happened before `begun` (the program's start) and starts every life there.
fn clip_before(process: &mut Process, begun: Micros) {
    process.start = process.start.max(begun);
    process.end = process.end.max(begun);
    process.cpus.retain(|s| s.start >= begun);
    for thread in &mut process.threads {
        thread.start = thread.start.max(begun);
        thread.end = thread.end.max(begun);
        thread.waits.retain(|w| w.end > begun);
        for wait in &mut thread.waits {
            wait.start = wait.start.max(begun);
        }
        thread.prints.retain(|p| p.time >= begun);
        // The root's own exec is where the picture begins: no mark needed.
        thread.marks.retain(|m| m.time > begun);
        thread.shares.retain(|s| s.start >= begun);
    }
}

/// A forked process runs its parent's program.
fn inherit_programs(processes: &mut [Process]) {
    let programs: HashMap<u32, (String, Option<u32>)> = processes
        .iter()
        .map(|p| (p.pid, (p.program.clone(), p.parent)))
        .collect();
    for process in processes.iter_mut() {
        let mut ancestor = process.parent;
        let mut hops = 0;
        while process.program.is_empty() && hops <= programs.len() {
            let Some((program, parent)) = ancestor.and_then(|a| programs.get(&a)) else {
                break;
            };
            process.program.clone_from(program);
            ancestor = *parent;
            hops += 1;
        }
        if process.program.is_empty() {
            process.program = "process".to_string();
        }
    }
}

/// The processes depth first: each after its parent, siblings in the order they started.
fn tree_order(mut processes: Vec<Process>) -> Vec<Process> {
    processes.sort_by_key(|p| (p.start, p.pid));
    let known: Vec<u32> = processes.iter().map(|p| p.pid).collect();
    let mut ordered = Vec::with_capacity(processes.len());
    let mut stack: Vec<(u32, usize)> = processes
        .iter()
        .filter(|p| p.parent.is_none_or(|parent| !known.contains(&parent)))
        .map(|p| (p.pid, 0))
        .rev()
        .collect();
    while let Some((pid, depth)) = stack.pop() {
        let Some(at) = processes.iter().position(|p| p.pid == pid) else {
            continue;
        };
        let mut process = processes.remove(at);
        process.depth = depth;
        let children: Vec<(u32, usize)> = processes
            .iter()
            .filter(|p| p.parent == Some(pid))
            .map(|p| (p.pid, depth + 1))
            .collect();
        stack.extend(children.into_iter().rev());
        ordered.push(process);
    }
    // Anything in a cycle of parents (impossible, but bytes from elsewhere): at the end.
    ordered.extend(processes);
    ordered
}

/// Each thread's readings: (time, ns on a CPU, ns waiting for one).
fn per_thread_series(samples: &Samples) -> HashMap<u32, Vec<(Micros, TaskStat)>> {
    let mut series: HashMap<u32, Vec<(Micros, TaskStat)>> = HashMap::new();
    for tick in &samples.ticks {
        for stat in &tick.tasks {
            series.entry(stat.tid).or_default().push((tick.time, *stat));
        }
    }
    series
}

/// The difference between two readings of one thread.
fn delta(from: Micros, before: &TaskStat, to: Micros, after: &TaskStat) -> Delta {
    let on = after.on_cpu_ns.saturating_sub(before.on_cpu_ns);
    Delta {
        from,
        to,
        on,
        waited: after.waiting_ns.saturating_sub(before.waiting_ns),
        // Where it was last seen running, for the time it ran in between.
        cpus: after
            .cpu
            .map(|cpu| vec![(cpu, on.max(1))])
            .unwrap_or_default(),
    }
}

/// The shortest interval a share is computed over, in µs. The kernel adds a running thread's
/// time to its counter at each scheduler tick (every 4 ms at the common 250 Hz) and at each
/// switch, and a runnable thread's wait when it finally gets a CPU: over shorter intervals the
/// counters move in lumps. Two ticks' worth averages the lumps out.
pub const WINDOW: Micros = 8_000;

/// What the counters moved by between readings: on a CPU and waiting, in ns, and which CPU
/// the thread ran on (ns on each, as votes).
#[derive(Debug, Clone, PartialEq)]
struct Delta {
    from: Micros,
    to: Micros,
    on: u64,
    waited: u64,
    cpus: Vec<(u32, u64)>,
}

impl Delta {
    /// The CPU most of the time on a CPU was spent on.
    fn cpu(&self) -> Option<u32> {
        self.cpus
            .iter()
            .max_by_key(|(_, ns)| *ns)
            .map(|(cpu, _)| *cpu)
    }

    fn add(&mut self, later: Delta) {
        self.to = later.to;
        self.on += later.on;
        self.waited += later.waited;
        for (cpu, ns) in later.cpus {
            match self.cpus.iter_mut().find(|(c, _)| *c == cpu) {
                Some((_, total)) => *total += ns,
                None => self.cpus.push((cpu, ns)),
            }
        }
    }
}

/// Merges consecutive readings' differences into intervals of at least `window` µs.
fn windows(window: Micros, deltas: impl Iterator<Item = Delta>) -> Vec<Delta> {
    let mut merged: Vec<Delta> = Vec::new();
    let mut open: Option<Delta> = None;
    for delta in deltas {
        let next = match open.take() {
            // A gap (the thread was not read in between): close the open interval first.
            Some(current) if current.to != delta.from => {
                merged.push(current);
                delta
            }
            Some(mut current) => {
                current.add(delta);
                current
            }
            None => delta,
        };
        if next.to - next.from >= window {
            merged.push(next);
        } else {
            open = Some(next);
        }
    }
    merged.extend(open);
    merged
}

/// The shares of `free` µs (a thread's time outside traced waits) that `on` ns on a CPU and
/// `waited` ns in a run queue make.
///
/// The two counters lag (see [`WINDOW`]): over a window they may add up to less than the time
/// the thread was neither blocked nor stopped. What they do say is the split between running
/// and waiting to run; so when they fall short, they are scaled up together to fill the free
/// time — a thread that was free for a window was either on a CPU or runnable. Blocking in an
/// untraced call would be drawn as one of the two; the traced set covers the blocking calls the
/// examples make.
fn split(on: u64, waited: u64, free: f64) -> (f64, f64) {
    if free <= 0.0 {
        return (0.0, 0.0);
    }
    let on = on as f64 / 1000.0 / free;
    let waited = waited as f64 / 1000.0 / free;
    let counted = on + waited;
    if counted <= 0.0 {
        (0.0, 0.0)
    } else if counted < 1.0 {
        (on / counted, waited / counted)
    } else {
        let on = on.min(1.0);
        (on, waited.min(1.0 - on))
    }
}

/// The thread's shares over intervals of at least `window` µs, relative to its time outside
/// waits.
fn shares(thread: &Thread, series: &[(Micros, TaskStat)], window: Micros) -> Vec<Share> {
    let deltas = series
        .windows(2)
        .map(|pair| delta(pair[0].0, &pair[0].1, pair[1].0, &pair[1].1));
    windows(window, deltas)
        .into_iter()
        .filter(|d| d.to > d.from)
        .map(|d| {
            let free = (d.to - d.from - thread.blocked_within(d.from, d.to)) as f64;
            let (on_cpu, runnable) = split(d.on, d.waited, free);
            Share {
                start: d.from,
                end: d.to,
                on_cpu,
                runnable,
                cpu: d.cpu(),
            }
        })
        .collect()
}

/// How many CPUs the threads of `pid` used together, over intervals of at least `window` µs.
fn process_cpus(pid: u32, samples: &Samples, window: Micros) -> Vec<Share> {
    let deltas = samples.ticks.windows(2).filter_map(|pair| {
        let mut total: Option<Delta> = None;
        for after in pair[1].tasks.iter().filter(|t| t.pid == pid) {
            if let Some(before) = pair[0].tasks.iter().find(|t| t.tid == after.tid) {
                let d = delta(pair[0].time, before, pair[1].time, after);
                match &mut total {
                    Some(sum) => {
                        // The same interval: add the counts, not the length.
                        sum.on += d.on;
                        sum.waited += d.waited;
                    }
                    None => {
                        total = Some(Delta {
                            cpus: Vec::new(),
                            ..d
                        })
                    }
                }
            }
        }
        total
    });
    windows(window, deltas)
        .into_iter()
        .filter(|d| d.to > d.from)
        .map(|d| {
            let span = (d.to - d.from) as f64;
            Share {
                start: d.from,
                end: d.to,
                on_cpu: d.on as f64 / 1000.0 / span,
                runnable: d.waited as f64 / 1000.0 / span,
                cpu: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORK: &str = r#"100 1.000000 execve("/bin/prog", ["prog"], 0x1 /* 1 vars */) = 0 <0.000010>
100 1.001000 sched_setaffinity(0, 8, [0]) = 0 <0.000005>
100 1.002000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101 <0.000100>
100 1.003000 clone3({flags=CLONE_VM|CLONE_THREAD|CLONE_CHILD_CLEARTID, child_tid=0x7e00}, 88) = 102 <0.000050>
101 1.004000 futex(0x5000, FUTEX_WAIT_BITSET_PRIVATE, 2, {tv_sec=1, tv_nsec=0}, FUTEX_BITSET_MATCH_ANY) = -1 ETIMEDOUT (Connection timed out) <0.500000>
102 1.004000 flock(3</tmp/lock>, LOCK_EX) = 0 <0.100000>
102 1.200000 exit(0) = ?
102 1.200100 +++ exited with 0 +++
101 1.505000 exit_group(0) = ?
101 1.505100 +++ exited with 0 +++
100 1.600000 exit_group(1) = ?
100 1.600100 +++ exited with 1 +++
"#;

    #[test]
    fn counters_split_the_free_time() {
        // 2 ms on a CPU, 2 ms runnable in 8 ms free: half and half, the lag filled in.
        assert_eq!(split(2_000_000, 2_000_000, 8_000.0), (0.5, 0.5));
        // More than the free time (a lump from before): capped, on a CPU first.
        assert_eq!(split(9_000_000, 1_000_000, 8_000.0), (1.0, 0.0));
        assert_eq!(split(4_000_000, 6_000_000, 8_000.0), (0.5, 0.5));
        // Nothing counted, or no free time: nothing drawn.
        assert_eq!(split(0, 0, 8_000.0), (0.0, 0.0));
        assert_eq!(split(1_000, 0, 0.0), (0.0, 0.0));
    }

    #[test]
    fn a_fork_runs_its_parents_program_and_affinity_is_inherited() {
        let trace = strace::parse(FORK);
        assert!(trace.skipped.is_empty(), "{:?}", trace.skipped);
        let record = build(&trace, &Samples::default());
        assert_eq!(record.processes.len(), 2);
        let (root, child) = (&record.processes[0], &record.processes[1]);
        assert_eq!((root.pid, root.origin), (100, Origin::Root));
        assert_eq!(root.ended, Some(Ended::Exited(1)));
        assert_eq!(
            (child.pid, child.origin, child.parent),
            (101, Origin::Fork, Some(100))
        );
        assert_eq!(child.program, "prog");
        assert_eq!(root.threads[0].marks[0].text, "CPUs [0]");
        assert_eq!(root.threads[1].affinity.as_deref(), Some("[0]"));
        assert_eq!(child.threads[0].affinity.as_deref(), Some("[0]"));

        let timed = &child.threads[0].waits[0];
        assert_eq!(timed.kind, WaitKind::Lock);
        assert!(timed.timed_out);
        assert_eq!(timed.end - timed.start, 500_000);
        let flock = &root.threads[1].waits[0];
        assert_eq!(
            (flock.kind, flock.detail.as_str()),
            (WaitKind::Lock, "flock LOCK_EX")
        );
    }

    #[test]
    fn a_program_run_again_through_proc_self_exe_is_named_by_its_argv0() {
        let trace = strace::parse(
            r#"100 1.000000 execve("/bin/prog", ["prog"], 0x1 /* 1 vars */) = 0 <0.000010>
100 1.001000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101 <0.000100>
101 1.002000 execve("/proc/self/exe", ["pace-tracker"], 0x1 /* 2 vars */) = 0 <0.000200>
101 1.100000 exit_group(0) = ?
101 1.100100 +++ exited with 0 +++
100 1.200000 exit_group(0) = ?
100 1.200100 +++ exited with 0 +++
"#,
        );
        let record = build(&trace, &Samples::default());
        assert_eq!(record.processes.len(), 2);
        assert_eq!(record.processes[1].program, "pace-tracker");
    }
}
