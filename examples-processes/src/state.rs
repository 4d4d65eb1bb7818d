//! What the layer keeps: the start method, who this process is, and a record of every child
//! until it has been joined — how it is waited for, polled and killed.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ipc_channel::ipc::{IpcReceiver, IpcSender, OpaqueIpcSender};
use nix::errno::Errno;
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
use nix::unistd::Pid;

use crate::error::{Context, Error, Result};
use crate::protocol::{ChildEvent, ToForkServer};

/// How a new process begins (`multiprocessing.set_start_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMethod {
    /// `os.fork()`: the child is a copy of the parent — memory, open files, buffers, held locks.
    ///
    /// Only a process with a single thread may fork: in the copy of a process with more, a lock
    /// another thread held would stay held for ever, and the child could not even allocate
    /// safely. With more threads, starting a fork child is an error
    /// ([`Error::ForkWithThreads`]) that names the start methods that work: spawn and
    /// forkserver. (Python 3.12 only warns.)
    Fork,
    /// A fresh run of the same executable that runs only the target: nothing else of the parent.
    Spawn,
    /// A single-threaded server process, started once, forks each child on request: children
    /// inherit the server's clean state, not the parent's.
    ForkServer,
}

impl StartMethod {
    /// The name Python uses: `fork`, `spawn`, `forkserver`.
    pub fn name(self) -> &'static str {
        match self {
            StartMethod::Fork => "fork",
            StartMethod::Spawn => "spawn",
            StartMethod::ForkServer => "forkserver",
        }
    }
}

impl std::str::FromStr for StartMethod {
    type Err = String;

    /// `fork`, `spawn` or `forkserver`; anything else is a one-line error that quotes it.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        [
            StartMethod::Fork,
            StartMethod::Spawn,
            StartMethod::ForkServer,
        ]
        .into_iter()
        .find(|m| m.name() == text)
        .ok_or_else(|| format!("{text}: not a start method (fork, spawn or forkserver)"))
    }
}

impl fmt::Display for StartMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything the layer keeps per process. One lock, so that `fork` can take it and be sure no
/// other thread holds it in the copy the child gets.
pub(crate) struct State {
    pub(crate) initialized: bool,
    /// The main process's pid, once `init()` has returned there.
    pub(crate) main: Option<u32>,
    pub(crate) method: StartMethod,
    pub(crate) current: Option<Identity>,
    pub(crate) counter: u32,
    pub(crate) children: Vec<Arc<ChildRecord>>,
    /// Every child started, joined or not, pool workers included: what must be stopped if the
    /// program ends abruptly (see [`stop_children_now`]).
    pub(crate) all: Vec<Weak<ChildRecord>>,
    pub(crate) forkserver: Option<ForkServer>,
    /// Channels held open until this process exits: their closing tells our parent (or the fork
    /// server) that we are gone.
    pub(crate) sentinels: Vec<OpaqueIpcSender>,
}

/// Who this process is, when it is not the main process.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) name: String,
    pub(crate) class: &'static str,
}

/// The running fork server, as its parent sees it.
pub(crate) struct ForkServer {
    pub(crate) pid: Pid,
    pub(crate) requests: IpcSender<ToForkServer>,
}

static STATE: Mutex<State> = Mutex::new(State {
    initialized: false,
    main: None,
    method: StartMethod::Fork,
    current: None,
    counter: 0,
    children: Vec::new(),
    all: Vec::new(),
    forkserver: None,
    sentinels: Vec::new(),
});

/// The layer's state. A panic elsewhere cannot leave it inconsistent: every change is one step.
pub(crate) fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// What a new child process makes of its copy of the parent's state.
    pub(crate) fn become_child(&mut self, identity: Identity) {
        self.initialized = true;
        self.current = Some(identity);
        self.counter = 0;
        // The parent's children are our siblings: not ours to join. Forgotten, not dropped: in
        // a forked child they are the parent's objects (a record may hold the handle of a
        // hand-over thread that does not exist here), whose destructors must not run.
        for sibling in self.children.drain(..) {
            std::mem::forget(sibling);
        }
        for sibling in self.all.drain(..) {
            std::mem::forget(sibling);
        }
        if let Some(server) = self.forkserver.take() {
            std::mem::forget(server);
        }
    }
}

/// Records a new child in the list of every child (`all`), and returns it.
pub(crate) fn recorded(record: ChildRecord) -> Arc<ChildRecord> {
    let record = Arc::new(record);
    let mut state = state();
    state.all.retain(|c| c.strong_count() > 0);
    state.all.push(Arc::downgrade(&record));
    record
}

/// Kills every child still running — the fork server's children too — and reaps them, then
/// stops the fork server: the program is ending at once (its output's reader is gone), and
/// none of its children may stay behind, not even for the moment the parent-death signal
/// takes. If another thread holds the layer's state, waits for it (a second at most: should
/// the caller itself hold it, it gives up then).
pub(crate) fn stop_children_now() {
    let Some(mut state) = state_within(Duration::from_secs(1)) else {
        return;
    };
    let records: Vec<Arc<ChildRecord>> = state.all.iter().filter_map(Weak::upgrade).collect();
    let server = state.forkserver.take();
    drop(state);
    for record in &records {
        let _ = record.kill();
    }
    for record in &records {
        let _ = record.wait_exit();
    }
    if let Some(ForkServer { pid, requests }) = server {
        let _ = requests.send(ToForkServer::Stop);
        drop(requests);
        let _ = wait_for_exit(pid);
    }
}

/// The layer's state, unless another thread — or this one — holds it for `limit`.
fn state_within(limit: Duration) -> Option<MutexGuard<'static, State>> {
    let until = Instant::now() + limit;
    loop {
        match STATE.try_lock() {
            Ok(state) => return Some(state),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// Waits for every child this process started and has not joined yet.
pub(crate) fn join_children() {
    let children = std::mem::take(&mut state().children);
    for child in children {
        if let Err(e) = child.wait() {
            eprintln!("joining child {}: {e}", child.pid);
        }
    }
}

/// A started child, as its parent tracks it until it has been joined.
#[derive(Debug)]
pub(crate) struct ChildRecord {
    pub(crate) pid: Pid,
    watch: Mutex<Watch>,
    /// A spawned `Process`'s hand-over, on a thread of its own, until `wait` finishes it.
    handover: Mutex<Handover>,
}

/// Where a child's hand-over stands (see [`ChildRecord::finish_handover`]).
#[derive(Debug)]
enum Handover {
    /// Nothing pending: none was needed, or its outcome has been reported.
    Done,
    /// Running on its thread.
    Running(JoinHandle<Result<()>>),
    /// Finished with this error, not reported yet.
    Failed(Error),
}

#[derive(Debug)]
enum Watch {
    /// Our own child: `waitpid` tells how it ended.
    Direct { exit: Option<i32> },
    /// A child of the fork server: the server tells how it ended. A `join` waits on `events`
    /// holding only that receiver's own lock, never the record's: `poll` and `kill` from other
    /// threads answer at once meanwhile.
    Served {
        events: Arc<Mutex<IpcReceiver<ChildEvent>>>,
        exit: Option<i32>,
    },
}

impl ChildRecord {
    pub(crate) fn direct(pid: Pid) -> Self {
        ChildRecord {
            pid,
            watch: Mutex::new(Watch::Direct { exit: None }),
            handover: Mutex::new(Handover::Done),
        }
    }

    pub(crate) fn served(pid: Pid, events: IpcReceiver<ChildEvent>) -> Self {
        ChildRecord {
            pid,
            watch: Mutex::new(Watch::Served {
                events: Arc::new(Mutex::new(events)),
                exit: None,
            }),
            handover: Mutex::new(Handover::Done),
        }
    }

    fn watch(&self) -> MutexGuard<'_, Watch> {
        self.watch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the thread that hands this child its target.
    pub(crate) fn handing_over(&self, thread: JoinHandle<Result<()>>) {
        *self.handover.lock().unwrap_or_else(PoisonError::into_inner) = Handover::Running(thread);
    }

    /// Waits for the hand-over thread, if one runs, and keeps its error for `wait` to report.
    /// The thread needs only the `watch` lock, never this one: no deadlock.
    pub(crate) fn finish_handover(&self) {
        let mut handover = self.handover.lock().unwrap_or_else(PoisonError::into_inner);
        if let Handover::Running(_) = &*handover {
            let Handover::Running(thread) = std::mem::replace(&mut *handover, Handover::Done)
            else {
                return;
            };
            *handover = match thread.join() {
                Ok(Ok(())) => Handover::Done,
                Ok(Err(e)) => Handover::Failed(e),
                Err(_) => Handover::Failed(Error::channel(
                    format!("handing child {} its target", self.pid),
                    "the thread doing it panicked",
                )),
            };
        }
    }

    /// Blocks until the child has ended and its hand-over, if any, is over; its exit code
    /// (negative: killed by that signal) — or, once, the error of a hand-over that failed (the
    /// child was killed and reaped then; a later `wait` returns its exit code).
    pub(crate) fn wait(&self) -> Result<i32> {
        self.finish_handover();
        let code = self.wait_exit()?;
        let mut handover = self.handover.lock().unwrap_or_else(PoisonError::into_inner);
        match std::mem::replace(&mut *handover, Handover::Done) {
            Handover::Failed(e) => Err(e),
            _ => Ok(code),
        }
    }

    /// Blocks until the child has ended; its exit code (negative: killed by that signal).
    ///
    /// No lock that another call needs is held while it waits. A direct child is reaped under
    /// the record's lock, but waited for without it (`waitid` with `WNOWAIT` leaves the ended
    /// child unreaped): so [`kill`](Self::kill) from another thread is never held up by a
    /// waiting `join`, and never signals a reaped pid. A child of the fork server is waited for
    /// on its events channel, under that channel's own lock.
    pub(crate) fn wait_exit(&self) -> Result<i32> {
        loop {
            let events = {
                let mut watch = self.watch();
                match &mut *watch {
                    Watch::Direct { exit: Some(code) }
                    | Watch::Served {
                        exit: Some(code), ..
                    } => return Ok(*code),
                    Watch::Direct { exit } => {
                        if let Some(code) = reap(self.pid)? {
                            *exit = Some(code);
                            return Ok(code);
                        }
                        None
                    }
                    Watch::Served { events, .. } => Some(Arc::clone(events)),
                }
            };
            match events {
                Some(events) => {
                    let event = {
                        let events = events.lock().unwrap_or_else(PoisonError::into_inner);
                        // Bounded, so that an exit another thread took in meanwhile is seen.
                        events.try_recv_timeout(Duration::from_millis(100))
                    };
                    match event {
                        Ok(ChildEvent::Exited(code)) => {
                            if let Watch::Served { exit, .. } = &mut *self.watch() {
                                exit.get_or_insert(code);
                            }
                        }
                        Ok(ChildEvent::Started(_)) | Err(ipc_channel::TryRecvError::Empty) => {}
                        Err(ipc_channel::TryRecvError::IpcError(e)) => {
                            return Err(Error::channel(
                                format!("waiting for child {} of the fork server", self.pid),
                                format!("the fork server is gone ({})", crate::error::ipc(&e)),
                            ));
                        }
                    }
                }
                None => {
                    // Not ended yet: wait for it to end, leaving it unreaped; reaped above.
                    match waitid(
                        Id::Pid(self.pid),
                        WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
                    ) {
                        // ECHILD: another thread reaped it through this record meanwhile.
                        Ok(_) | Err(Errno::EINTR) | Err(Errno::ECHILD) => {}
                        Err(e) => {
                            return Err(Error::io(
                                format!("waiting for child {}", self.pid),
                                e.into(),
                            ));
                        }
                    }
                }
            }
        }
    }

    /// The exit code if the child has ended, without blocking.
    pub(crate) fn poll(&self) -> Result<Option<i32>> {
        match &mut *self.watch() {
            Watch::Direct { exit: Some(code) }
            | Watch::Served {
                exit: Some(code), ..
            } => Ok(Some(*code)),
            Watch::Direct { exit } => {
                *exit = reap(self.pid)?;
                Ok(*exit)
            }
            Watch::Served { events, exit } => {
                drain(events, exit);
                Ok(*exit)
            }
        }
    }

    /// Sends SIGKILL to the child — unless it has ended already: once a child is reaped, its
    /// pid is free for the system to give to an unrelated process, which must not be killed.
    /// Whether it was signalled.
    ///
    /// A direct child is reaped only through this record, under its lock; the lock is held here
    /// from the check to the signal, so the pid is still our (possibly dead, unreaped) child's
    /// when it is signalled. A child of the fork server is reaped by the server, which then
    /// reports its exit: the reports that have arrived are read first, but a child reaped and
    /// not yet reported could in principle have its pid reused in between — the window that
    /// Python's `kill()` of a forkserver child has too.
    pub(crate) fn kill(&self) -> Result<bool> {
        let mut watch = self.watch();
        let ended = match &mut *watch {
            Watch::Direct { exit } => exit.is_some(),
            Watch::Served { events, exit } => {
                drain(events, exit);
                exit.is_some()
            }
        };
        if ended {
            return Ok(false);
        }
        match signal::kill(self.pid, Signal::SIGKILL) {
            Ok(()) => Ok(true),
            // A child of the fork server that has just ended and been reaped there.
            Err(Errno::ESRCH) => Ok(false),
            Err(e) => Err(Error::io(format!("killing child {}", self.pid), e.into())),
        }
    }
}

/// Reaps our child `pid` if it has ended, without blocking: its exit code then.
fn reap(pid: Pid) -> Result<Option<i32>> {
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)).context(|| format!("checking on child {pid}"))? {
        WaitStatus::Exited(_, code) => Ok(Some(code)),
        WaitStatus::Signaled(_, signal, _) => Ok(Some(-(signal as i32))),
        _ => Ok(None),
    }
}

/// Takes in what the fork server has reported about one of its children — unless a `join` is
/// waiting on the channel: it will take the exit in itself.
fn drain(events: &Mutex<IpcReceiver<ChildEvent>>, exit: &mut Option<i32>) {
    let Ok(events) = events.try_lock() else {
        return;
    };
    while let Ok(event) = events.try_recv() {
        if let ChildEvent::Exited(code) = event {
            *exit = Some(code);
        }
    }
}

/// Blocks until our child `pid` has ended and reaps it: its exit code, or minus the signal
/// that killed it (as Python's `exitcode`).
pub(crate) fn wait_for_exit(pid: Pid) -> Result<i32> {
    loop {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(code),
            Ok(WaitStatus::Signaled(_, signal, _)) => return Ok(-(signal as i32)),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::io(format!("waiting for child {pid}"), e.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    /// A record of a fresh child running `program` (spawned, not forked: safe in a test).
    fn child(program: &str, args: &[&str]) -> ChildRecord {
        let child = Command::new(program)
            .args(args)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {program}: {e}"));
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid fits in i32"));
        // Reaped through the record from now on.
        drop(child);
        ChildRecord::direct(pid)
    }

    #[test]
    fn a_child_that_has_ended_and_been_reaped_is_never_signalled() {
        let record = child("true", &[]);
        assert_eq!(record.wait().expect("wait"), 0);
        // Its pid may be another process's now: kill must not send anything.
        assert!(!record.kill().expect("kill"), "signalled a reaped pid");
    }

    #[test]
    fn a_running_child_is_killed_once_and_its_exit_code_says_so() {
        let record = child("sleep", &["60"]);
        assert!(record.kill().expect("kill"), "a running child is signalled");
        assert_eq!(record.wait().expect("wait"), -(Signal::SIGKILL as i32));
        assert!(!record.kill().expect("kill again"), "not twice");
    }

    /// A program ending on a closed pipe from one thread while another thread looks at the
    /// layer's state (a callback asking `current_process()`): its children are still killed and
    /// reaped before it ends.
    #[test]
    fn children_are_stopped_even_while_another_thread_holds_the_state_a_moment() {
        let record = recorded(child("sleep", &["30"]));
        let held = state();
        std::thread::scope(|s| {
            let stopper = s.spawn(stop_children_now);
            // However long the stopper takes to start, it finds the state held or free: it
            // must stop the child either way.
            std::thread::sleep(Duration::from_millis(50));
            drop(held);
            stopper.join().expect("the stopper");
        });
        let exit = record.poll();
        let _ = record.kill();
        let _ = record.wait();
        assert_eq!(
            exit.expect("poll"),
            Some(-(Signal::SIGKILL as i32)),
            "killed and reaped"
        );
    }

    #[test]
    fn kill_is_not_held_up_by_another_thread_waiting_for_the_child() {
        let record = child("sleep", &["60"]);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| record.wait());
            // Whether the waiter is blocked already or not, kill goes through, and ends its wait.
            assert!(record.kill().expect("kill"));
            let code = waiter.join().expect("the waiter").expect("wait");
            assert_eq!(code, -(Signal::SIGKILL as i32));
        });
    }
}
