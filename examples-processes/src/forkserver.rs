//! The fork server: a single-threaded process that forks children on request.
//!
//! Python's forkserver start method starts one clean server process the first time it is needed;
//! from then on the parent asks it for each new child. The server has run nothing but this loop,
//! so its children inherit a clean, single-threaded state — unlike a fork of a parent that has
//! threads, open files and held locks.
//!
//! Here the server is a fresh run of the program's executable (started by `init()` with the
//! `forkserver` role). It waits, on one thread, for two kinds of events:
//! - a fork request from the parent: fork; the child reads its job from the channel that came
//!   with the request (the parent has sent it already); the parent is told the pid;
//! - a child's *sentinel* closing — a channel whose only sender the child holds until it exits:
//!   reap the child, tell the parent its exit code.
//!
//! Each child is forked with what the parent sent along: its working directory (Python sends
//! it in its preparation data); its arguments are the parent's, given to the server when it
//! started. Each dies with the server, which dies with the parent.
//!
//! When the parent says `Stop` — or, should the parent be gone, when the request channel
//! closes — the server waits for its remaining children and exits. The parent says it rather
//! than closing the channel, because a child forked from the parent holds a copy of the
//! channel's sending end, and would keep the server waiting until that child ends.

use std::collections::HashMap;
use std::io::Write;

use ipc_channel::ipc::{self, IpcReceiverSet, IpcSelectionResult, IpcSender};
use nix::unistd::{ForkResult, Pid, fork};

use crate::error::{Context, Error, Result};
use crate::launch;
use crate::protocol::{ChildEvent, Hello, ToForkServer};
use crate::state::{state, wait_for_exit};

/// Runs the fork server for the parent whose one-shot server is `parent`; never returns.
pub(crate) fn serve(parent: String) -> ! {
    let code = match run(parent) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("fork server {}: {e}", std::process::id());
            1
        }
    };
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

fn run(parent: String) -> Result<()> {
    let context = || "fork server: connecting to the parent".to_string();
    let (requests_tx, requests) = ipc::channel::<ToForkServer>().context(context)?;
    IpcSender::<Hello>::connect(parent)
        .context(context)?
        .send(Hello::ForkServer {
            requests: requests_tx,
        })
        .context(context)?;

    let mut set = IpcReceiverSet::new().context(|| "fork server: a receiver set".to_string())?;
    let requests_id = set
        .add(requests)
        .context(|| "fork server: watching requests".to_string())?;
    // sentinel id → (child, where to report it)
    let mut children: HashMap<u64, (Pid, IpcSender<ChildEvent>)> = HashMap::new();
    let mut open = true;
    while open || !children.is_empty() {
        let events = set
            .select()
            .context(|| "fork server: waiting for events".to_string())?;
        let mut events = events.into_iter();
        while let Some(event) = events.next() {
            match event {
                // Only the requests channel carries messages: a sentinel only closes.
                IpcSelectionResult::MessageReceived(_, message) => {
                    let request = match crate::protocol::decode::<ToForkServer>(message)
                        .map_err(|e| Error::channel("fork server: reading a request", e))?
                    {
                        ToForkServer::Fork(request) => request,
                        ToForkServer::Stop => {
                            open = false;
                            continue;
                        }
                    };
                    if !open {
                        // A request after Stop, from a copy of the channel in a forked child:
                        // dropping it closes the requester's channels, which fails its start.
                        continue;
                    }
                    let (sentinel, watch) = ipc::channel::<()>()
                        .context(|| "fork server: a sentinel channel".to_string())?;
                    let threads = launch::threads();
                    if threads > 1 {
                        return Err(Error::ForkWithThreads { threads });
                    }
                    let server = std::process::id();
                    // SAFETY: the fork server has one thread (it runs only this loop; counted
                    // just above), so the child's copy of memory holds no lock of a thread that
                    // does not exist there. The child goes straight to reading its job and
                    // leaves through `_exit`.
                    match unsafe { fork() }.context(|| "fork server: fork() failed".to_string())? {
                        ForkResult::Child => {
                            // The server dies with its parent; its children die with it.
                            launch::die_with_parent(server);
                            drop(watch);
                            // Our copies of the server's channels — its requests, the other
                            // children's sentinels and event senders, the other requests of
                            // this batch, our own event sender — would keep them open after the
                            // server dies: the parent's next request and its wait for our exit
                            // would then hang until we end.
                            drop(events);
                            drop(set);
                            drop(children);
                            drop(request.events);
                            // Keep the sentinel open until this child exits.
                            state().sentinels.push(sentinel.to_opaque());
                            launch::served_child_main(request.job)
                        }
                        ForkResult::Parent { child } => {
                            drop(sentinel);
                            // The child's now: without our copy, its death closes the channel,
                            // and a parent still sending to it gets an error instead of a hang.
                            drop(request.job);
                            let id = set
                                .add(watch)
                                .context(|| "fork server: watching a child".to_string())?;
                            let _ = request.events.send(ChildEvent::Started(child.as_raw()));
                            children.insert(id, (child, request.events));
                        }
                    }
                }
                IpcSelectionResult::ChannelClosed(id) if id == requests_id => open = false,
                IpcSelectionResult::ChannelClosed(id) => {
                    if let Some((child, events)) = children.remove(&id) {
                        let code = wait_for_exit(child)?;
                        // The parent may be gone already; nobody to tell then.
                        let _ = events.send(ChildEvent::Exited(code));
                    }
                }
            }
        }
    }
    Ok(())
}
