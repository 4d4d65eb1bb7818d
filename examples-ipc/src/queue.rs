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
//!   The other way round, too: a forked child holds a copy of its parent's receiving ends, so it
//!   cannot tell that the consumer has gone, and its `put`s go on until the channel is full (as
//!   in Python); a spawned or forkserver child's `put` fails with [`Error::Disconnected`].
//! - Items still queued when the `Queue` is dropped are dropped with it, as at the end of a
//!   Python program.
//! - **put returns at once** (for the item types below), as Python's does: the item goes into the
//!   sender's buffer, and a *feeding thread* sends what has gathered there to the consumer —
//!   many items in one message when they come faster than one message at a time can carry them.
//!   That is what makes a queue fast: a message between processes costs microseconds, an item
//!   in a batch a few nanoseconds. Python's `Queue` has the same thread. It starts with the
//!   first `put`, and ends once it has been idle for 10 ms, or when the sender is dropped or
//!   flushed ([`QueueSender::flush`]). The buffer holds at most 4 096 items: a `put` that finds it
//!   full waits for the thread, which waits for the consumer once the channel's kernel buffer is
//!   full (some hundred kilobytes) — the caveat Python gives about joining a process that has
//!   put items before they were consumed.
//! - **a producer's items all arrive**: dropping a sender — which a child's target does when it
//!   returns — sends what is still in its buffer first, and a process that exits
//!   (`std::process::exit`, the end of `main`) with a sender alive sends it too (as Python
//!   joins the feeding thread at exit). A producer that is *killed* loses what it had not sent
//!   yet, as in Python.
//! - **fork and the feeding thread**: the process layer refuses to fork a process that has more
//!   than one thread, and a sender's feeding thread is one. A producer that forks right after
//!   putting is not refused (the fork waits a moment for threads that are ending, and an idle
//!   feeding thread ends within 10 ms); [`QueueSender::flush`] before the fork makes sure.
//! - **which items go in batches**: only those of a type that cannot carry a channel — a type
//!   without drop glue (numbers, chars, bools, tuples and arrays of them: ipc-channel's handles
//!   own descriptors, so they have drop glue), `String`, `Vec<u8>` and [`PyValue`]. ipc-channel
//!   refuses (panics) to send more than 64 descriptors in one message and cannot say how many an
//!   item carries, so items of any other type — which may hold a [`QueueSender`], a pipe's
//!   [`Connection`](crate::Connection), a proxy — are sent one per message, by `put` itself, as
//!   before: `put` returns once the item is in the channel.
//!
//! # How
//!
//! Each handle has a channel of its own to the consumer. The consumer watches all of them in an
//! [`IpcReceiverSet`]: items arrive as messages (one, or a batch); a producer's end closing
//! (exit, crash, kill) arrives as `ChannelClosed`, after every item that producer sent. A new
//! sender's channel is announced to the consumer — its receiving end sent over the channel of
//! the handle that made it — *before* the new sender exists, so the consumer learns of every
//! producer before it can miss one closing. A sender's items go out in the order they were put:
//! one buffer, one feeding thread, one channel.
//!
//! ```compile_fail,E0277
//! # use examples_ipc::Queue;
//! # use examples_processes::{Process, target};
//! fn task(q: Queue<i32>) {}
//! let queue = Queue::<i32>::new().unwrap();
//! // A Queue cannot go to another process; `queue.sender()?` can.
//! let p = Process::new(target!(task), (queue,));
//! ```

use std::any::TypeId;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use examples_processes::Wire;
use ipc_channel::TrySelectError;
use ipc_channel::ipc::{self, IpcReceiver, IpcReceiverSet, IpcSelectionResult, IpcSender};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Context, Error, Result, is_peer_gone};
use crate::pyvalue::PyValue;

/// The most items a sender's buffer holds: a `put` that finds it full waits.
const BUFFER: usize = 4096;
/// The most items in one message.
const BATCH: usize = 1024;
/// How long a feeding thread with nothing to send waits for more before it ends.
const LINGER: Duration = Duration::from_millis(10);

/// What travels on a producer's channel.
#[derive(Serialize, Deserialize)]
#[serde(bound = "T: Wire")]
enum Packet<T> {
    /// An item put into the queue.
    Item(T),
    /// Items put into the queue, in the order they were put.
    Items(Vec<T>),
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
    /// The buffer and its feeding thread, for items that go in batches (see the module docs).
    feed: Option<Arc<Feed<T>>>,
}

/// A sender's buffer, shared with its feeding thread.
struct Feed<T> {
    state: Mutex<FeedState<T>>,
    /// Wakes the feeding thread: items to send, or asked to finish.
    work: Condvar,
    /// Wakes those who wait for the feeding thread: room in the buffer, or it has ended.
    done: Condvar,
}

struct FeedState<T> {
    buffer: VecDeque<T>,
    /// A feeding thread is running (it alone sets this back to false, as it ends).
    running: bool,
    /// It is waiting for work: a put must wake it.
    idle: bool,
    /// It is asked to end as soon as the buffer is empty.
    finish: bool,
    /// Why the items could not be sent; every later put fails with it.
    failed: Option<Failure>,
}

/// Why a feeding thread stopped sending.
#[derive(Clone)]
enum Failure {
    /// The consumer is gone.
    Disconnected,
    /// Something else: what.
    Other(String),
}

/// The receiving side, in the process that created the queue.
struct Consumer<T> {
    pid: u32,
    state: Mutex<ConsumerState<T>>,
}

struct ConsumerState<T> {
    /// The channels: the `Queue`'s own (for its `put`), which never closes while the queue
    /// exists — the queue holds its sender — and one for each producer.
    set: IpcReceiverSet,
    /// Producer channels still open.
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
    Ok(QueueSender::over(new_tx))
}

fn put<T: Wire>(tx: &IpcSender<Packet<T>>, item: T) -> Result<()> {
    tx.send(Packet::Item(item))
        .context(|| "putting an item into a queue".to_string())
}

/// Whether items of type `T` can go many to a message: whether they surely carry no channel
/// (see the module docs).
fn batched<T: 'static>() -> bool {
    !std::mem::needs_drop::<T>()
        || [
            TypeId::of::<String>(),
            TypeId::of::<Vec<u8>>(),
            TypeId::of::<PyValue>(),
        ]
        .contains(&TypeId::of::<T>())
}

impl<T: Wire> Queue<T> {
    /// A new, empty queue; this process is its consumer.
    pub fn new() -> Result<Self> {
        let context = || "creating a queue".to_string();
        let (tx, rx) = ipc::channel::<Packet<T>>().context(context)?;
        let mut set = IpcReceiverSet::new().context(context)?;
        set.add(rx).context(context)?;
        Ok(Queue {
            tx,
            consumer: Consumer {
                pid: std::process::id(),
                state: Mutex::new(ConsumerState {
                    set,
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
    /// A sender that puts over `tx`.
    fn over(tx: IpcSender<Packet<T>>) -> Self {
        let feed = batched::<T>().then(|| {
            let feed = Arc::new(Feed {
                state: Mutex::new(FeedState {
                    buffer: VecDeque::new(),
                    running: false,
                    idle: false,
                    finish: false,
                    failed: None,
                }),
                work: Condvar::new(),
                done: Condvar::new(),
            });
            flushed_at_exit(&feed);
            feed
        });
        QueueSender { tx, feed }
    }

    /// Puts `item` into the queue (`q.put(item)`) and returns; a thread of this sender sends it
    /// (see the module docs). Waits while the buffer is full. Fails once the consumer is known
    /// to be gone.
    pub fn put(&self, item: impl Into<T>) -> Result<()> {
        let Some(feed) = &self.feed else {
            return put(&self.tx, item.into());
        };
        let mut state = feed.state();
        loop {
            if let Some(failure) = &state.failed {
                return Err(failure.error());
            }
            if state.buffer.len() < BUFFER {
                break;
            }
            state = feed
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.buffer.push_back(item.into());
        if !state.running {
            state.running = true;
            let (feed, tx) = (Arc::clone(feed), self.tx.clone());
            let started = thread::Builder::new()
                .name("queue-feeder".into())
                .spawn(move || feeder(&feed, tx));
            if let Err(e) = started {
                // No thread to be had: send the buffer from here, as a put without one would.
                state.running = false;
                let items: Vec<T> = state.buffer.drain(..).collect();
                drop(state);
                return self
                    .tx
                    .send(Packet::Items(items))
                    .context(|| format!("putting an item into a queue (no feeding thread: {e})"));
            }
        } else if state.idle {
            drop(state);
            feed.work.notify_one();
        }
        Ok(())
    }

    /// Waits until every item put so far has been sent and the feeding thread has ended (a
    /// later put starts another) — before a fork, for one (see the module docs). Fails if the
    /// consumer is gone. Dropping the sender does the same.
    pub fn flush(&self) -> Result<()> {
        let Some(feed) = &self.feed else {
            return Ok(());
        };
        feed.finish()
    }

    /// Another sender for the same queue (`Clone` cannot be used: making a channel can fail).
    pub fn try_clone(&self) -> Result<Self> {
        new_sender(&self.tx)
    }
}

/// What was put goes before the sender (see the module docs).
impl<T: Wire> Drop for QueueSender<T> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

impl<T> Feed<T> {
    fn state(&self) -> MutexGuard<'_, FeedState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the feeding thread to send what is left and end; waits until it has.
    fn finish(&self) -> Result<()> {
        let mut state = self.state();
        if state.running {
            state.finish = true;
            if state.idle {
                self.work.notify_one();
            }
            while state.running {
                state = self
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.finish = false;
        }
        match &state.failed {
            Some(failure) => Err(failure.error()),
            None => Ok(()),
        }
    }
}

impl Failure {
    fn error(&self) -> Error {
        let context = "putting an item into a queue";
        match self {
            Failure::Disconnected => Error::disconnected(context),
            Failure::Other(what) => Error::channel(context, what),
        }
    }
}

/// A sender's feeding thread: sends what gathers in the buffer, as many items as are there (up
/// to [`BATCH`]) in one message, until the buffer has stayed empty for [`LINGER`] or it is asked
/// to finish.
fn feeder<T: Wire>(feed: &Feed<T>, tx: IpcSender<Packet<T>>) {
    let mut state = feed.state();
    loop {
        if state.buffer.is_empty() {
            if state.finish {
                break;
            }
            state.idle = true;
            let (woken, waited) = feed
                .work
                .wait_timeout(state, LINGER)
                .unwrap_or_else(PoisonError::into_inner);
            state = woken;
            state.idle = false;
            if waited.timed_out() && state.buffer.is_empty() {
                break;
            }
            continue;
        }
        let n = state.buffer.len().min(BATCH);
        let batch: Vec<T> = state.buffer.drain(..n).collect();
        drop(state);
        feed.done.notify_all(); // room in the buffer
        let sent = tx.send(Packet::Items(batch));
        state = feed.state();
        if let Err(e) = sent {
            state.failed = Some(match e {
                ipc_channel::IpcError::Disconnected => Failure::Disconnected,
                ipc_channel::IpcError::Io(io) if is_peer_gone(&io) => Failure::Disconnected,
                other => Failure::Other(other.to_string()),
            });
            // Nobody will take them.
            state.buffer.clear();
            break;
        }
    }
    state.running = false;
    drop(state);
    drop(tx);
    feed.done.notify_all();
}

/// Something whose buffered items can be sent: a feed, its item type forgotten.
trait Flush: Send + Sync {
    fn flush(&self);
}

impl<T: Send> Flush for Feed<T> {
    fn flush(&self) {
        let _ = self.finish();
    }
}

/// The feeds of this process, for the exit.
static FEEDS: Mutex<Vec<Weak<dyn Flush>>> = Mutex::new(Vec::new());

/// Sends what is still buffered in `feed` when this process exits (`std::process::exit`, the
/// end of `main`), as Python joins a queue's feeding thread at exit. (A forked child of the
/// process layer ends with `_exit` once its target has returned — the target's senders are
/// dropped by then.)
fn flushed_at_exit<T: Send + 'static>(feed: &Arc<Feed<T>>) {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: `flush_all` is an `extern "C" fn()` that lives as long as the program and
        // does not unwind.
        unsafe { libc::atexit(flush_all) };
    });
    let feed: Arc<dyn Flush> = feed.clone();
    let mut feeds = FEEDS.lock().unwrap_or_else(PoisonError::into_inner);
    feeds.retain(|f| f.strong_count() > 0);
    feeds.push(Arc::downgrade(&feed));
}

extern "C" fn flush_all() {
    // Nothing may unwind out of an `extern "C"` function.
    let _ = std::panic::catch_unwind(|| {
        let feeds: Vec<Arc<dyn Flush>> = FEEDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for feed in feeds {
            feed.flush();
        }
    });
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
                        Packet::Items(items) => self.items.extend(items),
                        Packet::Producer(rx) => {
                            self.set.add(rx).context(context)?;
                            self.producers += 1;
                        }
                    }
                }
                // A producer's: the queue's own channel does not close (see `set`).
                IpcSelectionResult::ChannelClosed(_) => {
                    self.producers = self.producers.saturating_sub(1);
                }
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

/// A sender arrives with an empty buffer of its own.
impl<'de, T: Wire> Deserialize<'de> for QueueSender<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(QueueSender::over(IpcSender::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::within_10_s as within;

    #[test]
    fn items_come_out_in_the_order_one_producer_put_them() {
        within(|| {
            let queue = Queue::<i32>::new().expect("queue");
            let producer = queue.sender().expect("sender");
            for i in 0..10 {
                producer.put(i).expect("put");
            }
            let got: Vec<i32> = (0..5).map(|_| queue.get().expect("get")).collect();
            assert_eq!(got, vec![0, 1, 2, 3, 4]);
        });
    }

    #[test]
    fn get_after_every_producer_is_gone_drains_then_fails() {
        within(|| {
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
        });
    }

    #[test]
    fn get_timeout_with_a_silent_producer_is_empty() {
        within(|| {
            let queue = Queue::<i32>::new().expect("queue");
            let producer = queue.sender().expect("sender");
            let error = queue
                .get_timeout(Duration::from_millis(20))
                .expect_err("nothing was put");
            assert!(matches!(error, Error::Empty), "{error}");
            assert!(matches!(queue.get_nowait(), Err(Error::Empty)));
            producer.put(7).expect("put");
            assert_eq!(queue.get_timeout(Duration::from_secs(10)).expect("get"), 7);
        });
    }

    #[test]
    fn the_queue_can_put_too() {
        within(|| {
            let queue = Queue::<i32>::new().expect("queue");
            queue.put(1).expect("put");
            assert_eq!(queue.get().expect("get"), 1);
            let error = queue.get().expect_err("no sender exists");
            assert!(error.is_disconnected(), "{error}");
        });
    }

    #[test]
    fn only_items_that_cannot_carry_a_channel_go_in_batches() {
        assert!(batched::<i64>());
        assert!(batched::<(u8, f64)>());
        assert!(batched::<String>());
        assert!(batched::<Vec<u8>>());
        assert!(batched::<PyValue>());
        assert!(!batched::<QueueSender<i32>>());
        assert!(!batched::<IpcSender<i32>>());
        assert!(!batched::<Vec<String>>());
    }

    #[test]
    fn a_dropped_sender_has_sent_what_was_put() {
        within(|| {
            let queue = Queue::<String>::new().expect("queue");
            let producer = queue.sender().expect("sender");
            for i in 0..3000 {
                producer.put(i.to_string()).expect("put");
            }
            drop(producer);
            let got: Vec<String> = std::iter::from_fn(|| queue.get_nowait().ok()).collect();
            assert_eq!(got.len(), 3000, "all there at once, without waiting");
            assert_eq!(got.last().map(String::as_str), Some("2999"));
        });
    }

    #[test]
    fn debug_names_the_consumer_and_says_nothing_of_the_channels() {
        within(|| {
            let queue = Queue::<i32>::new().expect("queue");
            let producer = queue.sender().expect("sender");
            assert_eq!(
                format!("{queue:?}"),
                format!("<Queue consumed by process {}>", std::process::id())
            );
            assert_eq!(format!("{producer:?}"), "<QueueSender>");
        });
    }

    #[test]
    fn every_live_sender_and_no_dead_one_is_listed_to_flush_at_exit() {
        within(|| {
            let queue = Queue::<i32>::new().expect("queue");
            let first = queue.sender().expect("sender");
            let gone: Vec<QueueSender<i32>> =
                (0..100).map(|_| queue.sender().expect("sender")).collect();
            drop(gone);
            let last = queue.sender().expect("sender");
            let feeds = FEEDS.lock().unwrap_or_else(PoisonError::into_inner);
            let listed = |sender: &QueueSender<i32>| {
                let feed = sender.feed.as_ref().expect("i32s go in batches");
                feeds.iter().any(|listed| {
                    listed
                        .upgrade()
                        .is_some_and(|listed| std::ptr::addr_eq(Arc::as_ptr(&listed), &**feed))
                })
            };
            assert!(listed(&first), "an older sender is no longer listed");
            assert!(listed(&last), "the newest sender is not listed");
            // The other tests, running at the same time, drop a few senders of their own.
            let dead = feeds.iter().filter(|f| f.strong_count() == 0).count();
            assert!(dead < 100, "{dead} dropped senders are still listed");
        });
    }

    #[test]
    fn a_producer_handle_travels_and_its_closing_is_seen() {
        within(|| {
            let queue = Queue::<i32>::new().expect("queue");
            let (tx, rx) = ipc::channel::<QueueSender<i32>>().expect("channel");
            tx.send(queue.sender().expect("sender")).expect("send");
            let arrived = rx.recv().expect("receive");
            arrived.put(42).expect("put");
            drop(arrived);
            assert_eq!(queue.get().expect("get"), 42);
            assert!(queue.get().expect_err("gone").is_disconnected());
        });
    }
}
