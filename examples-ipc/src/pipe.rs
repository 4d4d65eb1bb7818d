//! `multiprocessing.Pipe()`: two connected ends, each of which can `send` and `recv`.
//!
//! [`pipe`] returns the two ends of a duplex pipe, made of two ipc-channel channels, one for
//! each direction. An end is one value that *moves*: give one end to a child in its arguments
//! (`Process::new(target!(task), (child_conn,))`) and keep the other. It cannot be copied —
//! ipc-channel's receiving half cannot be — so unlike Python's, a connection object is never in
//! two processes at once, which is also why, here, one end's `recv` learns it when the other end
//! is gone: it returns [`Error::Disconnected`] instead of blocking forever.
//!
//! A **forked** child is a copy of its parent, so it also holds a copy of the parent's end —
//! in Python too, where the child's `recv` then waits for ever once the parent is gone, because
//! its own copy keeps the parent's end open. Here a forked child closes its copy of the other
//! end of a pipe the first time it uses its own end (Python's advice, to close the end you do
//! not use, done for you): once the parent's end is gone, the child's `recv` says so. A spawned
//! child has only what it was given.
//!
//! A pipe carries one type. Python's carries any object; [`PyValue`](crate::PyValue) — `None`,
//! int, float, str, list, dict — plays that part when the two sides send different things.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use examples_processes::Wire;
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};
use ipc_channel::{IpcError, TryRecvError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Context, Error, Result};

/// One end of a pipe (Python's `Connection`).
pub struct Connection<T: Wire> {
    ends: Arc<Ends<T>>,
    /// Which pipe of the process that made it, to find the other end (see the module docs).
    pipe: u64,
    /// The process that made the pipe.
    creator: u32,
    /// Whether this process has closed its copy of the other end already.
    sibling_closed: AtomicBool,
}

/// The channels of one end, each under its own lock (a `send` need not wait for a `recv`);
/// emptied when a forked child closes its copy of the end.
struct Ends<T> {
    tx: Mutex<Option<IpcSender<T>>>,
    rx: Mutex<Option<IpcReceiver<T>>>,
}

/// Something whose channels can be closed: an end, its type forgotten.
trait Close: Send + Sync {
    fn close(&self);
}

impl<T: Send> Close for Ends<T> {
    fn close(&self) {
        drop(
            self.tx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        drop(
            self.rx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

/// Locks one of an end's channels.
fn lock<C>(channel: &Mutex<Option<C>>) -> MutexGuard<'_, Option<C>> {
    channel.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The error of an end closed in this process.
fn closed_here() -> Error {
    Error::Usage("this end of the pipe is the parent's; this forked child closed its copy".into())
}

/// The ends this process made: (pipe, end).
static MADE: Mutex<Vec<(u64, Weak<dyn Close>)>> = Mutex::new(Vec::new());

/// The number of the next pipe this process makes, or receives an end of: each is its own.
static NEXT_PIPE: AtomicU64 = AtomicU64::new(1);

impl<T: Wire> Connection<T> {
    fn new(tx: IpcSender<T>, rx: IpcReceiver<T>, pipe: u64) -> Self {
        let ends = Arc::new(Ends {
            tx: Mutex::new(Some(tx)),
            rx: Mutex::new(Some(rx)),
        });
        let close: Arc<dyn Close> = ends.clone();
        let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
        made.retain(|(_, end)| end.strong_count() > 0);
        made.push((pipe, Arc::downgrade(&close)));
        Connection {
            ends,
            pipe,
            creator: std::process::id(),
            sibling_closed: AtomicBool::new(false),
        }
    }

    /// Before a use: closes this process's copy of the other end if this is a forked copy of
    /// the process that made the pipe.
    fn first_use(&self) {
        if self.creator != std::process::id() && !self.sibling_closed.swap(true, Ordering::SeqCst) {
            let made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
            let me: Arc<dyn Close> = self.ends.clone();
            for (pipe, end) in made.iter() {
                if let Some(end) = end.upgrade()
                    && *pipe == self.pipe
                    && !Arc::ptr_eq(&end, &me)
                {
                    end.close();
                }
            }
        }
    }
}

/// A duplex pipe: `(parent_conn, child_conn) = Pipe()`. Whatever one end sends, the other
/// receives, in order.
pub fn pipe<T: Wire>() -> Result<(Connection<T>, Connection<T>)> {
    let context = || "creating a pipe".to_string();
    let (a_tx, a_rx) = ipc::channel::<T>().context(context)?;
    let (b_tx, b_rx) = ipc::channel::<T>().context(context)?;
    let pipe = NEXT_PIPE.fetch_add(1, Ordering::Relaxed);
    Ok((
        Connection::new(a_tx, b_rx, pipe),
        Connection::new(b_tx, a_rx, pipe),
    ))
}

impl<T: Wire> Connection<T> {
    /// Sends `value` to the other end (`conn.send(obj)`); fails if the other end is gone.
    pub fn send(&self, value: impl Into<T>) -> Result<()> {
        self.first_use();
        let tx = lock(&self.ends.tx);
        tx.as_ref()
            .ok_or_else(closed_here)?
            .send(value.into())
            .context(|| "sending on a pipe".to_string())
    }

    /// Waits for what the other end sends (`conn.recv()`);
    /// [`Error::Disconnected`] once the other end is gone and
    /// nothing is left to read.
    pub fn recv(&self) -> Result<T> {
        self.first_use();
        let rx = lock(&self.ends.rx);
        rx.as_ref()
            .ok_or_else(closed_here)?
            .recv()
            .context(|| "receiving from a pipe".to_string())
    }

    /// Waits at most `timeout` (`conn.poll(timeout)` then `recv()`): `Ok(None)` if nothing came.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<T>> {
        self.first_use();
        let rx = lock(&self.ends.rx);
        match rx
            .as_ref()
            .ok_or_else(closed_here)?
            .try_recv_timeout(timeout)
        {
            Ok(value) => Ok(Some(value)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::IpcError(e)) => {
                Err::<Option<T>, IpcError>(e).context(|| "receiving from a pipe".to_string())
            }
        }
    }
}

/// An end travels as its two channels (moved: ipc-channel sends the descriptors).
impl<T: Wire> Serialize for Connection<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (tx, rx) = (lock(&self.ends.tx), lock(&self.ends.rx));
        match (tx.as_ref(), rx.as_ref()) {
            (Some(tx), Some(rx)) => (tx, rx).serialize(serializer),
            _ => Err(serde::ser::Error::custom(closed_here())),
        }
    }
}

impl<'de, T: Wire> Deserialize<'de> for Connection<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let (tx, rx) = <(IpcSender<T>, IpcReceiver<T>)>::deserialize(deserializer)?;
        Ok(Connection::new(
            tx,
            rx,
            NEXT_PIPE.fetch_add(1, Ordering::Relaxed),
        ))
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
    use harness::within_10_s as within;

    #[test]
    fn both_directions_carry_python_values() {
        within(|| {
            let (parent, child) = pipe::<PyValue>().expect("pipe");
            child.send(vec![111, 22, 33, 44]).expect("send");
            assert_eq!(
                parent.recv().expect("recv").to_string(),
                "[111, 22, 33, 44]"
            );
            parent.send(666).expect("send");
            assert_eq!(child.recv().expect("recv"), PyValue::Int(666));
        });
    }

    #[test]
    fn recv_after_the_other_end_is_gone_is_an_error() {
        within(|| {
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
        });
    }

    #[test]
    fn an_end_travels_over_a_channel_and_still_works() {
        within(|| {
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
            child.send("again".to_string()).expect("send");
            assert_eq!(
                parent
                    .recv_timeout(Duration::from_secs(10))
                    .expect("recv_timeout"),
                Some("again".to_string())
            );
            assert_eq!(format!("{parent:?}"), "<Connection>");
        });
    }
}
