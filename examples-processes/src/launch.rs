//! How a child process comes to life with each start method, and how it hands its exit back.
//!
//! **fork** — `start` checks that this process has one thread (see [`StartMethod::Fork`]),
//! forks; the child runs the target directly and `_exit`s.
//!
//! **spawn** — the parent runs its own executable again with `ROLE` = `spawn` and `SERVER` =
//! the name of an [`IpcOneShotServer`]. In that child, [`init`](crate::init) calls
//! `connect_back`, which connects and sends a `Hello` carrying a channel; over it the parent
//! sends a `Header` (which target, under what name, in which directory) and then the arguments,
//! typed as the target wants them. The child runs the target and exits. For a `Process`, this
//! hand-over runs on a thread of its own and `start()` returns at once, as Python's does (its
//! spawn start writes the pickled process into a pipe and returns); a hand-over that fails —
//! the child died first — kills and reaps the child, and `join()` reports it. A pool worker's
//! hand-over is done before the pool is returned: the pool needs the channel.
//!
//! **forkserver** — the first such start runs the executable with `ROLE` = `forkserver` (see
//! [`crate::forkserver`]); each start sends it a `ForkRequest` carrying the receiving end of a
//! fresh channel, and at once the `Header` and the arguments into that channel; the server
//! forks, and the child, which inherits the receiving end, reads its job from it.
//!
//! **No child outlives its parent**: every child asks the kernel for SIGKILL when its parent
//! dies (`PR_SET_PDEATHSIG`), then checks that its parent is still the one that started it —
//! one that died in between would not send it. The kernel sends that signal when the *thread*
//! that started the child ends, so children are started only from a thread that lasts as long
//! as the process: the main thread, or else one launcher thread kept for that.
//!
//! ipc-channel's `accept()` blocks forever when the child dies before connecting
//! (servo/ipc-channel#201), so `accept_watched` accepts on a helper thread while the parent
//! watches the child, and turns its death into [`Error::ChildLost`].

use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender, OpaqueIpcSender};
use nix::sys::signal::Signal;
use nix::unistd::{ForkResult, Pid, fork};

use crate::error::{Context, Error, Result};
use crate::protocol::{ChildEvent, ForkRequest, Header, Hello, ROLE, Role, SERVER, ToForkServer};
use crate::state::{self, ChildRecord, ForkServer, Identity, StartMethod, state};
use crate::target::{self, Job, Target, Wire};

/// How long a parent waits for a new child to connect back before giving up on it, unless
/// [`CONNECT_TIMEOUT_ENV`] says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable that sets, in seconds, how long a parent waits for a new child to
/// connect back (60 s when unset or not a number of seconds): a test of a child that never
/// connects does not wait a minute.
pub const CONNECT_TIMEOUT_ENV: &str = "EXAMPLES_MP_CONNECT_TIMEOUT";

/// [`CONNECT_TIMEOUT`], or what [`CONNECT_TIMEOUT_ENV`] says; read once.
fn connect_timeout() -> Duration {
    static TIMEOUT: OnceLock<Duration> = OnceLock::new();
    *TIMEOUT.get_or_init(|| {
        std::env::var(CONNECT_TIMEOUT_ENV)
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .unwrap_or(CONNECT_TIMEOUT)
    })
}

/// Starts `target(args)` in a new process with `method`, or else the current start method.
pub(crate) fn start<Args: Wire, R: Wire>(
    target: Target<Args, R>,
    args: Args,
    identity: Identity,
    method: Option<StartMethod>,
) -> Result<Arc<ChildRecord>> {
    let method = {
        let state = state();
        if !state.initialized {
            return Err(Error::NotInitialized);
        }
        method.unwrap_or(state.method)
    };
    let child = match method {
        StartMethod::Fork => fork_child(target, args, identity)?,
        StartMethod::Spawn => {
            let role = Role::Process {
                target: target.name().to_string(),
            };
            spawn_process(identity, role, args)?
        }
        StartMethod::ForkServer => serve_child(target, args, identity)?,
    };
    state().children.push(Arc::clone(&child));
    Ok(child)
}

/// The threads of this process, as the kernel counts them.
pub(crate) fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(1, Iterator::count)
}

/// This process's threads, after giving threads that were just joined a moment to be gone
/// from `/proc` (a joined thread may be listed a little longer).
fn threads_settled() -> usize {
    for _ in 0..50 {
        let n = threads();
        if n <= 1 {
            return n;
        }
        thread::sleep(Duration::from_millis(2));
    }
    threads()
}

/// The fork start method.
fn fork_child<Args: Wire, R: Wire>(
    target: Target<Args, R>,
    args: Args,
    identity: Identity,
) -> Result<Arc<ChildRecord>> {
    // A hand-over thread of ours is a thread too: let the pending ones finish first. They take
    // as long as their children take to connect back — a few milliseconds — or to be found dead.
    let children: Vec<Arc<ChildRecord>> = state().children.clone();
    for child in children {
        child.finish_handover();
    }
    let threads = threads_settled();
    if threads > 1 {
        return Err(Error::ForkWithThreads { threads });
    }
    let parent = std::process::id();
    // Python flushes stdout and stderr before forking, so that the child does not print the
    // parent's pending output a second time. Locked first, then flushed: no other thread — there
    // is none — could add a line in between.
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let _ = stdout.flush();
    let _ = stderr.flush();
    let mut state = state();
    // SAFETY: this process has exactly one thread — counted just above, and this thread, being
    // the only one, has started none since — so the child's copy of memory holds no lock or
    // half-done allocation of a thread that does not exist there: it may run any code, as the
    // parent may. The child runs the target and leaves through `_exit`.
    let forked = unsafe { fork() }.context(|| "fork() failed".to_string())?;
    match forked {
        ForkResult::Parent { child } => {
            drop(state);
            drop(stderr);
            drop(stdout);
            Ok(state::recorded(ChildRecord::direct(child)))
        }
        ForkResult::Child => {
            die_with_parent(parent);
            state.become_child(identity);
            // Our copies of the parent's sentinels must not keep them open: they are its.
            state.sentinels.clear();
            drop(state);
            drop(stderr);
            drop(stdout);
            let code = run_catching(|| {
                target.call(args);
                Ok(())
            });
            finish(code, Exit::Immediately)
        }
    }
}

/// In a new child: be killed when the parent dies; if it has died already, end now.
pub(crate) fn die_with_parent(parent: u32) {
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if std::os::unix::process::parent_id() != parent {
        immediate_exit(1);
    }
}

/// A child started with spawn, as the parent holds it.
pub(crate) struct Spawned {
    pub(crate) record: Arc<ChildRecord>,
    /// Closes when the child exits: it holds the only sender.
    pub(crate) sentinel: IpcReceiver<Hello>,
    /// The channel its header and arguments went over; a pool sends jobs on it.
    pub(crate) channel: IpcSender<Header>,
}

/// The spawn start method: a fresh run of this executable that becomes `identity` in `role`.
pub(crate) fn spawn_child<Args: Wire>(
    identity: Identity,
    role: Role,
    args: Option<Args>,
) -> Result<Spawned> {
    let (server, name, tracked) = one_shot_server("a spawned child")?;
    let record = state::recorded(ChildRecord::direct(run_executable("spawn", &name)?));
    let (sentinel, hello) =
        accept_watched(server, &name, tracked, &record).inspect_err(|_| abandon(&record))?;
    let channel =
        hand_over(hello, identity, role, args, record.pid).inspect_err(|_| abandon(&record))?;
    Ok(Spawned {
        record,
        sentinel,
        channel,
    })
}

/// The spawn start method for a `Process`: starts the executable and returns at once; a thread
/// of its own hands the child its target (see the module docs). The record's `wait` finishes
/// that thread first and returns its error, if any, once the child is reaped.
fn spawn_process<Args: Wire>(
    identity: Identity,
    role: Role,
    args: Args,
) -> Result<Arc<ChildRecord>> {
    let (server, name, tracked) = one_shot_server("a spawned child")?;
    let record = state::recorded(ChildRecord::direct(run_executable("spawn", &name)?));
    let child = Arc::clone(&record);
    let handing = thread::Builder::new()
        .name("hand-over".into())
        .spawn(move || {
            let accepted = accept_watched(server, &name, tracked, &child);
            let handed = accepted.and_then(|(_sentinel, hello)| {
                hand_over(hello, identity, role, Some(args), child.pid).map(drop)
            });
            if handed.is_err() {
                // The child must not be left waiting for a target, nor unreaped.
                abandon(&child);
            }
            handed
        });
    match handing {
        Ok(handing) => {
            record.handing_over(handing);
            Ok(record)
        }
        Err(e) => {
            abandon(&record);
            Err(Error::io(
                "starting the thread that hands a child its target",
                e,
            ))
        }
    }
}

/// A one-shot server for `whom` to connect to, in a temporary directory checked first:
/// ipc-channel panics on one it cannot use. Its directory is registered with the resource
/// tracker at once, so that a program killed before the child connects leaves nothing in
/// /tmp; the registration goes with the server into [`accept_watched`].
fn one_shot_server(
    whom: &str,
) -> Result<(IpcOneShotServer<Hello>, String, pace::cleanup::Registration)> {
    check_temp_dir()?;
    let (server, name) = IpcOneShotServer::<Hello>::new()
        .context(|| format!("creating the channel {whom} connects to"))?;
    let tracked = std::path::Path::new(&name)
        .parent()
        .map_or_else(pace::cleanup::Registration::none, |dir| {
            pace::cleanup::register(pace::cleanup::Resource::Dir(dir.to_path_buf()))
        });
    Ok((server, name, tracked))
}

/// Is the temporary directory one ipc-channel can put its sockets in? Its socket path must be
/// UTF-8 and fit in a socket address, and the directory must take a new directory.
fn check_temp_dir() -> Result<()> {
    static CHECKED: OnceLock<()> = OnceLock::new();
    if CHECKED.get().is_some() {
        return Ok(());
    }
    let dir = std::env::temp_dir();
    let fail = |why: String| Error::TempDir {
        dir: dir.clone(),
        why,
    };
    let Some(text) = dir.to_str() else {
        return Err(fail("its name is not UTF-8".into()));
    };
    // `<dir>/.tmpXXXXXX/socket` must fit in `sun_path` (108 bytes with its NUL).
    if text.len() + "/.tmpXXXXXX/socket".len() >= 108 {
        return Err(fail(format!("its path is {} bytes long", text.len())));
    }
    // A tracked directory: a kill during the probe leaves nothing either.
    drop(pace::temp_dir().map_err(|e| fail(io::Error::from(e.kind()).to_string()))?);
    let _ = CHECKED.set(());
    Ok(())
}

/// Runs this program's executable again in `role`, told to connect to the one-shot server
/// `server`; its pid. It is reaped through its pid (`waitpid`), like a forked child.
///
/// The child gets this program's arguments (as Python's spawn sends `sys.argv`), its effective
/// time scale, and dies with it.
fn run_executable(role: &str, server: &str) -> Result<Pid> {
    let exe =
        std::env::current_exe().context(|| "finding this program's executable".to_string())?;
    let parent = std::process::id();
    let mut command = Command::new(&exe);
    command
        .args(std::env::args_os().skip(1))
        .env(ROLE, role)
        .env(SERVER, server)
        .env(pace::ENV, pace::scale().to_string())
        .stdin(Stdio::null());
    // SAFETY: the closure runs in the new child between fork and exec, where only
    // async-signal-safe calls are allowed: `prctl` and `getppid` are plain system calls, and
    // the error is built from a number without allocating.
    unsafe {
        command.pre_exec(move || {
            // SAFETY: PR_SET_PDEATHSIG takes a signal number; no pointers.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // A parent that died before the call above sends no signal: check it is there.
            if libc::getppid().unsigned_abs() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    let child = spawn_from_a_lasting_thread(command)
        .context(|| format!("running {} as a {role} child", exe.display()))?;
    Ok(Pid::from_raw(child.id() as i32))
}

/// Spawns `command` from the main thread — the calling one, if it is — or from the launcher
/// thread: the kernel sends a child its parent-death signal when the *thread* that started it
/// ends, and these two last as long as the process.
fn spawn_from_a_lasting_thread(mut command: Command) -> io::Result<Child> {
    type Request = (Command, mpsc::Sender<io::Result<Child>>);
    static LAUNCHER: Mutex<Option<mpsc::Sender<Request>>> = Mutex::new(None);
    if nix::unistd::gettid() == nix::unistd::getpid() {
        return command.spawn();
    }
    let (reply, answer) = mpsc::channel();
    {
        let mut launcher = LAUNCHER.lock().unwrap_or_else(PoisonError::into_inner);
        if launcher.is_none() {
            let (requests, incoming) = mpsc::channel::<Request>();
            thread::Builder::new()
                .name("launcher".into())
                .spawn(move || {
                    for (mut command, reply) in incoming {
                        let _ = reply.send(command.spawn());
                    }
                })?;
            *launcher = Some(requests);
        }
        if let Some(requests) = launcher.as_ref() {
            requests
                .send((command, reply))
                .map_err(|_| io::Error::other("the launcher thread has stopped"))?;
        }
    }
    answer
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("the launcher thread has stopped")))
}

/// The forkserver start method.
fn serve_child<Args: Wire, R: Wire>(
    target: Target<Args, R>,
    args: Args,
    identity: Identity,
) -> Result<Arc<ChildRecord>> {
    let requests = fork_server_requests()?;
    let context = || "asking the fork server for a child".to_string();
    let (job, job_rx) = ipc::channel::<Header>().context(context)?;
    let (events_tx, events) = ipc::channel::<ChildEvent>().context(context)?;
    requests
        .send(ToForkServer::Fork(ForkRequest {
            job: job_rx,
            events: events_tx,
        }))
        .context(context)?;
    // The job waits in the channel until the child reads it: no need to wait for the fork.
    let role = Role::Process {
        target: target.name().to_string(),
    };
    send_job(&job, identity, role, Some(args))
        .context(|| "handing the fork server's child its target".to_string())?;
    let pid = match events.recv() {
        Ok(ChildEvent::Started(pid)) => Pid::from_raw(pid),
        Ok(ChildEvent::Exited(code)) => {
            return Err(Error::ChildLost {
                pid: 0,
                detail: describe_exit(code),
            });
        }
        Err(e) => return Err(Error::channel(context(), crate::error::ipc(&e))),
    };
    Ok(state::recorded(ChildRecord::served(pid, events)))
}

/// The fork server's request channel, starting the server on first use. Starting it takes the
/// layer's state lock only to look and to record: another thread's `active_children()` or
/// `join()` is not held up while the server starts.
fn fork_server_requests() -> Result<IpcSender<ToForkServer>> {
    static STARTING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = STARTING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(server) = &state().forkserver {
        return Ok(server.requests.clone());
    }
    let (server, name, tracked) = one_shot_server("the fork server")?;
    let record = ChildRecord::direct(run_executable("forkserver", &name).map_err(|e| match e {
        Error::Io { context, source } => {
            Error::io(format!("starting the fork server: {context}"), source)
        }
        other => other,
    })?);
    let requests = match accept_watched(server, &name, tracked, &record) {
        Ok((_sentinel, Hello::ForkServer { requests })) => Ok(requests),
        Ok(_) => Err(Error::channel(
            "starting the fork server",
            "it answered with something else",
        )),
        Err(Error::ChildLost { pid, detail }) => Err(Error::channel(
            "starting the fork server",
            format!("it (pid {pid}) ended before it was ready: {detail}"),
        )),
        Err(other) => Err(other),
    }
    // Whatever went wrong, the server process must not be left running or unreaped.
    .inspect_err(|_| abandon(&record))?;
    state().forkserver = Some(ForkServer {
        pid: record.pid,
        requests: requests.clone(),
    });
    Ok(requests)
}

/// Kills and reaps a direct child that failed to connect back (it may be dead, and reaped,
/// already: then it is not signalled).
pub(crate) fn abandon(record: &ChildRecord) {
    let _ = record.kill();
    // Not `wait`: that would wait for the hand-over, which may be the caller.
    let _ = record.wait_exit();
}

/// Sends a newly connected child its header, then its arguments; returns the channel.
fn hand_over<Args: Wire>(
    hello: Hello,
    identity: Identity,
    role: Role,
    args: Option<Args>,
    pid: Pid,
) -> Result<IpcSender<Header>> {
    let Hello::Child { header } = hello else {
        return Err(Error::ChildLost {
            pid: pid.as_raw(),
            detail: "it did not introduce itself".into(),
        });
    };
    send_job(&header, identity, role, args)
        .context(|| format!("handing child {pid} its target"))?;
    Ok(header)
}

/// Sends a child its [`Header`], then its arguments, on `channel`.
fn send_job<Args: Wire>(
    channel: &IpcSender<Header>,
    identity: Identity,
    role: Role,
    args: Option<Args>,
) -> Result<(), ipc_channel::IpcError> {
    channel.send(Header {
        name: identity.name,
        class: identity.class.to_string(),
        role,
        cwd: std::env::current_dir().ok(),
    })?;
    if let Some(args) = args {
        // The same channel, now carrying the target's argument type.
        channel.clone().to_opaque().to::<Args>().send(args)?;
    }
    Ok(())
}

/// Accepts the connection of child `record` on `server`, unless the child dies (or does not
/// connect within [`connect_timeout`]) first: then it is killed if still running, and the
/// result is [`Error::ChildLost`]. The caller reaps it.
///
/// `tracked`, the registration of the server's directory, is withdrawn once the server is gone.
pub(crate) fn accept_watched(
    server: IpcOneShotServer<Hello>,
    name: &str,
    tracked: pace::cleanup::Registration,
    record: &ChildRecord,
) -> Result<(IpcReceiver<Hello>, Hello)> {
    let pid = record.pid;
    let _tracked = tracked;
    let (done, accepted) = mpsc::channel();
    let acceptor = thread::Builder::new()
        .name("accept".into())
        .spawn(move || {
            let _ = done.send(server.accept());
        })
        .context(|| "starting a thread".to_string())?;
    let timeout = connect_timeout();
    let deadline = Instant::now() + timeout;
    let outcome = loop {
        match accepted.recv_timeout(Duration::from_millis(2)) {
            Ok(Ok(accepted)) => break Ok(accepted),
            Ok(Err(e)) => {
                break Err(Error::channel(
                    format!("accepting child {pid}"),
                    crate::error::ipc(&e),
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(Error::channel(
                    format!("accepting child {pid}"),
                    "the accepting thread ended",
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let died = record.poll().ok().flatten().map(describe_exit);
                let lost = died.or_else(|| {
                    (Instant::now() > deadline).then(|| {
                        format!("it did not connect back within {} s", timeout.as_secs_f64())
                    })
                });
                if let Some(detail) = lost {
                    // A child that is still there (it timed out) goes first: whatever it did
                    // with its connection, the accept() below then ends.
                    let _ = record.kill();
                    // End a blocked accept() by connecting to it ourselves.
                    let unblocked = IpcSender::<Hello>::connect(name.to_string())
                        .map(|sender| drop(sender.send(Hello::Abandoned)))
                        .is_ok();
                    if !unblocked {
                        // We could not connect (no file descriptor left, the socket file
                        // removed…), and nothing else can end that accept(): joining the
                        // thread would hang this start forever — the very hang this function
                        // exists to prevent. The thread is left blocked, detached, holding the
                        // listening socket, until the process ends. Its socket file and the
                        // temporary directory around it would outlive the process (the
                        // server's destructor never runs): removed here; the listening socket
                        // does not need them.
                        drop(acceptor);
                        let socket = std::path::Path::new(name);
                        let _ = std::fs::remove_file(socket);
                        if let Some(dir) = socket.parent() {
                            // Only if empty: nothing but the socket was in it.
                            let _ = std::fs::remove_dir(dir);
                        }
                        return Err(Error::ChildLost {
                            pid: pid.as_raw(),
                            detail,
                        });
                    }
                    break Err(Error::ChildLost {
                        pid: pid.as_raw(),
                        detail,
                    });
                }
            }
        }
    };
    let _ = acceptor.join();
    let (receiver, hello) = outcome?;
    if matches!(hello, Hello::Abandoned) {
        return Err(Error::ChildLost {
            pid: pid.as_raw(),
            detail: "it never connected".into(),
        });
    }
    Ok((receiver, hello))
}

/// "exited with code 3", "was killed by signal 9".
pub(crate) fn describe_exit(code: i32) -> String {
    if code < 0 {
        let signal = nix::sys::signal::Signal::try_from(-code)
            .map_or_else(|_| (-code).to_string(), |s| format!("{} ({s})", -code));
        format!("it was killed by signal {signal}")
    } else {
        format!("it exited with code {code}")
    }
}

/// Makes ipc-channel compute, now, what it otherwise computes on the first send of the process.
///
/// ipc-channel 0.23 measures the system's socket send-buffer size once, lazily, with a channel
/// of its own. Should that first send meet a full file-descriptor table, the measurement panics
/// — and poisons the value for the rest of the process, so that every later send, on any
/// thread, panics too. Done first thing in [`init`](crate::init), with descriptors to spare,
/// it cannot happen later, when a failure should be an error like any other.
pub(crate) fn prime_ipc_channel() {
    if let Ok((tx, rx)) = ipc::channel::<()>() {
        let _ = tx.send(());
        let _ = rx.try_recv();
    }
}

/// How a child process leaves.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Exit {
    /// `std::process::exit`: a spawned child, which owns its whole process.
    Normally,
    /// `_exit`: a forked child, whose copies of the parent's objects must not run their
    /// destructors (a second flush of an inherited buffer, a second unlink of shared memory).
    Immediately,
}

/// A spawned child: connect back to the parent whose one-shot server is `server`; the header
/// that says what to do, the channel the rest comes on, and the sentinel to hold until exit.
pub(crate) fn connect_back(
    server: String,
) -> Result<(Header, IpcReceiver<Header>, OpaqueIpcSender)> {
    let context = || "connecting to the parent process".to_string();
    let (header_tx, header_rx) = ipc::channel::<Header>().context(context)?;
    let parent = IpcSender::<Hello>::connect(server).context(context)?;
    parent
        .send(Hello::Child { header: header_tx })
        .context(context)?;
    let header = header_rx
        .recv()
        .context(|| "receiving the target from the parent".to_string())?;
    Ok((header, header_rx, parent.to_opaque()))
}

/// A child forked by the fork server: read the job the parent sent, do it, `_exit`.
pub(crate) fn served_child_main(job: IpcReceiver<Header>) -> ! {
    let code = run_catching(|| {
        let header = job
            .recv()
            .context(|| "receiving the target from the parent".to_string())?;
        if let Some(cwd) = &header.cwd
            && let Err(e) = std::env::set_current_dir(cwd)
        {
            eprintln!(
                "process {}: cannot go to the parent's directory {}: {e}",
                std::process::id(),
                cwd.display()
            );
        }
        become_child(&header, None);
        run_process_target(header.role, job)
    });
    finish(code, Exit::Immediately)
}

/// Becomes the child `header` names; keeps `sentinel` until exit. (A spawned child started in
/// its parent's directory; a fork server's child goes there first: see `served_child_main`.)
pub(crate) fn become_child(header: &Header, sentinel: Option<OpaqueIpcSender>) {
    let mut state = state();
    state.become_child(Identity {
        name: header.name.clone(),
        class: class_name(&header.class),
    });
    state.sentinels.extend(sentinel);
}

/// Runs a `Process` target whose arguments come next on `channel`.
pub(crate) fn run_process_target(role: Role, channel: IpcReceiver<Header>) -> Result<()> {
    let Role::Process { target } = role else {
        return Err(Error::channel(
            "receiving the target",
            "the parent asked for a pool worker here",
        ));
    };
    let entry = target::find(&target).ok_or_else(|| {
        Error::channel(
            "finding the target",
            format!("`{target}` is not registered in this executable (use target!)"),
        )
    })?;
    (entry.run)(Job::Process {
        args: channel.to_opaque(),
    })
    .map_err(|e| Error::channel("running the target", e))
}

/// The class a child reports in `current_process()`: a pool's worker is a `SpawnProcess`, any
/// other child a `Process` (as a `multiprocessing.Process` is, whatever its start method).
fn class_name(class: &str) -> &'static str {
    match class {
        "SpawnProcess" => "SpawnProcess",
        _ => "Process",
    }
}

/// Runs a child's job: 0 when it returns, 1 when it fails or panics (the panic message is
/// printed by the panic hook, as Python prints the traceback).
pub(crate) fn run_catching(job: impl FnOnce() -> Result<()>) -> i32 {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("process {}: {e}", std::process::id());
            1
        }
        Err(_) => 1,
    }
}

/// The end of every child: join its own children, flush what it printed, exit with `code`.
pub(crate) fn finish(code: i32, exit: Exit) -> ! {
    state::join_children();
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    match exit {
        Exit::Normally => std::process::exit(code),
        Exit::Immediately => immediate_exit(code),
    }
}

/// `_exit(2)`: ends the process now — no destructors, no atexit handlers, no flushing.
pub(crate) fn immediate_exit(code: i32) -> ! {
    // SAFETY: `_exit` has no preconditions and is async-signal-safe: it is what a forked child
    // of a multithreaded process may call. nix 0.32 no longer wraps it.
    unsafe { libc::_exit(code) }
}

#[cfg(test)]
mod tests {
    use super::describe_exit;

    #[test]
    fn an_exit_is_described_by_its_code_and_a_death_by_its_signal() {
        assert_eq!(describe_exit(0), "it exited with code 0");
        assert_eq!(describe_exit(3), "it exited with code 3");
        assert_eq!(describe_exit(-9), "it was killed by signal 9 (SIGKILL)");
        // A number that names no signal is said as it is.
        assert_eq!(describe_exit(-99), "it was killed by signal 99");
    }
}
