//! `multiprocessing.Manager()`: a server process that holds objects, and proxies that other
//! processes use to change them.
//!
//! [`Manager::new`] starts the server: a real process, always started with the *spawn* method
//! (a fresh run of this executable through `examples_processes::init()`), so it is clean whatever
//! start method the program uses and holds nothing of its parent. It sends back the sending end
//! of its request channel. [`Manager::dict`], [`list`](Manager::list), [`lock`](Manager::lock)
//! and [`rlock`](Manager::rlock) ask it to create an object and return a *proxy*: the object's
//! number and a channel to the server. The objects live only in the server; every proxy call is
//! a request over ipc-channel with a fresh reply channel, answered by the server.
//!
//! Proxies are small serializable values: clone them and hand them to forked or spawned children
//! and to pool workers, as the notes pass `d` and `l` in `args`. Objects stay in the server until
//! it stops (Python frees them when their last proxy goes; here they are few and short-lived).
//!
//! Faults become errors, not hangs: a call to a server that has died — killed, or shut down —
//! fails with [`Error::Disconnected`]: either sending fails (its end of the request channel is
//! closed) or the reply channel closes unanswered (the only other copy of its sending end was in
//! the server).
//!
//! # Locks
//!
//! The server is single-threaded and never blocks: an `acquire` that must wait is queued and
//! answered when its turn comes. Dropping the guard sends the server a release request and
//! waits for its answer, as Python's `release()` does.
//!
//! Each acquisition also comes with a small channel to the server: the guard keeps its sending
//! end, the server watches its receiving end. It is the fallback for a holder that *dies*: the
//! kernel closes the channel, the server releases the lock, and a worker killed inside
//! `with lock:` does not leave it held forever (in Python it does). The channel's closing is not
//! the release itself: a child forked while the lock is held gets a copy of that sending end,
//! which keeps the channel open as long as the child lives — a holder that dies leaves the lock
//! held until such a child ends, too.
//!
//! An [`RLock`] (`RLockProxy`) may be acquired again by the thread that holds it; it is owned by
//! a (process, thread) pair, as Python's.
//!
//! [`RLock`]: RLockProxy

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use examples_processes::{Process, StartMethod, target};
use ipc_channel::ipc::{self, IpcReceiver, IpcReceiverSet, IpcSelectionResult, IpcSender};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result};
use crate::pyvalue::{PyDict, PyList, PyValue};

/// How long [`Manager::shutdown`] waits for the server to confirm before killing it.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server answers: a value, or the message of the exception Python would raise.
type Reply = std::result::Result<Answer, String>;

#[derive(Debug, Serialize, Deserialize)]
enum Request {
    Create {
        kind: Kind,
        reply: IpcSender<Reply>,
    },
    Dict {
        id: u64,
        op: DictOp,
        reply: IpcSender<Reply>,
    },
    List {
        id: u64,
        op: ListOp,
        reply: IpcSender<Reply>,
    },
    Acquire {
        id: u64,
        owner: Owner,
        hold: IpcReceiver<()>,
        reply: IpcSender<Reply>,
    },
    /// Release the acquisition whose hold channel has this number (see `Answer::Held`).
    Release {
        hold: u64,
        reply: IpcSender<Reply>,
    },
    Shutdown {
        reply: IpcSender<Reply>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Kind {
    Dict,
    List,
    Lock,
    RLock,
}

#[derive(Debug, Serialize, Deserialize)]
enum DictOp {
    Set(PyValue, PyValue),
    Get(PyValue),
    Len,
    Copy,
}

#[derive(Debug, Serialize, Deserialize)]
enum ListOp {
    Append(PyValue),
    Get(i64),
    Set(i64, PyValue),
    Len,
    Copy,
}

#[derive(Debug, Serialize, Deserialize)]
enum Answer {
    Done,
    Id(u64),
    /// A lock is ours; the number of this acquisition, to release it by.
    Held(u64),
    Value(Option<PyValue>),
    Len(usize),
    Dict(PyDict),
    List(PyList),
}

/// Who holds a lock: a thread of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Owner {
    pid: u32,
    thread: u64,
}

impl Owner {
    fn current() -> Owner {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static THREAD: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        Owner {
            pid: std::process::id(),
            thread: THREAD.with(|t| *t),
        }
    }
}

/// A way to the server: the sending end of its request channel.
#[derive(Clone, Serialize, Deserialize)]
struct Client {
    requests: IpcSender<Request>,
}

impl Client {
    /// Sends the request that `make` builds around a fresh reply channel; waits for the answer.
    fn call(&self, what: &str, make: impl FnOnce(IpcSender<Reply>) -> Request) -> Result<Answer> {
        let context = || format!("{what}: asking the manager's server");
        let (reply, answer) = ipc::channel::<Reply>().context(context)?;
        // The request carries our only copy of the reply's sending end: if the server dies, it
        // dies with it, and `recv` below fails instead of waiting forever.
        self.requests.send(make(reply)).context(context)?;
        match answer.recv() {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(exception)) => Err(Error::Server(exception)),
            Err(e) => Err(e).context(|| format!("{what}: waiting for the manager's server")),
        }
    }
}

fn unexpected(what: &str, answer: Answer) -> Error {
    let kind = match answer {
        Answer::Done => "done",
        Answer::Id(_) => "an object number",
        Answer::Held(_) => "a lock hold",
        Answer::Value(_) => "a value",
        Answer::Len(_) => "a length",
        Answer::Dict(_) => "a dict",
        Answer::List(_) => "a list",
    };
    Error::channel(
        format!("{what}: the manager's server"),
        format!("answered with {kind}, which does not fit the request"),
    )
}

/// A server process holding shared objects (`multiprocessing.Manager()`); dropping it (the end
/// of the `with Manager() as manager:` block) shuts the server down and reaps it.
pub struct Manager {
    client: Client,
    server: Option<Process<(IpcSender<IpcSender<Request>>,)>>,
}

impl fmt::Debug for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.server_pid() {
            Some(pid) => write!(f, "<SyncManager server pid={pid}>"),
            None => write!(f, "<SyncManager shut down>"),
        }
    }
}

impl Manager {
    /// Starts the server process and waits until it is ready.
    pub fn new() -> Result<Self> {
        let context = || "starting the manager's server".to_string();
        let (ready_tx, ready) = ipc::channel::<IpcSender<Request>>().context(context)?;
        let mut server = Process::new(target!(serve), (ready_tx,))
            .name("SyncManager-1")
            .start_method(StartMethod::Spawn);
        server.start()?;
        match ready.recv() {
            Ok(requests) => Ok(Manager {
                client: Client { requests },
                server: Some(server),
            }),
            Err(e) => {
                // It died before it was ready (or sent garbage): reap it, say how it ended.
                // `kill` leaves a server that has ended alone (its pid may be another's by now).
                let _ = server.kill();
                let _ = server.join();
                Err(e).context(|| {
                    format!(
                        "starting the manager's server (exit code {:?})",
                        server.exitcode()
                    )
                })
            }
        }
    }

    /// The server's pid, until it is shut down.
    pub fn server_pid(&self) -> Option<u32> {
        self.server.as_ref().and_then(Process::pid)
    }

    fn create(&self, kind: Kind) -> Result<u64> {
        let what = format!("manager.{}()", kind.python_name());
        match self
            .client
            .call(&what, |reply| Request::Create { kind, reply })?
        {
            Answer::Id(id) => Ok(id),
            other => Err(unexpected(&what, other)),
        }
    }

    /// A new, empty dict in the server (`manager.dict()`).
    pub fn dict(&self) -> Result<DictProxy> {
        Ok(DictProxy {
            id: self.create(Kind::Dict)?,
            client: self.client.clone(),
        })
    }

    /// A new, empty list in the server (`manager.list()`).
    pub fn list(&self) -> Result<ListProxy> {
        Ok(ListProxy {
            id: self.create(Kind::List)?,
            client: self.client.clone(),
        })
    }

    /// A new lock in the server (`manager.Lock()`).
    pub fn lock(&self) -> Result<LockProxy> {
        Ok(LockProxy {
            id: self.create(Kind::Lock)?,
            client: self.client.clone(),
        })
    }

    /// A new re-entrant lock in the server (`manager.RLock()`).
    pub fn rlock(&self) -> Result<RLockProxy> {
        Ok(RLockProxy {
            id: self.create(Kind::RLock)?,
            client: self.client.clone(),
        })
    }

    /// Stops the server and reaps it (`manager.shutdown()`). Proxy calls fail from then on. A
    /// server that does not confirm within 10 s is killed; one that is already gone is reaped.
    pub fn shutdown(&mut self) -> Result<()> {
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        let confirmed = (|| -> Result<bool> {
            let context = || "shutting down the manager's server".to_string();
            let (reply, answer) = ipc::channel::<Reply>().context(context)?;
            self.client
                .requests
                .send(Request::Shutdown { reply })
                .context(context)?;
            Ok(answer.try_recv_timeout(SHUTDOWN_TIMEOUT).is_ok())
        })();
        if !matches!(confirmed, Ok(true)) {
            // Stuck, or gone already (then `kill` sends nothing): it must not outlive us.
            let _ = server.kill();
        }
        server.join()?;
        Ok(())
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            eprintln!("shutting down the manager: {e}");
        }
    }
}

impl Kind {
    fn python_name(self) -> &'static str {
        match self {
            Kind::Dict => "dict",
            Kind::List => "list",
            Kind::Lock => "Lock",
            Kind::RLock => "RLock",
        }
    }
}

/// A dict that lives in the manager's server (`manager.dict()`): every call is a request.
#[derive(Clone, Serialize, Deserialize)]
pub struct DictProxy {
    client: Client,
    id: u64,
}

impl DictProxy {
    fn call(&self, what: &str, op: DictOp) -> Result<Answer> {
        let id = self.id;
        self.client
            .call(what, |reply| Request::Dict { id, op, reply })
    }

    /// `d[key] = value`. Keys compare as in Python (`1 == 1.0`); a list is no key (`TypeError`).
    pub fn set(&self, key: impl Into<PyValue>, value: impl Into<PyValue>) -> Result<()> {
        let (key, value) = (key.into(), value.into());
        let what = format!("d[{}] = {}", key.repr(), value.repr());
        match self.call(&what, DictOp::Set(key, value))? {
            Answer::Done => Ok(()),
            other => Err(unexpected(&what, other)),
        }
    }

    /// `d.get(key)`: its value, or `None` if the key is not there.
    pub fn get(&self, key: impl Into<PyValue>) -> Result<Option<PyValue>> {
        let key = key.into();
        let what = format!("d.get({})", key.repr());
        match self.call(&what, DictOp::Get(key))? {
            Answer::Value(value) => Ok(value),
            other => Err(unexpected(&what, other)),
        }
    }

    /// `len(d)`.
    pub fn len(&self) -> Result<usize> {
        match self.call("len(d)", DictOp::Len)? {
            Answer::Len(n) => Ok(n),
            other => Err(unexpected("len(d)", other)),
        }
    }

    /// `len(d) == 0`.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// `d.copy()`: the dict as it is now, copied out of the server. Printing it prints what
    /// Python's `print(d)` prints.
    pub fn copy(&self) -> Result<PyDict> {
        match self.call("d.copy()", DictOp::Copy)? {
            Answer::Dict(dict) => Ok(dict),
            other => Err(unexpected("d.copy()", other)),
        }
    }
}

/// A list that lives in the manager's server (`manager.list()`): every call is a request.
#[derive(Clone, Serialize, Deserialize)]
pub struct ListProxy {
    client: Client,
    id: u64,
}

impl ListProxy {
    fn call(&self, what: &str, op: ListOp) -> Result<Answer> {
        let id = self.id;
        self.client
            .call(what, |reply| Request::List { id, op, reply })
    }

    /// `l.append(value)`.
    pub fn append(&self, value: impl Into<PyValue>) -> Result<()> {
        let value = value.into();
        let what = format!("l.append({})", value.repr());
        match self.call(&what, ListOp::Append(value))? {
            Answer::Done => Ok(()),
            other => Err(unexpected(&what, other)),
        }
    }

    /// `l[index]`; a negative index counts from the end. Out of range: `IndexError`.
    pub fn get(&self, index: i64) -> Result<PyValue> {
        let what = format!("l[{index}]");
        match self.call(&what, ListOp::Get(index))? {
            Answer::Value(Some(value)) => Ok(value),
            other => Err(unexpected(&what, other)),
        }
    }

    /// `l[index] = value`; a negative index counts from the end. Out of range: `IndexError`.
    pub fn set(&self, index: i64, value: impl Into<PyValue>) -> Result<()> {
        let value = value.into();
        let what = format!("l[{index}] = {}", value.repr());
        match self.call(&what, ListOp::Set(index, value))? {
            Answer::Done => Ok(()),
            other => Err(unexpected(&what, other)),
        }
    }

    /// `len(l)`.
    pub fn len(&self) -> Result<usize> {
        match self.call("len(l)", ListOp::Len)? {
            Answer::Len(n) => Ok(n),
            other => Err(unexpected("len(l)", other)),
        }
    }

    /// `len(l) == 0`.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// `l[:]`: the list as it is now, copied out of the server. Printing it prints what Python's
    /// `print(l)` prints.
    pub fn copy(&self) -> Result<PyList> {
        match self.call("l[:]", ListOp::Copy)? {
            Answer::List(list) => Ok(list),
            other => Err(unexpected("l[:]", other)),
        }
    }
}

/// Asks the server for lock `id`; returns once it is ours.
fn acquire(client: &Client, id: u64, what: &str) -> Result<ManagedGuard> {
    let (alive, watched) = ipc::channel::<()>().context(|| format!("{what}: making a channel"))?;
    let owner = Owner::current();
    match client.call(what, |reply| Request::Acquire {
        id,
        owner,
        hold: watched,
        reply,
    })? {
        Answer::Held(hold) => Ok(ManagedGuard {
            client: client.clone(),
            hold,
            _alive: alive,
        }),
        other => Err(unexpected(what, other)),
    }
}

/// A lock that lives in the manager's server (`manager.Lock()`); not re-entrant.
#[derive(Clone, Serialize, Deserialize)]
pub struct LockProxy {
    client: Client,
    id: u64,
}

impl LockProxy {
    /// Waits until the lock is free and takes it (`lock.acquire()`, `with lock:`); dropping the
    /// guard releases it. An error if the server is gone.
    pub fn acquire(&self) -> Result<ManagedGuard> {
        acquire(&self.client, self.id, "lock.acquire()")
    }
}

/// A re-entrant lock that lives in the manager's server (`manager.RLock()`): the thread holding
/// it may acquire it again; it is free once every guard is dropped.
#[derive(Clone, Serialize, Deserialize)]
pub struct RLockProxy {
    client: Client,
    id: u64,
}

impl RLockProxy {
    /// Waits until the lock is free or already ours, and takes it (`lock.acquire()`,
    /// `with lock:`); dropping the guard releases this hold. An error if the server is gone.
    pub fn acquire(&self) -> Result<ManagedGuard> {
        acquire(&self.client, self.id, "rlock.acquire()")
    }
}

/// A hold on a managed lock, released when dropped — or when its process dies.
pub struct ManagedGuard {
    client: Client,
    /// The number the server gave this acquisition.
    hold: u64,
    /// Closes when this process dies: the server then releases the lock (see the module docs).
    _alive: IpcSender<()>,
}

impl Drop for ManagedGuard {
    /// `lock.release()`: asks the server to release this acquisition and waits for its answer.
    /// A server that is gone has nothing left to release.
    fn drop(&mut self) {
        let hold = self.hold;
        let _ = self
            .client
            .call("lock.release()", |reply| Request::Release { hold, reply });
    }
}

macro_rules! proxy_debug {
    ($($proxy:ident: $typeid:literal),*) => {$(
        /// As Python prints a proxy: `<DictProxy object, typeid 'dict' id 1>`.
        impl fmt::Debug for $proxy {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{} object, typeid '{}' id {}>", stringify!($proxy), $typeid, self.id)
            }
        }
    )*};
}

proxy_debug!(DictProxy: "dict", ListProxy: "list", LockProxy: "Lock", RLockProxy: "RLock");

impl fmt::Debug for ManagedGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<held managed lock>")
    }
}

// ── The server ──────────────────────────────────────────────────────────────────────────────

/// The server process's target: makes its request channel, sends its sending end back through
/// `ready`, and serves until shut down or until every client is gone.
fn serve(ready: IpcSender<IpcSender<Request>>) {
    if let Err(e) = Server::run(ready) {
        eprintln!("manager server {}: {e}", std::process::id());
    }
}

enum Object {
    Dict(PyDict),
    List(PyList),
    Lock(LockState),
}

struct LockState {
    reentrant: bool,
    owner: Option<Owner>,
    /// The hold channels (their ids in the receiver set) of the owner's acquisitions.
    holds: Vec<u64>,
    waiting: VecDeque<Waiter>,
}

struct Waiter {
    owner: Owner,
    hold: u64,
    reply: IpcSender<Reply>,
}

struct Server {
    set: IpcReceiverSet,
    requests: u64,
    objects: HashMap<u64, Object>,
    /// hold channel → its lock
    holds: HashMap<u64, u64>,
    next_id: u64,
}

impl Server {
    fn run(ready: IpcSender<IpcSender<Request>>) -> Result<()> {
        let context = || "starting".to_string();
        let (requests_tx, requests) = ipc::channel::<Request>().context(context)?;
        let mut set = IpcReceiverSet::new().context(context)?;
        let requests = set.add(requests).context(context)?;
        // Our only sending end goes to the parent: when every client has dropped its copy, the
        // channel closes and we stop.
        ready.send(requests_tx).context(context)?;
        drop(ready);
        let mut server = Server {
            set,
            requests,
            objects: HashMap::new(),
            holds: HashMap::new(),
            next_id: 1,
        };
        loop {
            let events = server
                .set
                .select()
                .context(|| "waiting for requests".to_string())?;
            for event in events {
                match event {
                    IpcSelectionResult::MessageReceived(id, message) if id == server.requests => {
                        // A request that does not decode is a client's fault, not a reason to
                        // stop serving the others: said, and dropped.
                        match examples_processes::decode::<Request>(message) {
                            Ok(request) => {
                                if server.handle(request)? == Flow::Stop {
                                    return Ok(());
                                }
                            }
                            Err(e) => {
                                eprintln!("manager server {}: {e}: ignored", std::process::id())
                            }
                        }
                    }
                    IpcSelectionResult::ChannelClosed(id) if id == server.requests => {
                        return Ok(());
                    }
                    IpcSelectionResult::ChannelClosed(id) => server.release(id),
                    // Nobody sends on a hold channel.
                    IpcSelectionResult::MessageReceived(..) => {}
                }
            }
        }
    }

    fn handle(&mut self, request: Request) -> Result<Flow> {
        // A client that died before reading its answer is no reason to stop: ignore send errors.
        match request {
            Request::Create { kind, reply } => {
                let id = self.next_id;
                self.next_id += 1;
                let object = match kind {
                    Kind::Dict => Object::Dict(PyDict::new()),
                    Kind::List => Object::List(PyList::new()),
                    Kind::Lock | Kind::RLock => Object::Lock(LockState {
                        reentrant: kind == Kind::RLock,
                        owner: None,
                        holds: Vec::new(),
                        waiting: VecDeque::new(),
                    }),
                };
                self.objects.insert(id, object);
                let _ = reply.send(Ok(Answer::Id(id)));
            }
            Request::Dict { id, op, reply } => {
                let answer = match self.objects.get_mut(&id) {
                    Some(Object::Dict(dict)) => dict_op(dict, op),
                    _ => Err(format!("KeyError: no dict {id} in this manager")),
                };
                let _ = reply.send(answer);
            }
            Request::List { id, op, reply } => {
                let answer = match self.objects.get_mut(&id) {
                    Some(Object::List(list)) => list_op(list, op),
                    _ => Err(format!("KeyError: no list {id} in this manager")),
                };
                let _ = reply.send(answer);
            }
            Request::Acquire {
                id,
                owner,
                hold,
                reply,
            } => {
                let Some(Object::Lock(lock)) = self.objects.get_mut(&id) else {
                    let _ = reply.send(Err(format!("KeyError: no lock {id} in this manager")));
                    return Ok(Flow::Go);
                };
                let hold = self
                    .set
                    .add(hold)
                    .context(|| "watching a lock's holder".to_string())?;
                self.holds.insert(hold, id);
                let free = lock.owner.is_none();
                let ours = lock.reentrant && lock.owner == Some(owner);
                if free || ours {
                    lock.owner = Some(owner);
                    lock.holds.push(hold);
                    let _ = reply.send(Ok(Answer::Held(hold)));
                } else {
                    lock.waiting.push_back(Waiter { owner, hold, reply });
                }
            }
            Request::Release { hold, reply } => {
                self.release(hold);
                let _ = reply.send(Ok(Answer::Done));
            }
            Request::Shutdown { reply } => {
                let _ = reply.send(Ok(Answer::Done));
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Go)
    }

    /// Ends acquisition `hold` — released by its guard, or its process died (its hold channel
    /// closed) — or, if it is still waiting, withdraws it. Nothing if it has ended already: a
    /// released hold's channel closes later, when every copy of its sending end is gone.
    fn release(&mut self, hold: u64) {
        let Some(id) = self.holds.remove(&hold) else {
            return;
        };
        let Some(Object::Lock(lock)) = self.objects.get_mut(&id) else {
            return;
        };
        if let Some(at) = lock.holds.iter().position(|h| *h == hold) {
            lock.holds.swap_remove(at);
            if lock.holds.is_empty() {
                lock.owner = None;
                lock.grant_next();
            }
        } else {
            lock.waiting.retain(|w| w.hold != hold);
        }
    }
}

impl LockState {
    /// Gives the free lock to the first waiter still there to take it.
    fn grant_next(&mut self) {
        while let Some(waiter) = self.waiting.pop_front() {
            if waiter.reply.send(Ok(Answer::Held(waiter.hold))).is_ok() {
                self.owner = Some(waiter.owner);
                self.holds.push(waiter.hold);
                return;
            }
            // It died waiting; its hold channel's closing will find nothing to release.
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

fn dict_op(dict: &mut PyDict, op: DictOp) -> Reply {
    Ok(match op {
        DictOp::Set(key, value) => {
            dict.insert(key, value)?;
            Answer::Done
        }
        DictOp::Get(key) => Answer::Value(dict.get(&key).cloned()),
        DictOp::Len => Answer::Len(dict.len()),
        DictOp::Copy => Answer::Dict(dict.clone()),
    })
}

fn list_op(list: &mut PyList, op: ListOp) -> Reply {
    let position = |index: i64, len: usize| -> std::result::Result<usize, String> {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let at = if index < 0 { index + len } else { index };
        if (0..len).contains(&at) {
            Ok(at as usize)
        } else {
            Err("IndexError: list index out of range".to_string())
        }
    };
    Ok(match op {
        ListOp::Append(value) => {
            list.push(value);
            Answer::Done
        }
        ListOp::Get(index) => Answer::Value(Some(list[position(index, list.len())?].clone())),
        ListOp::Set(index, value) => {
            let at = position(index, list.len())?;
            list[at] = value;
            Answer::Done
        }
        ListOp::Len => Answer::Len(list.len()),
        ListOp::Copy => Answer::List(list.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_indexes_count_from_the_end_and_check_the_range() {
        let mut list = PyList(vec![1.into(), 2.into(), 3.into()]);
        assert!(matches!(
            list_op(&mut list, ListOp::Get(-1)),
            Ok(Answer::Value(Some(PyValue::Int(3))))
        ));
        assert_eq!(
            list_op(&mut list, ListOp::Get(3)).err().as_deref(),
            Some("IndexError: list index out of range")
        );
        assert!(list_op(&mut list, ListOp::Set(-3, 0.into())).is_ok());
        assert_eq!(list.to_string(), "[0, 2, 3]");
    }

    #[test]
    fn an_unhashable_key_is_a_type_error() {
        let mut dict = PyDict::new();
        let answer = dict_op(&mut dict, DictOp::Set(vec![1].into(), PyValue::None));
        assert_eq!(
            answer.err().as_deref(),
            Some("TypeError: unhashable type: 'list'")
        );
    }

    fn lock(reentrant: bool) -> LockState {
        LockState {
            reentrant,
            owner: None,
            holds: Vec::new(),
            waiting: VecDeque::new(),
        }
    }

    proptest::proptest! {
        /// What a hostile client may send the server: any bytes decode to a request or to an
        /// error.
        #[test]
        fn any_bytes_decode_to_a_request_or_an_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)
        ) {
            let message = |bytes: &[u8]| ipc_channel::ipc::IpcMessage::from_data(bytes.to_vec());
            let _ = examples_processes::decode::<Request>(message(&bytes));
            let _ = examples_processes::decode::<Reply>(message(&bytes));
        }
    }

    #[test]
    fn values_nested_too_deep_are_an_error_not_a_stack_overflow() {
        // PyValue::List (variant 5) holding a list of one item, a million times over.
        let bytes = [5u8, 1].repeat(1_000_000);
        let decoded = ipc_channel::ipc::IpcMessage::from_data(bytes).to::<PyValue>();
        assert!(decoded.is_err());
        // Within the bound it decodes.
        let mut bytes = [5u8, 1].repeat(crate::pyvalue::MAX_DEPTH - 1);
        bytes.extend([0u8]); // None
        let decoded = ipc_channel::ipc::IpcMessage::from_data(bytes).to::<PyValue>();
        assert!(decoded.is_ok(), "{decoded:?}");
    }

    #[test]
    fn a_dict_with_an_unhashable_or_repeated_key_does_not_decode() {
        // PyValue::Dict (variant 6), 1 entry: key a list (5, 0 items), value None (0).
        let unhashable = vec![6u8, 1, 5, 0, 0];
        assert!(
            ipc_channel::ipc::IpcMessage::from_data(unhashable)
                .to::<PyValue>()
                .is_err()
        );
        // 2 entries, both with the key 1 (variant 2, zigzag 2): Python keeps one.
        let twice = vec![6u8, 2, 2, 2, 0, 2, 2, 0];
        assert!(
            ipc_channel::ipc::IpcMessage::from_data(twice)
                .to::<PyValue>()
                .is_err()
        );
    }

    #[test]
    fn a_freed_lock_goes_to_the_first_waiter_still_alive() {
        let mut state = lock(false);
        let (gone_tx, gone_rx) = ipc::channel::<Reply>().expect("channel");
        drop(gone_rx);
        let (next_tx, next_rx) = ipc::channel::<Reply>().expect("channel");
        let a = Owner { pid: 1, thread: 1 };
        let b = Owner { pid: 2, thread: 1 };
        state.waiting.push_back(Waiter {
            owner: a,
            hold: 10,
            reply: gone_tx,
        });
        state.waiting.push_back(Waiter {
            owner: b,
            hold: 11,
            reply: next_tx,
        });
        state.grant_next();
        assert_eq!(state.owner, Some(b));
        assert_eq!(state.holds, vec![11]);
        assert!(matches!(next_rx.recv(), Ok(Ok(Answer::Held(11)))));
    }
}
