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

/// Decodes a message from another process: the value, or why it is not one.
///
/// ipc-channel 0.23 panics, instead of failing, on a message whose channel numbers are out of
/// range (its own FIXME), so a crafted message would crash the receiver: here that panic
/// becomes an error like any malformed message. Every loop of this workspace that receives
/// from processes it does not control (the fork server, the pool's dispatcher, the manager's
/// server, a queue's consumer) decodes through it.
pub fn decode<T: for<'de> Deserialize<'de> + Serialize>(
    message: ipc_channel::ipc::IpcMessage,
) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| message.to::<T>())) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("a message that does not decode ({e})")),
        Err(_) => Err("a message whose channels do not match its content".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipc_channel::ipc::IpcMessage;
    use proptest::prelude::*;

    proptest! {
        /// What a child or a parent may send: any bytes decode to a message or an error.
        #[test]
        fn any_bytes_decode_to_a_message_or_an_error(
            bytes in proptest::collection::vec(any::<u8>(), 0..256)
        ) {
            let decode_as = |bytes: &[u8]| IpcMessage::from_data(bytes.to_vec());
            let _ = decode::<Header>(decode_as(&bytes));
            let _ = decode::<Hello>(decode_as(&bytes));
            let _ = decode::<ToForkServer>(decode_as(&bytes));
            let _ = decode::<ChildEvent>(decode_as(&bytes));
            let _ = decode::<crate::Lock>(decode_as(&bytes));
        }
    }

    #[test]
    fn a_channel_number_out_of_range_is_an_error() {
        // ToForkServer::Fork (variant 0) whose receiver is channel number 7, of none sent.
        let message = IpcMessage::from_data(vec![0, 7, 0]);
        assert!(decode::<ToForkServer>(message).is_err());
    }

    #[test]
    fn a_lock_that_names_any_file_is_refused() {
        for path in ["/etc/passwd", "examples-lock-x", "/tmp/other"] {
            let (tx, rx) = ipc_channel::ipc::channel::<std::path::PathBuf>().expect("channel");
            tx.send(path.into()).expect("send");
            assert!(rx.to_opaque().to::<crate::Lock>().recv().is_err(), "{path}");
        }
    }
}
