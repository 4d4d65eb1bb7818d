//! `multiprocessing.Queue` over ipc-channel: many producers in any processes, one consumer.
//!
//! # What a Queue supports
//!
//! - **put** from any number of processes: [`Queue::sender`] makes a [`QueueSender`], a handle
//!   that puts into the queue; give one to each child (fork, spawn, forkserver, pool worker), as
//!   the notes pass the queue in `args`. A sender can make more ([`QueueSender::try_clone`]).
//!   The [`Queue`] itself can put too.
//! - **get** in one process: the one that called [`Queue::new`]. Items from one producer arrive
//!   in the order it put them. Python also lets children `get`; here the [`Queue`] cannot be
//!   passed to another process at all (it is not serializable, so `Process::new` does not
//!   compile with it), because ipc-channel's receiving end cannot be copied — sending it to
//!   another process *moves* it. A child that must consume creates its own queue and hands
//!   senders to the others.
//! - **get with a timeout**: [`Queue::get_timeout`] gives up with [`Error::Empty`] (Python's
//!   `queue.Empty`); [`Queue::get_nowait`] does not wait.
//! - **no producer left**: once every [`QueueSender`] — wherever it went — is gone and the queue
//!   is empty, `get` returns [`Error::Disconnected`] instead of waiting for an item that can never
//!   come. A producer process that exits or is *killed* counts as gone: the kernel closes its
//!   channel. (Python's `get` would block forever then.) The `Queue`'s own `put` does not count
//!   as a producer — nothing can arrive through it while its process is blocked in `get` — so a
//!   producing thread of the consumer's process, too, gets a sender of its own.
//! - **the fork caveat**: a sender's channel closes only once *every copy* of it is gone, and a
//!   process forked while it holds a sender — a sibling child started with fork, a child of a
//!   producer — gets a copy it never drops. Until that process exits, the producer counts as
//!   still there, and `get` waits for it (or times out) rather than returning
//!   [`Error::Disconnected`]. Give each child its own sender and drop the parent's before
//!   forking others, or use spawn or forkserver, whose children hold only what they are given.
//! - Items still queued when the `Queue` is dropped are dropped with it, as at the end of a
//!   Python program. A producer whose items nobody takes blocks in `put` once the channel's
//!   kernel buffer (some hundred kilobytes) is full — the caveat Python gives about joining a
//!   process that has put items before they were consumed.
//!
//! # How
//!
//! Each handle has a channel of its own to the consumer. The consumer watches all of them in an
//! [`IpcReceiverSet`]: an item arrives as a message; a producer's end closing (exit, crash, kill)
//! arrives as `ChannelClosed`, after every item that producer put. A new sender's channel is
//! announced to the consumer — its receiving end sent over the channel of the handle that made
//! it — *before* the new sender exists, so the consumer learns of every producer before it can
//! miss one closing.
//!
//! ```compile_fail,E0277
//! # use examples_ipc::Queue;
//! # use examples_processes::{Process, target};
//! fn task(q: Queue<i32>) {}
//! let queue = Queue::<i32>::new().unwrap();
//! // A Queue cannot go to another process; `queue.sender()?` can.
//! let p = Process::new(target!(task), (queue,));
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use examples_processes::Wire;
use ipc_channel::TrySelectError;
use ipc_channel::ipc::{self, IpcReceiver, IpcReceiverSet, IpcSelectionResult, IpcSender};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Context, Error, Result};

/// What travels on a producer's channel.
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: Wire")]
enum Packet<T> {
    /// An item put into the queue.
    Item(T),
    /// The receiving end of a new producer's channel (made by `sender`, `try_clone`).
    Producer(IpcReceiver<Packet<T>>),
}

/// A queue between processes (`multiprocessing.Queue()`), as its consumer sees it: see the
/// [module docs](self) for what it supports.
pub struct Queue<T: Wire> {
    tx: IpcSender<Packet<T>>,
    consumer: Consumer<T>,
}

/// A handle that puts into a [`Queue`], for another process or thread: `queue.sender()?`.
pub struct QueueSender<T: Wire> {
    tx: IpcSender<Packet<T>>,
}

/// The receiving side, in the process that created the queue.
struct Consumer<T> {
    pid: u32,
    state: Mutex<ConsumerState<T>>,
}

struct ConsumerState<T> {
    set: IpcReceiverSet,
    /// The channel of the `Queue`'s own `put`.
    own: u64,
    /// Producer channels still open (not counting `own`).
    producers: usize,
    /// Items received and not yet taken.
    items: VecDeque<T>,
}

/// Makes a new producer channel and announces it on `tx`.
fn new_sender<T: Wire>(tx: &IpcSender<Packet<T>>) -> Result<QueueSender<T>> {
    let context = || "making a sender for a queue".to_string();
    let (new_tx, rx) = ipc::channel::<Packet<T>>().context(context)?;
    // The consumer hears of the new channel before the new sender can put anything or close.
    tx.send(Packet::Producer(rx)).context(context)?;
    Ok(QueueSender { tx: new_tx })
}

fn put<T: Wire>(tx: &IpcSender<Packet<T>>, item: T) -> Result<()> {
    tx.send(Packet::Item(item))
        .context(|| "putting an item into a queue".to_string())
}

impl<T: Wire> Queue<T> {
    /// A new, empty queue; this process is its consumer.
    pub fn new() -> Result<Self> {
        let context = || "creating a queue".to_string();
        let (tx, rx) = ipc::channel::<Packet<T>>().context(context)?;
        let mut set = IpcReceiverSet::new().context(context)?;
        let own = set.add(rx).context(context)?;
        Ok(Queue {
            tx,
            consumer: Consumer {
                pid: std::process::id(),
                state: Mutex::new(ConsumerState {
                    set,
                    own,
                    producers: 0,
                    items: VecDeque::new(),
                }),
            },
        })
    }

    /// A handle that puts into this queue, for a child process or a thread — what the notes
    /// pass in `args=(queue,)`.
    pub fn sender(&self) -> Result<QueueSender<T>> {
        new_sender(&self.tx)
    }

    /// Puts `item` into the queue (`q.put(item)`).
    pub fn put(&self, item: impl Into<T>) -> Result<()> {
        put(&self.tx, item.into())
    }

    /// Takes the next item, waiting as long as it takes (`q.get()`) — or, if no producer is left
    /// to put one, returns [`Error::Disconnected`].
    pub fn get(&self) -> Result<T> {
        self.take(None)
    }

    /// Takes the next item, waiting at most `timeout` (`q.get(timeout=…)`): [`Error::Empty`] if
    /// none came; [`Error::Disconnected`] if none can come.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T> {
        self.take(Some(Instant::now() + timeout))
    }

    /// Takes the next item if one is there (`q.get_nowait()`): [`Error::Empty`] if not.
    pub fn get_nowait(&self) -> Result<T> {
        self.take(Some(Instant::now()))
    }

    fn take(&self, deadline: Option<Instant>) -> Result<T> {
        if self.consumer.pid != std::process::id() {
            return Err(Error::Usage(format!(
                "this queue's receiving end belongs to process {}, not to this copy",
                self.consumer.pid
            )));
        }
        let mut state = self.consumer.state();
        loop {
            if let Some(item) = state.items.pop_front() {
                return Ok(item);
            }
            if state.producers == 0 {
                // Every producer channel has closed, after the items put on it: only the
                // queue's own channel can still hold something — an item, or a new producer.
                state.poll(Some(Duration::ZERO))?;
                if state.items.is_empty() && state.producers == 0 {
                    return Err(Error::disconnected(
                        "getting from a queue: no producer is left, and it is empty",
                    ));
                }
                continue;
            }
            let wait = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let events = state.poll(wait)?;
            if !events && deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::Empty);
            }
        }
    }
}

impl<T: Wire> QueueSender<T> {
    /// Puts `item` into the queue (`q.put(item)`). Fails if the consumer is gone.
    pub fn put(&self, item: impl Into<T>) -> Result<()> {
        put(&self.tx, item.into())
    }

    /// Another sender for the same queue (`Clone` cannot be used: making a channel can fail).
    pub fn try_clone(&self) -> Result<Self> {
        new_sender(&self.tx)
    }
}

impl<T> Consumer<T> {
    fn state(&self) -> MutexGuard<'_, ConsumerState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: Wire> ConsumerState<T> {
    /// Waits up to `wait` (forever: `None`) for events and takes them in; whether any came.
    fn poll(&mut self, wait: Option<Duration>) -> Result<bool> {
        let context = || "getting from a queue".to_string();
        let events = match wait {
            None => self.set.select().context(context)?,
            Some(wait) => match self.set.try_select_timeout(wait) {
                Ok(events) => events,
                Err(TrySelectError::Empty) => return Ok(false),
                Err(TrySelectError::IoError(e)) => return Err(Error::channel(context(), e)),
            },
        };
        for event in events {
            match event {
                IpcSelectionResult::MessageReceived(_, message) => {
                    match examples_processes::decode::<Packet<T>>(message)
                        .map_err(|e| Error::channel(context(), e))?
                    {
                        Packet::Item(item) => self.items.push_back(item),
                        Packet::Producer(rx) => {
                            self.set.add(rx).context(context)?;
                            self.producers += 1;
                        }
                    }
                }
                IpcSelectionResult::ChannelClosed(id) if id != self.own => {
                    self.producers = self.producers.saturating_sub(1);
                }
                IpcSelectionResult::ChannelClosed(_) => {}
            }
        }
        Ok(true)
    }
}

impl<T: Wire> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Queue consumed by process {}>", self.consumer.pid)
    }
}

impl<T: Wire> fmt::Debug for QueueSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<QueueSender>")
    }
}

/// A sender travels as its channel.
impl<T: Wire> Serialize for QueueSender<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.tx.serialize(serializer)
    }
}

impl<'de, T: Wire> Deserialize<'de> for QueueSender<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(QueueSender {
            tx: IpcSender::deserialize(deserializer)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_the_order_one_producer_put_them() {
        let queue = Queue::<i32>::new().expect("queue");
        let producer = queue.sender().expect("sender");
        for i in 0..10 {
            producer.put(i).expect("put");
        }
        let got: Vec<i32> = (0..5).map(|_| queue.get().expect("get")).collect();
        assert_eq!(got, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn get_after_every_producer_is_gone_drains_then_fails() {
        let queue = Queue::<String>::new().expect("queue");
        let producer = queue.sender().expect("sender");
        let grandchild = producer.try_clone().expect("sender of a sender");
        producer.put("a".to_string()).expect("put");
        grandchild.put("b".to_string()).expect("put");
        drop(producer);
        drop(grandchild);
        let mut got = vec![queue.get().expect("a"), queue.get().expect("b")];
        got.sort();
        assert_eq!(got, vec!["a", "b"]);
        let error = queue.get().expect_err("nothing can come");
        assert!(error.is_disconnected(), "{error}");
    }

    #[test]
    fn get_timeout_with_a_silent_producer_is_empty() {
        let queue = Queue::<i32>::new().expect("queue");
        let producer = queue.sender().expect("sender");
        let error = queue
            .get_timeout(Duration::from_millis(20))
            .expect_err("nothing was put");
        assert!(matches!(error, Error::Empty), "{error}");
        assert!(matches!(queue.get_nowait(), Err(Error::Empty)));
        producer.put(7).expect("put");
        assert_eq!(queue.get_timeout(Duration::from_secs(10)).expect("get"), 7);
    }

    #[test]
    fn the_queue_can_put_too() {
        let queue = Queue::<i32>::new().expect("queue");
        queue.put(1).expect("put");
        assert_eq!(queue.get().expect("get"), 1);
        let error = queue.get().expect_err("no sender exists");
        assert!(error.is_disconnected(), "{error}");
    }

    #[test]
    fn a_producer_handle_travels_and_its_closing_is_seen() {
        let queue = Queue::<i32>::new().expect("queue");
        let (tx, rx) = ipc::channel::<QueueSender<i32>>().expect("channel");
        tx.send(queue.sender().expect("sender")).expect("send");
        let arrived = rx.recv().expect("receive");
        arrived.put(42).expect("put");
        drop(arrived);
        assert_eq!(queue.get().expect("get"), 42);
        assert!(queue.get().expect_err("gone").is_disconnected());
    }
}
