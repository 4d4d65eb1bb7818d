//! `multiprocessing.Process`, its start methods, `current_process()`, and the rule that every
//! child is joined before the program ends.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use ipc_channel::ipc::{IpcReceiver, IpcSender, OpaqueIpcSender};
use nix::errno::Errno;
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
use nix::unistd::Pid;

use crate::error::{Context, Error, Result};
use crate::launch::{self, ChildEvent, ToForkServer};
use crate::target::{Target, Wire};

/// How a new process begins (`multiprocessing.set_start_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMethod {
    /// `os.fork()`: the child is a copy of the parent — memory, open files, buffers, held locks.
    ///
    /// A process with other threads may fork, with a warning on stderr (as Python 3.12 warns);
    /// the child must then not need a lock that another thread held at the fork. The layer
    /// holds its own locks and std's stdout and stderr across the fork; any other lock is the
    /// caller's to think of, as in Python.
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

impl fmt::Display for StartMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything the layer keeps per process. One lock, so that `fork` can take it and be sure no
/// other thread holds it in the copy the child gets.
pub(crate) struct State {
    pub(crate) initialized: bool,
    pub(crate) method: StartMethod,
    pub(crate) current: Option<Identity>,
    pub(crate) counter: u32,
    pub(crate) children: Vec<Arc<ChildRecord>>,
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
    method: StartMethod::Fork,
    current: None,
    counter: 0,
    children: Vec::new(),
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
    }
}

/// Sets the start method for the processes started from now on (default: fork — the default
/// on Linux in the notes' Python; Python 3.14 switched to forkserver).
pub fn set_start_method(method: StartMethod) {
    state().method = method;
}

/// The start method in use.
pub fn get_start_method() -> StartMethod {
    state().method
}

/// The number of CPUs (`multiprocessing.cpu_count()`).
pub fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Makes this program able to start processes; call it first thing in `main`.
///
/// It plays the part of the notes' `if __name__ == '__main__':`. A program started by the layer
/// as a *spawn* child, as the *fork server* or as a *pool worker* is the same executable: inside
/// `init()` such a process does its job — runs its target, serves forks, runs tasks — and exits;
/// `init()` returns only in the process the reader started. Code above the call would run in
/// every one of them; that is why it comes first.
///
/// The returned guard joins every child that is still running when it is dropped at the end of
/// `main` — what multiprocessing does at exit for non-daemon processes — and stops the fork
/// server, so that no child outlives the program and none is left a zombie.
#[must_use = "keep the guard until the end of main: dropping it joins the children"]
pub fn init() -> MainGuard {
    launch::prime_ipc_channel();
    launch::become_role_if_asked();
    state().initialized = true;
    MainGuard { _private: () }
}

/// Joins the children when `main` ends. See [`init`].
#[derive(Debug)]
pub struct MainGuard {
    _private: (),
}

impl Drop for MainGuard {
    fn drop(&mut self) {
        join_children();
        let server = state().forkserver.take();
        if let Some(ForkServer { pid, requests }) = server {
            // Told to finish, the server waits for its children (joined above), exits, and is
            // reaped here. Should it be gone already, the send fails and the wait reaps it.
            let _ = requests.send(ToForkServer::Stop);
            drop(requests);
            let _ = wait_for_exit(pid);
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

/// `multiprocessing.active_children()`: the children that are still running.
pub fn active_children() -> Vec<u32> {
    let children: Vec<Arc<ChildRecord>> = state().children.clone();
    children
        .iter()
        .filter(|c| matches!(c.poll(), Ok(None)))
        .map(|c| c.pid.as_raw().unsigned_abs())
        .collect()
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
    /// A child of the fork server: the server tells how it ended.
    Served {
        events: IpcReceiver<ChildEvent>,
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
            watch: Mutex::new(Watch::Served { events, exit: None }),
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
    /// A direct child is reaped under the record's lock, but waited for without it (`waitid`
    /// with `WNOWAIT` leaves the ended child unreaped): so [`kill`](Self::kill) from another
    /// thread is never held up by a waiting `join`, and never signals a reaped pid.
    pub(crate) fn wait_exit(&self) -> Result<i32> {
        loop {
            {
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
                    }
                    Watch::Served { events, exit } => loop {
                        match events.recv() {
                            Ok(ChildEvent::Exited(code)) => {
                                *exit = Some(code);
                                return Ok(code);
                            }
                            Ok(ChildEvent::Started(_)) => {}
                            Err(e) => {
                                return Err(Error::channel(
                                    format!("waiting for child {} of the fork server", self.pid),
                                    format!("the fork server is gone ({e})"),
                                ));
                            }
                        }
                    },
                }
            }
            // Not ended yet: wait for it to end, leaving it unreaped, then reap it above.
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

/// Takes in what the fork server has reported about one of its children.
fn drain(events: &IpcReceiver<ChildEvent>, exit: &mut Option<i32>) {
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

/// A process that runs `target(*args)`: `multiprocessing.Process(target=…, args=…)`.
///
/// ```no_run
/// # use examples_processes::{Process, target};
/// fn task(arg: String) {
///     println!("{arg}");
/// }
/// # fn main() -> examples_processes::Result<()> {
/// let _main = examples_processes::init();
/// let mut p = Process::new(target!(task), ("xxx".to_string(),)).name("哈哈哈哈");
/// p.start()?;
/// p.join()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Process<Args, R = ()> {
    target: Target<Args, R>,
    args: Option<Args>,
    name: String,
    method: Option<StartMethod>,
    child: Option<Arc<ChildRecord>>,
}

impl<Args: Wire, R: Wire> Process<Args, R> {
    /// A process that will run `target` with `args` (a tuple: `()`, `(x,)`, `(x, y)`, …),
    /// named `Process-N` unless [`name`](Self::name) says otherwise.
    pub fn new(target: Target<Args, R>, args: Args) -> Self {
        let name = {
            let mut state = state();
            state.counter += 1;
            format!("Process-{}", state.counter)
        };
        Process {
            target,
            args: Some(args),
            name,
            method: None,
            child: None,
        }
    }

    /// Starts this process with `method` whatever [`set_start_method`] says — what Python's
    /// `multiprocessing.get_context(method).Process(…)` does.
    pub fn start_method(mut self, method: StartMethod) -> Self {
        self.method = Some(method);
        self
    }

    /// Names the process (`p.name = "…"`); the child sees it as `current_process().name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Its name.
    pub fn get_name(&self) -> &str {
        &self.name
    }

    /// Starts the child with the current start method and returns at once (`p.start()`).
    ///
    /// With spawn, the child is a fresh run of the executable that still has to connect back
    /// and receive its target: a thread does that hand-over, so `start()` does not wait for it,
    /// and a child that dies before it has its target is reported by [`join`](Self::join).
    /// Errors here are the ones of starting the process itself.
    pub fn start(&mut self) -> Result<()> {
        let args = self
            .args
            .take()
            .ok_or(Error::State("a process can be started only once"))?;
        let identity = Identity {
            name: self.name.clone(),
            class: "Process",
        };
        let child = launch::start(self.target, args, identity, self.method)?;
        self.child = Some(child);
        Ok(())
    }

    /// Waits until the child has ended (`p.join()`); its exit code is then in
    /// [`exitcode`](Self::exitcode). An error if the child could not be handed its target (it
    /// died first, under spawn): it has been reaped, and `exitcode` tells how it ended.
    pub fn join(&mut self) -> Result<()> {
        let child = self.child.as_ref().ok_or(Error::State(
            "join() before start(): the process was never started",
        ))?;
        child.wait()?;
        let pid = child.pid;
        state().children.retain(|c| c.pid != pid);
        Ok(())
    }

    /// Kills the child with SIGKILL (`p.kill()`), if it is still running; a child that has
    /// ended is not signalled, so a pid the system has given to another process since is never
    /// hit. Then [`join`](Self::join) it.
    pub fn kill(&self) -> Result<()> {
        let child = self.child.as_ref().ok_or(Error::State(
            "kill() before start(): the process was never started",
        ))?;
        child.kill().map(drop)
    }

    /// The child's pid once started (`p.pid`).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.pid.as_raw().unsigned_abs())
    }

    /// Started and not yet ended (`p.is_alive()`).
    pub fn is_alive(&self) -> bool {
        self.child
            .as_ref()
            .is_some_and(|c| matches!(c.poll(), Ok(None)))
    }

    /// `None` while running; then 0, or 1 if the target panicked, or −N if signal N killed it
    /// (`p.exitcode`).
    pub fn exitcode(&self) -> Option<i32> {
        self.child.as_ref().and_then(|c| c.poll().ok().flatten())
    }
}

/// The process this code runs in (`multiprocessing.current_process()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentProcess {
    /// `MainProcess`, or the name its parent gave it.
    pub name: String,
    /// Its pid.
    pub pid: u32,
    /// Its parent's pid; `None` for the main process.
    pub parent: Option<u32>,
    class: &'static str,
}

/// The process this code runs in (`multiprocessing.current_process()`).
pub fn current_process() -> CurrentProcess {
    let identity = state().current.clone();
    match identity {
        None => CurrentProcess {
            name: "MainProcess".into(),
            pid: std::process::id(),
            parent: None,
            class: "_MainProcess",
        },
        Some(Identity { name, class }) => CurrentProcess {
            name,
            pid: std::process::id(),
            parent: Some(std::os::unix::process::parent_id()),
            class,
        },
    }
}

/// Prints as Python prints it: `<_MainProcess name='MainProcess' parent=None started>`.
impl fmt::Display for CurrentProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parent = self
            .parent
            .map_or_else(|| "None".to_string(), |p| p.to_string());
        write!(
            f,
            "<{} name='{}' parent={} started>",
            self.class, self.name, parent
        )
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
