//! The messages between a parent, its children and the fork server: what travels, not how.

use std::path::PathBuf;

use ipc_channel::ipc::{IpcReceiver, IpcSender};
use serde::{Deserialize, Serialize};

/// The environment variable that tells a fresh run of the executable what it is for.
pub(crate) const ROLE: &str = "EXAMPLES_MP_ROLE";
/// The environment variable with the name of the parent's one-shot server.
pub(crate) const SERVER: &str = "EXAMPLES_MP_SERVER";

/// A child's first message to its parent.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Hello {
    /// A spawned child, ready for its header.
    Child { header: IpcSender<Header> },
    /// A fork server, ready for requests.
    ForkServer { requests: IpcSender<ToForkServer> },
    /// Sent by the parent itself to end an `accept()` whose child died.
    Abandoned,
}

/// What a new child is to do, and in what surroundings (Python's preparation data).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) class: String,
    pub(crate) role: Role,
    /// The parent's working directory when it started the child.
    pub(crate) cwd: Option<PathBuf>,
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
