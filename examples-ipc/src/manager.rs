//! `multiprocessing.Manager()`: a server process that holds objects, and proxies that other
//! processes use to change them.
//!
//! [`Manager::new`] starts the server: a real process, always started with the *spawn* method
//! (a fresh run of this executable through `examples_processes::init()`), so it is clean whatever
//! start method the program uses and holds nothing of its parent. It listens on a Unix socket —
//! as Python's server does — and sends back its *address* and a secret every client proves
//! itself with (Python's `authkey`). [`Manager::dict`], [`list`](Manager::list),
//! [`lock`](Manager::lock) and [`rlock`](Manager::rlock) ask it to create an object and return a
//! *proxy*: the object's number and a way to the server. The objects live only in the server;
//! every proxy call is a request answered by the server — a round trip.
//!
//! # Connections
//!
//! As Python's proxies do, a thread keeps one *connection* to each manager it calls, and every
//! call it makes to that manager — through any proxy — goes over it: the request one way, the
//! answer back, nothing created per call. The first call of a thread opens it: it makes two
//! pipes, connects to the server's socket and hands it the secret and the server's ends of the
//! pipes; the server serves each connection on a thread of its own (again as Python's server
//! does; `ps -T` shows them as `manager-conn-1`, `-2`…), which answers the requests in the order
//! they come. The connection closes when its thread ends — the server's thread for it ends then
//! too — or with its process. A message is its length and its bytes, over plain pipes rather
//! than ipc-channel's sockets: a round trip takes about half the time (this crate's `wire`
//! module; `cargo xtask bench`, question 6, measures both).
//!
//! The socket's address is in Linux's *abstract* namespace: no file to remove, and it is gone
//! the moment the server is. Anyone on the machine may connect to it; only a client that sends
//! the secret is served.
//!
//! Proxies are small serializable values — the address, the secret, the object's number, and the
//! sending end of a channel that keeps the server alive while a proxy exists: clone them and hand
//! them to forked or spawned children and to pool workers, as the notes pass `d` and `l` in
//! `args`. A process that receives a proxy opens its own connection on its first call. A
//! *forked* child starts with a copy of its parent's connections, which are not its own (both
//! would read the parent's answers): a connection belongs to the process that opened it, and a
//! child that calls opens its own and closes the copies. Objects stay in the server until it
//! stops (Python frees them when their last proxy goes; here they are few and short-lived).
//!
//! Faults become errors, not hangs: a call to a server that has died — killed, or shut down —
//! fails with [`Error::Disconnected`]: connecting is refused, sending fails, or the answer never
//! comes and the connection closes instead. That holds for a call under way when the server dies
//! too.
//!
//! # Locks
//!
//! An `acquire` that must wait is queued in the server and answered when its turn comes; the
//! connection's thread meanwhile waits for the next request, which cannot come before that
//! answer. Dropping the guard sends the server a release request and waits for its answer, as
//! Python's `release()` does.
//!
//! An acquisition belongs to the connection it was made on, and the guard keeps that connection
//! open (a duplicate of its requests' pipe end) as long as it lives, in whatever thread. That is the fallback
//! for a holder that *dies*: the kernel closes the connection, the server releases what was
//! acquired on it, and a worker killed inside `with lock:` does not leave the lock held forever
//! (in Python it does). The closing is not the release itself: a child forked while the lock is
//! held gets a copy of the connection, which keeps it open as long as the child lives — a holder
//! that dies leaves the lock held until such a child ends, too.
//!
//! An [`RLock`] (`RLockProxy`) may be acquired again by the thread that holds it; it is owned by
//! a (process, thread) pair, as Python's.
//!
//! [`RLock`]: RLockProxy

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufReader, PipeReader, PipeWriter, Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use examples_processes::{Process, StartMethod, target};
use ipc_channel::IpcError;
use ipc_channel::ipc::{self, IpcSender};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result, is_peer_gone};
use crate::pyvalue::{PyDict, PyList, PyValue};
use crate::wire::{self, ReadError};

/// How long [`Manager::shutdown`] waits for the server to confirm before killing it.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the server waits for a new connection's secret before closing it.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection reads at a time: a request or an answer usually arrives in one read.
const READ_BUFFER: usize = 16_384;

/// What the server answers: a value, or the message of the exception Python would raise.
type Reply = std::result::Result<Answer, String>;

/// What arrives on the server's control channel (every proxy holds its sending end: when the
/// last one is gone, the channel closes and the server stops).
#[derive(Debug, Serialize, Deserialize)]
enum Hello {
    /// Stop serving (`manager.shutdown()`).
    Shutdown { reply: IpcSender<Reply> },
}

/// What the server sends back once it listens.
#[derive(Serialize, Deserialize)]
struct Ready {
    control: IpcSender<Hello>,
    /// The socket's name in the abstract namespace.
    address: Vec<u8>,
    secret: u128,
}

/// A request on a connection; each gets one answer, in order.
#[derive(Debug, Serialize, Deserialize)]
enum Request {
    Create {
        kind: Kind,
    },
    Dict {
        id: u64,
        op: DictOp,
    },
    List {
        id: u64,
        op: ListOp,
    },
    /// Answered once the lock is ours, which may be much later.
    Acquire {
        id: u64,
        owner: Owner,
    },
    /// Release the acquisition with this number (see `Answer::Held`).
    Release {
        hold: u64,
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

/// A way to the server: its address and secret, and its control channel.
#[derive(Clone, Serialize, Deserialize)]
struct Client {
    control: IpcSender<Hello>,
    address: Vec<u8>,
    secret: u128,
    /// A random number that tells this manager from every other: the key of the connections
    /// to it.
    manager: u64,
}

/// One thread's connection to one manager's server.
struct Connection {
    manager: u64,
    /// The process that opened it: a forked child has a copy it must not use.
    pid: u32,
    requests: PipeWriter,
    replies: BufReader<PipeReader>,
    buffer: Vec<u8>,
}

thread_local! {
    /// This thread's connections, one per manager it has called.
    static CONNECTIONS: RefCell<Vec<Connection>> = const { RefCell::new(Vec::new()) };
}

impl Client {
    /// Sends `request` on this thread's connection to the server (opened if need be) and waits
    /// for the answer. `what` names the call in an error.
    fn call(&self, what: &str, request: Request) -> Result<Answer> {
        self.with_connection(what, |connection| connection.call(what, request))
    }

    /// Runs `f` on this thread's connection to the server, opened if need be. A connection that
    /// fails other than by the server's own answer is closed: the next call opens another.
    fn with_connection<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut f = Some(f);
        let cached = CONNECTIONS.try_with(|connections| {
            let mut connections = connections.try_borrow_mut().ok()?;
            let f = f.take()?;
            Some(self.with_cached(&mut connections, what, f))
        });
        match (cached, f) {
            (Ok(Some(result)), _) => result,
            // This thread is ending (its connections are gone already): a connection for this
            // call alone.
            (_, Some(f)) => f(&mut self.connect(what)?),
            (_, None) => Err(Error::Usage(format!("{what}: the request was lost"))),
        }
    }

    fn with_cached<T>(
        &self,
        connections: &mut Vec<Connection>,
        what: &str,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let pid = std::process::id();
        let at = match connections
            .iter()
            .position(|c| c.manager == self.manager && c.pid == pid)
        {
            Some(at) => at,
            None => {
                // Copies of the connections of the process this one was forked from are not
                // ours: close them; and those whose server has gone.
                connections.retain(|c| c.pid == pid && !wire::peer_gone(c.replies.get_ref()));
                connections.push(self.connect(what)?);
                connections.len() - 1
            }
        };
        let result = f(&mut connections[at]);
        if matches!(result, Err(ref e) if !matches!(e, Error::Server(_))) {
            // The connection may be out of step, or its server gone: the next call opens another.
            connections.swap_remove(at);
        }
        result
    }

    fn connect(&self, what: &str) -> Result<Connection> {
        let context = || format!("{what}: connecting to the manager's server");
        let address = SocketAddr::from_abstract_name(&self.address).context(context)?;
        let socket = UnixStream::connect_addr(&address).map_err(|e| transport(e, context))?;
        let (server_requests, requests) = std::io::pipe().context(context)?;
        let (replies, server_replies) = std::io::pipe().context(context)?;
        wire::send_with_pipes(&socket, self.secret, &server_requests, &server_replies)
            .map_err(|e| transport(e, context))?;
        // The server's ends are the server's alone now: when it dies, `replies` ends.
        drop((socket, server_requests, server_replies));
        Ok(Connection {
            manager: self.manager,
            pid: std::process::id(),
            requests,
            replies: BufReader::with_capacity(READ_BUFFER, replies),
            buffer: Vec::new(),
        })
    }
}

impl Connection {
    fn call(&mut self, what: &str, request: Request) -> Result<Answer> {
        let frame = wire::encode(&request).map_err(|e| Error::channel(what, e))?;
        self.requests
            .write_all(&frame)
            .map_err(|e| transport(e, || format!("{what}: asking the manager's server")))?;
        match wire::receive::<Reply>(&mut self.replies, &mut self.buffer) {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(exception)) => Err(Error::Server(exception)),
            Err(ReadError::Closed) => Err(Error::disconnected(format!(
                "{what}: waiting for the manager's server"
            ))),
            Err(e) => Err(Error::channel(format!("{what}: the manager's server"), e)),
        }
    }
}

/// An I/O error on a connection: the server gone, or what it is.
fn transport(e: io::Error, context: impl FnOnce() -> String) -> Error {
    if is_peer_gone(&e) {
        Error::disconnected(context())
    } else {
        Error::Io {
            context: context(),
            source: e,
        }
    }
}

/// A random number, different in every manager.
fn unique_key() -> u64 {
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
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
    server: Option<Process<(IpcSender<Ready>,)>>,
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
        let (ready_tx, ready) = ipc::channel::<Ready>().context(context)?;
        let mut server = Process::new(target!(serve), (ready_tx,))
            .name("SyncManager-1")
            .start_method(StartMethod::Spawn);
        server.start()?;
        match ready.recv() {
            Ok(Ready {
                control,
                address,
                secret,
            }) => Ok(Manager {
                client: Client {
                    control,
                    address,
                    secret,
                    manager: unique_key(),
                },
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
        match self.client.call(&what, Request::Create { kind })? {
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
    /// One that confirms and then does not end with exit code 0 is an error.
    pub fn shutdown(&mut self) -> Result<()> {
        let Some(mut server) = self.server.take() else {
            return Ok(());
        };
        // This thread's connection to the server, if any, is closed by the next connection it
        // opens, or when it ends (`with_cached` sweeps connections whose server is gone).
        let confirmed = (|| -> Result<bool> {
            let context = || "shutting down the manager's server".to_string();
            let (reply, answer) = ipc::channel::<Reply>().context(context)?;
            self.client
                .control
                .send(Hello::Shutdown { reply })
                .context(context)?;
            Ok(answer.try_recv_timeout(SHUTDOWN_TIMEOUT).is_ok())
        })();
        let confirmed = matches!(confirmed, Ok(true));
        if !confirmed {
            // Stuck, or gone already (then `kill` sends nothing): it must not outlive us.
            let _ = server.kill();
        }
        server.join()?;
        let code = server.exitcode();
        if confirmed && code != Some(0) {
            // Killed or failed after it had confirmed: said, as Python's would be.
            return Err(Error::Usage(format!(
                "the manager's server confirmed its shutdown, then ended with exit code {code:?}"
            )));
        }
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
        self.client.call(what, Request::Dict { id: self.id, op })
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
        self.client.call(what, Request::List { id: self.id, op })
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
    let owner = Owner::current();
    client.with_connection(what, |connection| {
        // Taken first: once the server has answered, the lock is ours and this must not fail.
        let alive = connection
            .requests
            .try_clone()
            .context(|| format!("{what}: keeping the connection open"))?;
        match connection.call(what, Request::Acquire { id, owner })? {
            Answer::Held(hold) => Ok(ManagedGuard {
                client: client.clone(),
                hold,
                _alive: alive,
            }),
            other => Err(unexpected(what, other)),
        }
    })
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
    /// The connection the lock was acquired on, kept open: it closes when this process dies,
    /// and the server then releases the lock (see the module docs).
    _alive: PipeWriter,
}

impl Drop for ManagedGuard {
    /// `lock.release()`: asks the server to release this acquisition and waits for its answer.
    /// A server that is gone has nothing left to release.
    fn drop(&mut self) {
        let _ = self
            .client
            .call("lock.release()", Request::Release { hold: self.hold });
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

/// The server process's target: listens, sends its address back through `ready`, and serves
/// until shut down or until every client is gone.
fn serve(ready: IpcSender<Ready>) {
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
    /// The owner's acquisitions (their numbers).
    holds: Vec<u64>,
    waiting: VecDeque<Waiter>,
}

struct Waiter {
    owner: Owner,
    hold: u64,
    /// Its connection's answering end.
    reply: Arc<PipeWriter>,
}

/// An acquisition, granted or waiting.
struct Hold {
    lock: u64,
    /// The connection it was made on: when that closes, the acquisition ends.
    connection: u64,
}

/// What the server holds, shared by its threads.
struct Objects {
    objects: HashMap<u64, Object>,
    /// acquisition number → its lock and connection
    holds: HashMap<u64, Hold>,
    next_id: u64,
    next_hold: u64,
}

type Shared = Arc<Mutex<Objects>>;

/// The objects, locked. A connection's thread that panicked while holding them left them as
/// they were between two requests: usable.
fn lock(shared: &Shared) -> MutexGuard<'_, Objects> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Server;

impl Server {
    /// The main thread: starts listening and the thread that takes connections, then waits on
    /// the control channel for `shutdown()` or for every client to be gone.
    fn run(ready: IpcSender<Ready>) -> Result<()> {
        let context = || "starting".to_string();
        let (control_tx, control) = ipc::channel::<Hello>().context(context)?;
        let mut secret = [0u8; 16];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut secret))
            .context(|| "making a secret from /dev/urandom".to_string())?;
        let secret = u128::from_le_bytes(secret);
        let name = format!(
            "examples-manager-{}-{:016x}",
            std::process::id(),
            unique_key()
        );
        let address = SocketAddr::from_abstract_name(name.as_bytes()).context(context)?;
        let listener = UnixListener::bind_addr(&address).context(context)?;
        let shared: Shared = Arc::new(Mutex::new(Objects {
            objects: HashMap::new(),
            holds: HashMap::new(),
            next_id: 1,
            next_hold: 1,
        }));
        thread::Builder::new()
            .name("manager-accept".to_string())
            .spawn(move || accept(listener, secret, shared))
            .context(context)?;
        // Our only sending end of the control channel goes to the parent: when every client has
        // dropped its copy, the channel closes and we stop.
        ready
            .send(Ready {
                control: control_tx,
                address: name.into_bytes(),
                secret,
            })
            .context(context)?;
        drop(ready);
        loop {
            // Bytes from another process: a message whose channel numbers do not match makes
            // ipc-channel panic, here a message that is ignored (as `examples_processes::decode`).
            match catch_unwind(AssertUnwindSafe(|| control.recv())) {
                Ok(Ok(Hello::Shutdown { reply })) => {
                    let _ = reply.send(Ok(Answer::Done));
                    return Ok(());
                }
                Ok(Err(IpcError::Disconnected)) => return Ok(()),
                Ok(Err(IpcError::Io(e))) => {
                    return Err(e).context(|| "waiting for a shutdown".to_string());
                }
                // A client's fault, not a reason to stop serving the others: said, and dropped.
                Ok(Err(IpcError::SerializationError(e))) => eprintln!(
                    "manager server {}: a control message that does not decode ({e}): ignored",
                    std::process::id()
                ),
                Err(_) => eprintln!(
                    "manager server {}: a control message whose channels do not match: ignored",
                    std::process::id()
                ),
            }
        }
    }
}

/// Takes connections off the listener, each to a thread of its own, until the process ends.
fn accept(listener: UnixListener, secret: u128, shared: Shared) {
    let mut connections = 0u64;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                connections += 1;
                let (number, shared) = (connections, Arc::clone(&shared));
                // `ps -T` shows it: one thread per connection, numbered.
                let started = thread::Builder::new()
                    .name(format!("manager-conn-{number}"))
                    .spawn(move || serve_connection(stream, secret, number, shared));
                if let Err(e) = started {
                    // The stream closes: the client's call fails, not hangs.
                    eprintln!(
                        "manager server {}: a connection refused: {e}",
                        std::process::id()
                    );
                }
            }
            Err(e) => {
                // Out of descriptors, say: the clients waiting will be taken when some are free.
                eprintln!(
                    "manager server {}: taking a connection: {e}",
                    std::process::id()
                );
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Serves one connection: takes its pipes if it proves the secret, then answers its requests in
/// order until the client goes; what was acquired on it and not released is then released.
fn serve_connection(socket: UnixStream, secret: u128, number: u64, shared: Shared) {
    // A peer that connects and says nothing is dropped after a while.
    if socket.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).is_err() {
        return;
    }
    let Some((proof, requests, replies)) = wire::receive_with_pipes(&socket) else {
        return;
    };
    drop(socket);
    if proof != secret {
        return;
    }
    let replies = Arc::new(replies);
    let mut requests = BufReader::with_capacity(READ_BUFFER, requests);
    let mut buffer = Vec::new();
    loop {
        let request = match wire::receive::<Request>(&mut requests, &mut buffer) {
            Ok(request) => request,
            // Its fault, and said to it: the caller waits for an answer; the stream is still in
            // step (the length was right).
            Err(ReadError::Decode(e)) => {
                if !answer(
                    &replies,
                    &Err(format!("a request that does not decode ({e})")),
                ) {
                    break;
                }
                continue;
            }
            // The client has gone (its thread or process ended), or the stream is out of step.
            Err(ReadError::Closed | ReadError::TooLong(_) | ReadError::Io(_)) => break,
        };
        if let Some(reply) = handle(request, &shared, &replies, number) {
            // A client that died before reading its answer closes the connection.
            if !answer(&replies, &reply) {
                break;
            }
        }
    }
    lock(&shared).release_connection(number);
}

/// Sends `reply` on a connection's answering end; false if the client is gone.
fn answer(mut replies: &PipeWriter, reply: &Reply) -> bool {
    let frame = wire::encode(reply).or_else(|e| wire::encode(&Reply::Err(e)));
    frame.is_ok_and(|frame| replies.write_all(&frame).is_ok())
}

/// Does what `request` asks; the answer, or `None` for an acquisition that waits (answered when
/// the lock comes free).
fn handle(
    request: Request,
    shared: &Shared,
    replies: &Arc<PipeWriter>,
    connection: u64,
) -> Option<Reply> {
    let mut objects = lock(shared);
    Some(match request {
        Request::Create { kind } => {
            let id = objects.next_id;
            objects.next_id += 1;
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
            objects.objects.insert(id, object);
            Ok(Answer::Id(id))
        }
        Request::Dict { id, op } => match objects.objects.get_mut(&id) {
            Some(Object::Dict(dict)) => dict_op(dict, op),
            _ => Err(format!("KeyError: no dict {id} in this manager")),
        },
        Request::List { id, op } => match objects.objects.get_mut(&id) {
            Some(Object::List(list)) => list_op(list, op),
            _ => Err(format!("KeyError: no list {id} in this manager")),
        },
        Request::Acquire { id, owner } => {
            let hold = objects.next_hold;
            objects.next_hold += 1;
            let Some(Object::Lock(lock)) = objects.objects.get_mut(&id) else {
                return Some(Err(format!("KeyError: no lock {id} in this manager")));
            };
            let free = lock.owner.is_none();
            let ours = lock.reentrant && lock.owner == Some(owner);
            let answer = if free || ours {
                lock.owner = Some(owner);
                lock.holds.push(hold);
                Some(Ok(Answer::Held(hold)))
            } else {
                lock.waiting.push_back(Waiter {
                    owner,
                    hold,
                    reply: Arc::clone(replies),
                });
                None
            };
            objects.holds.insert(
                hold,
                Hold {
                    lock: id,
                    connection,
                },
            );
            return answer;
        }
        Request::Release { hold } => {
            objects.release(hold);
            Ok(Answer::Done)
        }
    })
}

impl Objects {
    /// Ends acquisition `hold` — released by its guard, or its connection closed — or, if it is
    /// still waiting, withdraws it. Nothing if it has ended already.
    fn release(&mut self, hold: u64) {
        let Some(Hold { lock: id, .. }) = self.holds.remove(&hold) else {
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

    /// Ends every acquisition made on `connection`, which has closed: its holder is gone.
    fn release_connection(&mut self, connection: u64) {
        let ended: Vec<u64> = self
            .holds
            .iter()
            .filter(|(_, h)| h.connection == connection)
            .map(|(hold, _)| *hold)
            .collect();
        for hold in ended {
            self.release(hold);
        }
    }
}

impl LockState {
    /// Gives the free lock to the first waiter still there to take it.
    fn grant_next(&mut self) {
        while let Some(waiter) = self.waiting.pop_front() {
            if answer(&waiter.reply, &Ok(Answer::Held(waiter.hold))) {
                self.owner = Some(waiter.owner);
                self.holds.push(waiter.hold);
                return;
            }
            // It died waiting; its connection's closing will find nothing to release.
        }
    }
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
    use harness::within_10_s;

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
            let _ = wire::decode::<Request>(&bytes);
            let _ = wire::decode::<Reply>(&bytes);
            let message = ipc_channel::ipc::IpcMessage::from_data(bytes.to_vec());
            let _ = examples_processes::decode::<Hello>(message);
        }
    }

    #[test]
    fn values_nested_too_deep_are_an_error_not_a_stack_overflow() {
        // PyValue::List (variant 5) holding a list of one item, a million times over.
        let bytes = [5u8, 1].repeat(1_000_000);
        let decoded = wire::decode::<PyValue>(&bytes);
        assert!(decoded.is_err());
        // Within the bound it decodes.
        let mut bytes = [5u8, 1].repeat(crate::pyvalue::MAX_DEPTH - 1);
        bytes.extend([0u8]); // None
        let decoded = wire::decode::<PyValue>(&bytes);
        assert!(decoded.is_ok(), "{decoded:?}");
    }

    #[test]
    fn a_dict_with_an_unhashable_or_repeated_key_does_not_decode() {
        // PyValue::Dict (variant 6), 1 entry: key a list (5, 0 items), value None (0).
        let unhashable = vec![6u8, 1, 5, 0, 0];
        assert!(wire::decode::<PyValue>(&unhashable).is_err());
        // 2 entries, both with the key 1 (variant 2, zigzag 2): Python keeps one.
        let twice = vec![6u8, 2, 2, 2, 0, 2, 2, 0];
        assert!(wire::decode::<PyValue>(&twice).is_err());
    }

    /// A client's ends of a connection served by `serve_connection` on a thread, as the server
    /// serves one; `secret` is what the client sends, the server expects 42.
    fn served(
        shared: &Shared,
        number: u64,
        secret: u128,
    ) -> (PipeWriter, BufReader<PipeReader>, thread::JoinHandle<()>) {
        let (client, server) = UnixStream::pair().expect("socket pair");
        let (server_requests, requests) = std::io::pipe().expect("pipe");
        let (replies, server_replies) = std::io::pipe().expect("pipe");
        wire::send_with_pipes(&client, secret, &server_requests, &server_replies).expect("sent");
        drop((client, server_requests, server_replies));
        let shared = Arc::clone(shared);
        let thread = thread::spawn(move || serve_connection(server, 42, number, shared));
        (requests, BufReader::new(replies), thread)
    }

    fn ask(
        requests: &mut PipeWriter,
        replies: &mut BufReader<PipeReader>,
        request: &Request,
    ) -> Reply {
        requests
            .write_all(&wire::encode(request).expect("encodes"))
            .expect("sent");
        wire::receive::<Reply>(replies, &mut Vec::new()).expect("an answer")
    }

    fn objects() -> Shared {
        Arc::new(Mutex::new(Objects {
            objects: HashMap::new(),
            holds: HashMap::new(),
            next_id: 1,
            next_hold: 1,
        }))
    }

    #[test]
    fn a_request_that_does_not_decode_is_answered_with_an_error_and_the_next_is_served() {
        within_10_s(|| {
            let shared = objects();
            let (mut requests, mut replies, thread) = served(&shared, 1, 42);
            // A length of 2 and two bytes that are no request (variant 200).
            requests.write_all(&[2, 0, 0, 0, 200, 1]).expect("sent");
            let answer = wire::receive::<Reply>(&mut replies, &mut Vec::new()).expect("an answer");
            assert!(
                matches!(&answer, Err(e) if e.starts_with("a request that does not decode")),
                "{answer:?}"
            );
            let create = Request::Create { kind: Kind::Dict };
            assert!(matches!(
                ask(&mut requests, &mut replies, &create),
                Ok(Answer::Id(1))
            ));
            drop(requests);
            thread.join().expect("the connection's thread");
        });
    }

    #[test]
    fn a_wrong_secret_is_not_served() {
        within_10_s(|| {
            let shared = objects();
            let (mut requests, mut replies, thread) = served(&shared, 1, 7);
            thread.join().expect("the connection's thread");
            let _ = requests
                .write_all(&wire::encode(&Request::Create { kind: Kind::Dict }).expect("encodes"));
            assert!(matches!(
                wire::receive::<Reply>(&mut replies, &mut Vec::new()),
                Err(ReadError::Closed)
            ));
            assert!(super::lock(&shared).objects.is_empty());
        });
    }

    #[test]
    fn what_a_closed_connection_held_or_waited_for_is_released() {
        within_10_s(|| {
            let shared = objects();
            let (mut first, mut first_replies, first_thread) = served(&shared, 1, 42);
            let create = Request::Create { kind: Kind::Lock };
            let Ok(Answer::Id(id)) = ask(&mut first, &mut first_replies, &create) else {
                panic!("no lock made");
            };
            let owner = |thread| Owner { pid: 1, thread };
            let acquire = |thread| Request::Acquire {
                id,
                owner: owner(thread),
            };
            assert!(matches!(
                ask(&mut first, &mut first_replies, &acquire(1)),
                Ok(Answer::Held(_))
            ));
            // A second connection waits for it, a third queues behind and goes away.
            let (mut second, mut second_replies, second_thread) = served(&shared, 2, 42);
            let (mut third, third_replies, third_thread) = served(&shared, 3, 42);
            for (requests, thread) in [(&mut second, 2), (&mut third, 3)] {
                requests
                    .write_all(&wire::encode(&acquire(thread)).expect("encodes"))
                    .expect("sent");
            }
            let waiting = || match super::lock(&shared).objects.get(&id) {
                Some(Object::Lock(lock)) => lock.waiting.len(),
                _ => usize::MAX,
            };
            let until = std::time::Instant::now() + Duration::from_secs(10);
            while waiting() < 2 {
                assert!(
                    std::time::Instant::now() < until,
                    "the two acquisitions never queued"
                );
                thread::yield_now();
            }
            drop((third, third_replies));
            third_thread.join().expect("the third connection's thread");
            assert_eq!(
                waiting(),
                1,
                "the third connection's acquisition was not withdrawn"
            );
            // The holder's connection closes without a release: the lock goes to the second.
            drop((first, first_replies));
            first_thread.join().expect("the first connection's thread");
            let answer = wire::receive::<Reply>(&mut second_replies, &mut Vec::new());
            assert!(matches!(answer, Ok(Ok(Answer::Held(_)))), "{answer:?}");
            drop(second);
            second_thread
                .join()
                .expect("the second connection's thread");
            assert!(
                super::lock(&shared).holds.is_empty(),
                "holds left after every connection closed"
            );
        });
    }

    #[test]
    fn a_freed_lock_goes_to_the_first_waiter_still_alive() {
        let mut state = lock(false);
        let (gone_rx, gone_tx) = std::io::pipe().expect("pipe");
        drop(gone_rx);
        let (next_rx, next_tx) = std::io::pipe().expect("pipe");
        let a = Owner { pid: 1, thread: 1 };
        let b = Owner { pid: 2, thread: 1 };
        state.waiting.push_back(Waiter {
            owner: a,
            hold: 10,
            reply: Arc::new(gone_tx),
        });
        state.waiting.push_back(Waiter {
            owner: b,
            hold: 11,
            reply: Arc::new(next_tx),
        });
        state.grant_next();
        assert_eq!(state.owner, Some(b));
        assert_eq!(state.holds, vec![11]);
        let mut reader = BufReader::new(next_rx);
        let answer = wire::receive::<Reply>(&mut reader, &mut Vec::new());
        assert!(matches!(answer, Ok(Ok(Answer::Held(11)))), "{answer:?}");
    }
}
