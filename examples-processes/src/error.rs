//! The layer's errors: each says what failed and why, for a program's `main` to report.

use std::fmt;
use std::io;

/// Something the process layer could not do.
#[derive(Debug)]
pub enum Error {
    /// `init()` was not called at the top of `main`.
    NotInitialized,
    /// An OS call failed.
    Io {
        /// What we were doing.
        context: String,
        /// Why it failed.
        source: io::Error,
    },
    /// A channel between processes failed (the other side is gone, or a message is garbled).
    Channel {
        /// What we were doing.
        context: String,
        /// What went wrong.
        detail: String,
    },
    /// A child process ended before it could receive its target.
    ChildLost {
        /// Its pid.
        pid: i32,
        /// How it ended.
        detail: String,
    },
    /// `start()` on a process that was already started, or `join()` on one never started.
    State(&'static str),
    /// A fork child was asked for while the process has more than one thread.
    ForkWithThreads {
        /// How many threads the process has.
        threads: usize,
    },
    /// An argument that is not allowed (Python's `ValueError`).
    Value(&'static str),
    /// The temporary directory cannot hold the sockets that start children.
    TempDir {
        /// The directory (`$TMPDIR`, else `/tmp`).
        dir: std::path::PathBuf,
        /// Why it cannot be used.
        why: String,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn channel(context: impl Into<String>, detail: impl fmt::Display) -> Self {
        Error::Channel {
            context: context.into(),
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInitialized => write!(
                f,
                "examples_processes::init() was not called: call it first thing in main \
                 (it plays the part of `if __name__ == '__main__':`)"
            ),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Channel { context, detail } => write!(f, "{context}: {detail}"),
            Error::ChildLost { pid, detail } => write!(
                f,
                "child process {pid} ended before it received its target: {detail}"
            ),
            Error::State(what) => write!(f, "{what}"),
            Error::ForkWithThreads { threads } => write!(
                f,
                "cannot fork: this process has {threads} threads, and the child would be a copy \
                 of only one of them (locks the others hold would stay held for ever); start \
                 this process with spawn or forkserver instead"
            ),
            Error::Value(what) => write!(f, "{what}"),
            Error::TempDir { dir, why } => write!(
                f,
                "the temporary directory {} cannot be used ({why}): set TMPDIR to a writable \
                 directory with a short path",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds context to OS errors.
pub(crate) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for io::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::io(what(), e))
    }
}

impl<T> Context<T> for nix::Result<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::io(what(), io::Error::from(e)))
    }
}

impl<T> Context<T> for std::result::Result<T, ipc_channel::IpcError> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::channel(what(), ipc(&e)))
    }
}

/// An ipc-channel error as a sentence (its `Display` can show Debug output).
pub(crate) fn ipc(e: &ipc_channel::IpcError) -> String {
    match e {
        ipc_channel::IpcError::Disconnected => "the process on the other side is gone".into(),
        ipc_channel::IpcError::Io(e) => e.to_string(),
        ipc_channel::IpcError::SerializationError(e) => format!("a garbled message ({e})"),
    }
}
