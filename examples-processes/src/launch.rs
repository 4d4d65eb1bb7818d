//! How a child process comes to life with each start method, and how it hands its exit back.
//!
//! **fork** — `start` forks; the child runs the target directly and `_exit`s.
//!
//! **spawn** — the parent runs its own executable again with `ROLE` = `spawn` and `SERVER` =
//! the name of an [`IpcOneShotServer`]. In that child, [`init`](crate::init) calls
//! `become_role_if_asked`, which connects back and sends a `Hello` carrying a channel; over
//! it the parent sends a `Header` (which target, under what name) and then the arguments,
//! typed as the target wants them. The child runs the target and exits. For a `Process`, this
//! hand-over runs on a thread of its own and `start()` returns at once, as Python's does (its
//! spawn start writes the pickled process into a pipe and returns); a hand-over that fails —
//! the child died first — kills and reaps the child, and `join()` reports it. A pool worker's
//! hand-over is done before the pool is returned: the pool needs the channel.
//!
//! **forkserver** — the first such start runs the executable with `ROLE` = `forkserver` (see
//! [`crate::forkserver`]); each start sends it a `ForkRequest` carrying the receiving end of a
//! fresh channel, and at once the `Header` and the arguments into that channel; the server
//! forks, and the child, which inherits the receiving end, reads its job from it. No connection
//! back to the parent is needed: the server tells the parent the child's pid and, later, its
//! exit.
//!
//! ipc-channel's `accept()` blocks forever when the child dies before connecting
//! (servo/ipc-channel#201), so `accept_watched` accepts on a helper thread while the parent
//! watches the child, and turns its death into [`Error::ChildLost`].

use std::io::{self, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender, OpaqueIpcSender};
use nix::unistd::{ForkResult, Pid, fork};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result};
use crate::process::{self, ChildRecord, ForkServer, Identity, StartMethod, state};
use crate::target::{self, Job, Target, Wire};

/// The environment variable that tells a fresh run of the executable what it is for.
pub(crate) const ROLE: &str = "EXAMPLES_MP_ROLE";
/// The environment variable with the name of the parent's one-shot server.
pub(crate) const SERVER: &str = "EXAMPLES_MP_SERVER";

/// How long a parent waits for a new child to connect back before giving up on it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// A child's first message to its parent.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Hello {
    /// A spawned or fork-served child, ready for its header.
    Child { header: IpcSender<Header> },
    /// A fork server, ready for requests.
    ForkServer { requests: IpcSender<ToForkServer> },
    /// Sent by the parent itself to end an `accept()` whose child died.
    Abandoned,
}

/// What a new child is to do.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) class: String,
    pub(crate) role: Role,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Role {
    /// Run this registered target with the arguments that follow.
    Process { target: String },
    /// Be a worker of a process pool: receive jobs on the channel that follows.
    PoolWorker,
}

/// What the fork server receives from its parent.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToForkServer {
    /// Fork a child.
    Fork(ForkRequest),
    /// Finish, once the children forked so far have ended. An explicit message, not the request
    /// channel closing: a child forked from the parent holds a copy of that channel.
    Stop,
}

/// A request to the fork server: fork a child that reads its job from `job`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ForkRequest {
    pub(crate) job: IpcReceiver<Header>,
    pub(crate) events: IpcSender<ChildEvent>,
}

/// What the fork server tells a parent about the child it forked for it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ChildEvent {
    Started(i32),
    Exited(i32),
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

/// The fork start method.
fn fork_child<Args: Wire, R: Wire>(
    target: Target<Args, R>,
    args: Args,
    identity: Identity,
) -> Result<Arc<ChildRecord>> {
    // A hand-over thread of ours would be copied half-way (and counted by the warning below):
    // let the pending ones finish first. They take as long as their children take to connect
    // back — a few milliseconds — or to be found dead.
    let children: Vec<Arc<ChildRecord>> = state().children.clone();
    for child in children {
        child.finish_handover();
    }
    warn_if_threaded();
    // Python flushes stdout and stderr before forking, so that the child does not print the
    // parent's pending output a second time.
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    // Hold the locks a child may need while forking: then no other thread holds them in the
    // child's copy of memory, where that thread does not exist to release them.
    let mut state = state();
    let stdout = io::stdout().lock();
    let stderr = io::stderr().lock();
    // SAFETY: the child of a multithreaded process gets only the calling thread, and a copy of
    // memory as it is: a lock another thread held at that moment stays held in the child, with
    // no thread to release it. The child is sound as long as it never needs such a lock. This
    // layer makes sure of it for the locks it knows of: its own state and std's stdout and
    // stderr are held by this thread across the fork (above), and the C library keeps its
    // allocator usable in the child (glibc takes its arena locks across fork). Any other lock
    // the target may need — one of the program's own, held by another of its threads — is the
    // caller's responsibility, as it is in Python; the warning printed above only says that
    // other threads exist, it does not make the fork sound. The child runs the target and
    // leaves through `_exit`.
    let forked = unsafe { fork() }.context(|| "fork() failed".to_string())?;
    drop(stderr);
    drop(stdout);
    match forked {
        ForkResult::Parent { child } => Ok(Arc::new(ChildRecord::direct(child))),
        ForkResult::Child => {
            state.become_child(identity);
            // Our copies of the parent's sentinels must not keep them open: they are its.
            state.sentinels.clear();
            drop(state);
            let code = run_catching(|| {
                target.call(args);
                Ok(())
            });
            finish(code, Exit::Immediately)
        }
    }
}

/// Prints a warning when forking a process that has more threads than the calling one, as
/// Python 3.12 does: the fork is allowed (the notes' §9.1 shows what it does to a held lock),
/// and whether the child can run is then up to what the target needs.
fn warn_if_threaded() {
    let threads = std::fs::read_dir("/proc/self/task").map_or(1, |d| d.count());
    if threads > 1 {
        eprintln!(
            "warning: process {} has {threads} threads; fork() copies only the calling one, and \
             locks held by the others stay locked in the child (Python 3.12 warns about this too)",
            std::process::id()
        );
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
    let (server, name) = IpcOneShotServer::<Hello>::new()
        .context(|| "creating the channel a spawned child connects to".to_string())?;
    let record = Arc::new(ChildRecord::direct(run_executable("spawn", &name)?));
    let (sentinel, hello) =
        accept_watched(server, &name, &record).inspect_err(|_| abandon(&record))?;
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
    let (server, name) = IpcOneShotServer::<Hello>::new()
        .context(|| "creating the channel a spawned child connects to".to_string())?;
    let record = Arc::new(ChildRecord::direct(run_executable("spawn", &name)?));
    let child = Arc::clone(&record);
    let handing = thread::Builder::new()
        .name("hand-over".into())
        .spawn(move || {
            let handed = accept_watched(server, &name, &child).and_then(|(_sentinel, hello)| {
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

/// Runs this program's executable again in `role`, told to connect to the one-shot server
/// `server`; its pid. It is reaped through its pid (`waitpid`), like a forked child.
fn run_executable(role: &str, server: &str) -> Result<Pid> {
    let exe =
        std::env::current_exe().context(|| "finding this program's executable".to_string())?;
    let child = Command::new(&exe)
        .env(ROLE, role)
        .env(SERVER, server)
        .stdin(Stdio::null())
        .spawn()
        .context(|| format!("running {} as a {role} child", exe.display()))?;
    Ok(Pid::from_raw(child.id() as i32))
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
        Err(e) => return Err(Error::channel(context(), e)),
    };
    Ok(Arc::new(ChildRecord::served(pid, events)))
}

/// The fork server's request channel, starting the server on first use.
fn fork_server_requests() -> Result<IpcSender<ToForkServer>> {
    let mut state = state();
    if let Some(server) = &state.forkserver {
        return Ok(server.requests.clone());
    }
    let (server, name) = IpcOneShotServer::<Hello>::new()
        .context(|| "creating the channel the fork server connects to".to_string())?;
    let record = ChildRecord::direct(run_executable("forkserver", &name).map_err(|e| match e {
        Error::Io { context, source } => {
            Error::io(format!("starting the fork server: {context}"), source)
        }
        other => other,
    })?);
    let requests = match accept_watched(server, &name, &record) {
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
    state.forkserver = Some(ForkServer {
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
    })?;
    if let Some(args) = args {
        // The same channel, now carrying the target's argument type.
        channel.clone().to_opaque().to::<Args>().send(args)?;
    }
    Ok(())
}

/// Accepts the connection of child `record` on `server`, unless the child dies (or does not
/// connect within [`CONNECT_TIMEOUT`]) first: then it is killed if still running, and the
/// result is [`Error::ChildLost`]. The caller reaps it.
pub(crate) fn accept_watched(
    server: IpcOneShotServer<Hello>,
    name: &str,
    record: &ChildRecord,
) -> Result<(IpcReceiver<Hello>, Hello)> {
    let pid = record.pid;
    let (done, accepted) = mpsc::channel();
    let acceptor = thread::Builder::new()
        .name("accept".into())
        .spawn(move || {
            let _ = done.send(server.accept());
        })
        .context(|| "starting a thread".to_string())?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let outcome = loop {
        match accepted.recv_timeout(Duration::from_millis(2)) {
            Ok(Ok(accepted)) => break Ok(accepted),
            Ok(Err(e)) => break Err(Error::channel(format!("accepting child {pid}"), e)),
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
                        format!(
                            "it did not connect back within {} s",
                            CONNECT_TIMEOUT.as_secs()
                        )
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

/// Inside [`init`](crate::init): if this process was started by the layer, do its job and exit.
pub(crate) fn become_role_if_asked() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let server = std::env::var(SERVER).unwrap_or_default();
    match role.as_str() {
        "spawn" => child_main(server),
        "forkserver" => crate::forkserver::serve(server),
        // A bare start of the executable, to measure what starting it costs (see `floor`).
        "noop" => std::process::exit(0),
        other => {
            eprintln!("{ROLE}={other:?} is not a role this program knows");
            std::process::exit(2);
        }
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

/// A spawned child: connect back, learn the job, do it, exit.
fn child_main(server: String) -> ! {
    let code = run_catching(|| {
        let context = || "connecting to the parent process".to_string();
        let (header_tx, header_rx) = ipc::channel::<Header>().context(context)?;
        let parent = IpcSender::<Hello>::connect(server).context(context)?;
        parent
            .send(Hello::Child { header: header_tx })
            .context(context)?;
        // Held until we exit: its closing tells the parent we are gone.
        run_job(header_rx, Some(parent.to_opaque()))
    });
    finish(code, Exit::Normally)
}

/// A child forked by the fork server: read the job the parent sent, do it, `_exit`.
pub(crate) fn served_child_main(job: IpcReceiver<Header>) -> ! {
    let code = run_catching(|| run_job(job, None));
    finish(code, Exit::Immediately)
}

/// Receives the [`Header`] on `header_rx`, becomes the child it names, runs its job.
fn run_job(header_rx: IpcReceiver<Header>, sentinel: Option<OpaqueIpcSender>) -> Result<()> {
    let header = header_rx
        .recv()
        .context(|| "receiving the target from the parent".to_string())?;
    {
        let mut state = state();
        state.become_child(Identity {
            name: header.name,
            class: class_name(&header.class),
        });
        state.sentinels.extend(sentinel);
    }
    match header.role {
        Role::Process { target } => {
            let entry = target::find(&target).ok_or_else(|| {
                Error::channel(
                    "finding the target",
                    format!("`{target}` is not registered in this executable (use target!)"),
                )
            })?;
            (entry.run)(Job::Process {
                args: header_rx.to_opaque(),
            })
            .map_err(|e| Error::channel("running the target", e))
        }
        Role::PoolWorker => crate::pool::work(header_rx.to_opaque().to()),
    }
}

/// The class a child reports in `current_process()`; the names are few and fixed.
fn class_name(class: &str) -> &'static str {
    match class {
        "SpawnProcess" => "SpawnProcess",
        "ForkServerProcess" => "ForkServerProcess",
        _ => "Process",
    }
}

/// Runs a child's job: 0 when it returns, 1 when it fails or panics (the panic message is
/// printed by the panic hook, as Python prints the traceback).
fn run_catching(job: impl FnOnce() -> Result<()>) -> i32 {
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
    process::join_children();
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
