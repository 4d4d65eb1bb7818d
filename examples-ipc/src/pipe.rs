//! `multiprocessing.Pipe()`: two connected ends, each of which can `send` and `recv`.
//!
//! [`pipe`] returns the two ends of a duplex pipe, made of two ipc-channel channels, one for
//! each direction. An end is one value that *moves*: give one end to a child in its arguments
//! (`Process::new(target!(task), (child_conn,))`) and keep the other. It cannot be copied —
//! ipc-channel's receiving half cannot be — so unlike Python's, a connection object is never in
//! two processes at once, which is also why, here, one end's `recv` learns it when the other end
//! is gone: it returns [`Error::Disconnected`](crate::Error::Disconnected) instead of blocking forever.
//!
//! One caveat, the same as Python's: a **forked** child is a copy of its parent, so it also holds
//! a copy of the parent's end, which it cannot drop. While it lives, its `recv` cannot tell that
//! the parent has gone (the parent's `recv` can tell that the child has). A spawned child has
//! only what it was given.
//!
//! A pipe carries one type. Python's carries any object; [`PyValue`](crate::PyValue) — `None`,
//! int, float, str, list, dict — plays that part when the two sides send different things.

use std::fmt;
use std::time::Duration;

use examples_processes::Wire;
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use ipc_channel::{IpcError, TryRecvError};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Result};

/// One end of a pipe (Python's `Connection`).
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: Wire")]
pub struct Connection<T: Wire> {
    tx: IpcSender<T>,
    rx: IpcReceiver<T>,
}

/// A duplex pipe: `(parent_conn, child_conn) = Pipe()`. Whatever one end sends, the other
/// receives, in order.
pub fn pipe<T: Wire>() -> Result<(Connection<T>, Connection<T>)> {
    let context = || "creating a pipe".to_string();
    let (a_tx, a_rx) = ipc::channel::<T>().context(context)?;
    let (b_tx, b_rx) = ipc::channel::<T>().context(context)?;
    Ok((
        Connection { tx: a_tx, rx: b_rx },
        Connection { tx: b_tx, rx: a_rx },
    ))
}

impl<T: Wire> Connection<T> {
    /// Sends `value` to the other end (`conn.send(obj)`); fails if the other end is gone.
    pub fn send(&self, value: impl Into<T>) -> Result<()> {
        self.tx
            .send(value.into())
            .context(|| "sending on a pipe".to_string())
    }

    /// Waits for what the other end sends (`conn.recv()`); [`Error::Disconnected`](crate::Error::Disconnected) once the
    /// other end is gone and nothing is left to read.
    pub fn recv(&self) -> Result<T> {
        self.rx
            .recv()
            .context(|| "receiving from a pipe".to_string())
    }

    /// Waits at most `timeout` (`conn.poll(timeout)` then `recv()`): `Ok(None)` if nothing came.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<T>> {
        match self.rx.try_recv_timeout(timeout) {
            Ok(value) => Ok(Some(value)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::IpcError(e)) => {
                Err::<Option<T>, IpcError>(e).context(|| "receiving from a pipe".to_string())
            }
        }
    }
}

impl<T: Wire> fmt::Debug for Connection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<Connection>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PyValue;

    #[test]
    fn both_directions_carry_python_values() {
        let (parent, child) = pipe::<PyValue>().expect("pipe");
        child.send(vec![111, 22, 33, 44]).expect("send");
        assert_eq!(
            parent.recv().expect("recv").to_string(),
            "[111, 22, 33, 44]"
        );
        parent.send(666).expect("send");
        assert_eq!(child.recv().expect("recv"), PyValue::Int(666));
    }

    #[test]
    fn recv_after_the_other_end_is_gone_is_an_error() {
        let (parent, child) = pipe::<i32>().expect("pipe");
        child.send(1).expect("send");
        drop(child);
        assert_eq!(parent.recv().expect("what was sent first"), 1);
        let error = parent.recv().expect_err("the other end is gone");
        assert!(error.is_disconnected(), "{error}");
        assert!(
            parent
                .send(2)
                .expect_err("nobody receives")
                .is_disconnected()
        );
    }

    #[test]
    fn an_end_travels_over_a_channel_and_still_works() {
        let (parent, child) = pipe::<String>().expect("pipe");
        let (tx, rx) = ipc::channel::<Connection<String>>().expect("channel");
        tx.send(child).expect("send the end");
        let child = rx.recv().expect("receive the end");
        child.send("hello".to_string()).expect("send");
        assert_eq!(parent.recv().expect("recv"), "hello");
        assert_eq!(
            parent
                .recv_timeout(Duration::from_millis(10))
                .expect("nothing yet"),
            None
        );
    }
}
