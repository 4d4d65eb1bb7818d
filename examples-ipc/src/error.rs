//! The crate's errors: each says what failed and why, for a program's `main` to report.

use std::fmt;
use std::io;

/// Something sharing or exchanging data between processes could not do.
#[derive(Debug)]
pub enum Error {
    /// Creating or opening a shared memory segment failed.
    SharedMemory {
        /// What we were doing.
        context: String,
        /// Why it failed.
        detail: String,
    },
    /// An OS call failed.
    Io {
        /// What we were doing.
        context: String,
        /// Why it failed.
        source: io::Error,
    },
    /// The process on the other side is gone: every producer of a queue, the other end of a
    /// pipe, the manager's server. Nothing more can arrive.
    Disconnected {
        /// What we were doing.
        context: String,
    },
    /// `get` with a timeout found nothing in time (Python's `queue.Empty`).
    Empty,
    /// The manager's server refused the request, as Python raises in the server: `KeyError`,
    /// `IndexError`, `TypeError`.
    Server(String),
    /// A message could not be read or written.
    Channel {
        /// What we were doing.
        context: String,
        /// What went wrong.
        detail: String,
    },
    /// The call does not fit this handle (a queue handle that can only put was asked to get).
    Usage(String),
    /// Starting or joining a process failed.
    Process(examples_processes::Error),
}

impl Error {
    pub(crate) fn channel(context: impl Into<String>, detail: impl fmt::Display) -> Self {
        Error::Channel {
            context: context.into(),
            detail: detail.to_string(),
        }
    }

    pub(crate) fn disconnected(context: impl Into<String>) -> Self {
        Error::Disconnected {
            context: context.into(),
        }
    }

    /// The other side is gone (see [`Error::Disconnected`]).
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SharedMemory { context, detail } => write!(f, "{context}: {detail}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Disconnected { context } => {
                write!(f, "{context}: the process on the other side is gone")
            }
            Error::Empty => write!(f, "the queue stayed empty until the timeout (queue.Empty)"),
            Error::Server(message) => write!(f, "the manager's server answered {message}"),
            Error::Channel { context, detail } => write!(f, "{context}: {detail}"),
            Error::Usage(what) => write!(f, "{what}"),
            Error::Process(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Process(e) => Some(e),
            _ => None,
        }
    }
}

impl From<examples_processes::Error> for Error {
    fn from(e: examples_processes::Error) -> Self {
        Error::Process(e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds context to the errors of the crates below.
pub(crate) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io {
            context: what(),
            source,
        })
    }
}

impl<T> Context<T> for std::result::Result<T, ipc_channel::IpcError> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| match e {
            ipc_channel::IpcError::Disconnected => Error::disconnected(what()),
            // Sending to a process that has exited: its end of the socket is closed.
            ipc_channel::IpcError::Io(io) if is_peer_gone(&io) => Error::disconnected(what()),
            other => Error::channel(what(), other),
        })
    }
}

impl<T> Context<T> for std::result::Result<T, shared_memory::ShmemError> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::SharedMemory {
            context: what(),
            detail: e.to_string(),
        })
    }
}

/// The errors a send gets when the receiving process has gone away.
pub(crate) fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::NotConnected
    )
}
