//! `multiprocessing.Process`, `current_process()`, the start method, and `init()` — the top of
//! the layer: what a program's `main` calls, and where a child started by the layer becomes
//! what it was started for.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::launch::{self, Exit};
use crate::protocol::{ROLE, Role, SERVER, ToForkServer};
use crate::state::{self, ChildRecord, ForkServer, Identity, StartMethod, state};
use crate::target::{Target, Wire};

/// The environment variable that chooses the default start method — `fork`, `spawn` or
/// `forkserver` — instead of fork: how a test runs one snippet under each method.
pub const START_METHOD_ENV: &str = "EXAMPLES_START_METHOD";

/// Sets the start method for the processes started from now on (`set_start_method`).
///
/// The default is fork — the default on Linux in the notes' Python (3.14 switched to
/// forkserver) — unless [`START_METHOD_ENV`] names another. A program's own call wins over that
/// variable, as its snippet's line says what it wants; [`Process::start_method`] wins over both.
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

/// Makes this program able to start processes; call it first thing in `main`, as
/// `let _main = examples_processes::init(); // if __name__ == '__main__':`.
///
/// It plays the part of the notes' `if __name__ == '__main__':`. A program started by the layer
/// as a *spawn* child, as the *fork server* or as a *pool worker* is the same executable: inside
/// `init()` such a process does its job — runs its target, serves forks, runs tasks — and exits;
/// `init()` returns only in the process the reader started. Code above the call would run in
/// every one of them; that is why it comes first. It calls [`pace::init`] first.
///
/// A child forgets the variables that made it one, so that a program it starts in turn is
/// an ordinary program. [`START_METHOD_ENV`] sets the default start method (see
/// [`set_start_method`]); a value that names none ends the program with a one-line error.
///
/// At the end of the program — when the returned guard is dropped at the end of `main`, and at
/// exit in any case (`let _ = init()` drops the guard at once) — every child that is still
/// running is joined, as multiprocessing does at exit for non-daemon processes, and the fork
/// server is stopped, so that no child outlives the program and none is left a zombie.
#[must_use = "keep the guard until the end of main: dropping it joins the children"]
pub fn init() -> MainGuard {
    pace::init();
    // Ending on a closed pipe (`| head`): the children go first.
    pace::output::before_ending(state::stop_children_now);
    launch::prime_ipc_channel();
    become_role_if_asked();
    if let Ok(text) = std::env::var(START_METHOD_ENV) {
        match text.parse::<StartMethod>() {
            Ok(method) => set_start_method(method),
            Err(e) => {
                eprintln!("{START_METHOD_ENV}={e}");
                std::process::exit(2);
            }
        }
    }
    {
        let mut state = state();
        state.initialized = true;
        state.main = Some(std::process::id());
    }
    // SAFETY: `at_exit` is an `extern "C" fn()` that lives as long as the program.
    unsafe { libc::atexit(at_exit) };
    MainGuard { _private: () }
}

/// Joins the children when `main` ends. See [`init`].
#[derive(Debug)]
pub struct MainGuard {
    _private: (),
}

impl Drop for MainGuard {
    fn drop(&mut self) {
        end_of_main();
    }
}

/// At exit, in the main process: what the guard does, should it have been dropped early.
extern "C" fn at_exit() {
    let main = state().main;
    if main == Some(std::process::id()) {
        // Nothing may unwind out of an `extern "C"` function.
        let _ = std::panic::catch_unwind(end_of_main);
    }
}

/// Joins every child and stops the fork server; again, it does nothing more.
fn end_of_main() {
    state::join_children();
    let server = state().forkserver.take();
    if let Some(ForkServer { pid, requests }) = server {
        // Told to finish, the server waits for its children (joined above), exits, and is
        // reaped here. Should it be gone already, the send fails and the wait reaps it.
        let _ = requests.send(ToForkServer::Stop);
        drop(requests);
        let _ = state::wait_for_exit(pid);
    }
}

/// If this process was started by the layer, do its job and exit.
fn become_role_if_asked() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let server = std::env::var(SERVER).unwrap_or_default();
    forget_role();
    match role.as_str() {
        "spawn" => spawned_child_main(server),
        "forkserver" => crate::forkserver::serve(server),
        // A bare start of the executable, to measure what starting it costs (see `floor`).
        "noop" => std::process::exit(0),
        other => {
            eprintln!("{ROLE}={other}: not a role this program knows");
            std::process::exit(2);
        }
    }
}

/// Removes the variables that made this process a child, so that a program it starts is not
/// taken for one.
fn forget_role() {
    if launch::threads() == 1 {
        // SAFETY: this process has one thread (counted just above, and this thread started
        // none since), so no other thread reads or writes the environment meanwhile.
        unsafe {
            std::env::remove_var(ROLE);
            std::env::remove_var(SERVER);
        }
    }
}

/// A spawned child: connect back, learn the job, do it, exit.
fn spawned_child_main(server: String) -> ! {
    let code = launch::run_catching(|| {
        let (header, channel, sentinel) = launch::connect_back(server)?;
        // Held until we exit: its closing tells the parent we are gone.
        launch::become_child(&header, Some(sentinel));
        match header.role {
            Role::PoolWorker => crate::pool::work(channel.to_opaque().to()),
            role => launch::run_process_target(role, channel),
        }
    });
    launch::finish(code, Exit::Normally)
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

/// A process that runs `target(*args)`: `multiprocessing.Process(target=…, args=…)`.
///
/// ```no_run
/// # use examples_processes::{Process, target};
/// fn task(arg: String) {
///     println!("{arg}");
/// }
/// # fn main() -> examples_processes::Result<()> {
/// let _main = examples_processes::init(); // if __name__ == '__main__':
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
