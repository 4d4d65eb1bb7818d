//! What both servers need beyond the snippet, behind two calls of their accept loop —
//! [`Server::start`] and [`Server::admit`] — and the end of each connection, [`Session::end`].
//!
//! The snippet's server runs until it is killed, takes every client that comes and keeps it as
//! long as it likes, and prints every byte it gets. A real server has limits, and the servers here
//! have three (see [`Limits`]): a maximum of connections at once — a client over it is told in
//! one line that the server is busy and is closed, and the log says so once per burst —, an idle
//! timeout per connection, and a maximum message size. They print through the
//! [`log`](mod@crate::log) (a bounded queue: printing never makes them wait), end each
//! connection's thread or task when its client goes (closes, resets, sends `Q`, stays quiet too
//! long, sends too much) and report it, and stop cleanly on Ctrl-C (SIGINT) or SIGTERM: no new
//! connections, every open one closed, every connection thread finished, exit code 0 — within a
//! second, whatever their output does.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use crate::cli::Limits;
use crate::log;
use pace::Report;

/// How long a stopping server waits for its log to be written out before it exits anyway (a
/// log nobody reads must not hold up the stop).
const LOG_FLUSH_WAIT: Duration = Duration::from_millis(250);

/// How a connection ended, when it ended without an IO error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The client sent `Q`; the server closed the connection.
    Quit,
    /// The client closed the connection: a read returned 0 bytes.
    Closed,
}

/// A server's bookkeeping around its accept loop: its limits, its open connections, the clients
/// it turned away, and (for the threaded server) the stop signals.
#[derive(Debug)]
pub struct Server {
    connections: Arc<Connections>,
    /// Clients refused since the last one admitted: the current burst.
    refused: Cell<u64>,
    stop: Option<StopSignal>,
}

impl Server {
    /// Starts what the threaded server needs beside its listener: the log, which says where
    /// the server listens, and the watch for Ctrl-C and SIGTERM, which wakes the `accept` the
    /// main thread waits in (see [`stopping`](Self::stopping)).
    pub fn start(sock: &TcpListener, limits: Limits) -> Result<Server, Report> {
        let addr = sock.local_addr()?;
        let stop = StopSignal::watch(addr)?;
        Server::started(addr, limits, Some(stop))
    }

    /// [`start`](Self::start) for the async server, which awaits the signals itself
    /// ([`stop_signal_async`]).
    pub fn start_async(sock: &tokio::net::TcpListener, limits: Limits) -> Result<Server, Report> {
        Server::started(sock.local_addr()?, limits, None)
    }

    fn started(
        addr: SocketAddr,
        limits: Limits,
        stop: Option<StopSignal>,
    ) -> Result<Server, Report> {
        log::start()?;
        crate::log!("{}", listening(addr, limits.max_connections));
        Ok(Server {
            connections: Arc::new(Connections::new(limits)),
            refused: Cell::new(0),
            stop,
        })
    }

    /// Whether a stop signal has come (the threaded server asks after each `accept`); the first
    /// time it has, says so.
    pub fn stopping(&self) -> bool {
        match self.stop.as_ref().and_then(StopSignal::seen) {
            Some(signal) => {
                crate::log!("收到 {signal}，服务端不再接受新连接");
                true
            }
            None => false,
        }
    }

    /// What the threaded server does with what `accept` returned: the connection to serve, with
    /// its [`Session`] — counted, its waits bounded by the idle timeout — or nothing: a failed
    /// `accept` (reported, and a pause before the next one when accepting again at once would
    /// only fail again), or a client over the limit, told in one line that the server is busy and
    /// closed.
    pub fn admit(
        &self,
        accepted: io::Result<(TcpStream, SocketAddr)>,
    ) -> Option<(TcpStream, Session)> {
        let (conn, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                thread::sleep(accept_failed(&e));
                return None;
            }
        };
        let session = self.check_in(
            peer,
            || {
                // A new socket's send buffer is empty: the line goes out at once; non-blocking
                // all the same, so that nothing can hold up the accept loop.
                let _ = conn.set_nonblocking(true);
                let _ = (&conn).write(busy(self.connections.limits.max_connections).as_bytes());
            },
            || {
                let idle = Some(self.connections.limits.idle_timeout);
                conn.set_read_timeout(idle)?;
                conn.set_write_timeout(idle)?;
                // A second handle on the socket, to close it when the server stops.
                conn.try_clone().map(Some)
            },
        )?;
        Some((conn, session))
    }

    /// [`admit`](Self::admit) for the async server: its tasks bound their waits themselves.
    pub async fn admit_async(
        &self,
        accepted: io::Result<(tokio::net::TcpStream, SocketAddr)>,
    ) -> Option<(tokio::net::TcpStream, Session)> {
        let (conn, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tokio::time::sleep(accept_failed(&e)).await;
                return None;
            }
        };
        let session = self.check_in(
            peer,
            || {
                let _ = conn.try_write(busy(self.connections.limits.max_connections).as_bytes());
            },
            || Ok(None),
        )?;
        Some((conn, session))
    }

    /// Counts the connection from `peer` in, or — at the limit — calls `refuse` and counts the
    /// refusal.
    fn check_in(
        &self,
        peer: SocketAddr,
        refuse: impl FnOnce(),
        prepare: impl FnOnce() -> io::Result<Option<TcpStream>>,
    ) -> Option<Session> {
        let max = self.connections.limits.max_connections;
        if self.connections.count() >= max {
            refuse();
            if self.refused.replace(self.refused.get() + 1) == 0 {
                crate::log!("连接数已到上限 {max}：服务端忙，新来的客户端被告知后断开");
            }
            return None;
        }
        let closer = match prepare() {
            Ok(closer) => closer,
            Err(e) => {
                log::error(format!("无法接待客户端 {peer}，关闭它的连接：{e}"));
                return None;
            }
        };
        self.end_burst();
        Some(self.connections.open(peer, closer))
    }

    /// Reports the clients refused since the last one admitted, if any were.
    fn end_burst(&self) {
        let refused = self.refused.replace(0);
        if refused > 0 {
            crate::log!("忙的这一阵共拒绝了 {refused} 个客户端");
        }
    }

    /// Closes every open connection — the threaded server shuts their sockets down, so that
    /// each thread's read or write returns at once; the async server drops its tasks — and says
    /// how many there were.
    pub fn close_all(&self) {
        self.end_burst();
        let open = self.connections.close_all();
        crate::log!("关闭 {open} 个仍然打开的连接");
    }

    /// Says that the server has stopped, and waits a moment for the log to be written out.
    pub fn stopped(self) {
        crate::log!("服务端已停止");
        log::finish(LOG_FLUSH_WAIT);
    }
}

/// The line a server prints once it listens: it names the address, `127.0.0.1:PORT`.
pub fn listening(addr: SocketAddr, max_connections: usize) -> String {
    format!(
        "服务端已启动，在 {addr} 上等待客户端连接（最多 {max_connections} 个连接；Ctrl-C 停止）"
    )
}

/// The line a client over the limit gets before the server closes its connection.
pub fn busy(max_connections: usize) -> String {
    format!("服务端忙：已有 {max_connections} 个连接，请稍后再试\n")
}

/// Reports a failed `accept` on stderr and says how long to pause before the next one: none
/// when a client gave up before it was accepted, a moment otherwise — out of file descriptors,
/// say, accepting again at once would only fail again at once.
fn accept_failed(error: &io::Error) -> Duration {
    log::error(format!("接受连接失败：{error}"));
    match error.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::Interrupted => Duration::ZERO,
        _ => Duration::from_millis(100),
    }
}

/// A server's open connections: how many there are, and — for the threaded server — a second
/// handle on each one's socket, to close them all when the server stops.
#[derive(Debug)]
struct Connections {
    open: Mutex<HashMap<u64, Option<TcpStream>>>,
    next_id: AtomicU64,
    closing: AtomicBool,
    limits: Limits,
}

/// One admitted connection: counted while it is open; [`end`](Self::end) says how it ended.
/// Dropped without `end` — its task aborted, its thread never started — it is uncounted all the
/// same.
#[derive(Debug)]
pub struct Session {
    id: u64,
    peer: SocketAddr,
    all: Arc<Connections>,
    /// [`end`](Self::end) has removed it and said how it ended.
    reported: bool,
}

impl Connections {
    fn new(limits: Limits) -> Self {
        Connections {
            open: Mutex::default(),
            next_id: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Option<TcpStream>>> {
        // A thread that panicked while holding the lock left the map whole: go on with it.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the connection from `peer` and says so, with how many are open.
    fn open(self: &Arc<Self>, peer: SocketAddr, closer: Option<TcpStream>) -> Session {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let count = {
            let mut open = self.lock();
            open.insert(id, closer);
            open.len()
        };
        crate::log!("客户端 {peer} 已连接（共 {count} 个连接）");
        Session {
            id,
            peer,
            all: Arc::clone(self),
            reported: false,
        }
    }

    fn count(&self) -> usize {
        self.lock().len()
    }

    /// Marks the server as closing its connections, and shuts down every socket it holds a
    /// second handle on, both ways: its reads return 0 and a blocked write fails, so its thread
    /// finishes. Returns how many connections are open.
    fn close_all(&self) -> usize {
        self.closing.store(true, Ordering::SeqCst);
        let open = self.lock();
        for socket in open.values().flatten() {
            // Already closed by the client: nothing left to do.
            let _ = socket.shutdown(Shutdown::Both);
        }
        open.len()
    }
}

impl Session {
    /// Removes the connection from the open ones and says how it ended and how many remain.
    pub fn end(mut self, how: io::Result<Ended>) {
        self.reported = true;
        let remaining = self.remove();
        let peer = self.peer;
        let limits = self.all.limits;
        match how {
            Ok(Ended::Quit) => {
                crate::log!("客户端 {peer} 发来 Q，关闭连接（还剩 {remaining} 个连接）")
            }
            // After close_all, the end of the stream (or a failed write) is our own doing.
            _ if self.all.closing.load(Ordering::SeqCst) => {
                crate::log!("服务端关闭了与客户端 {peer} 的连接（还剩 {remaining} 个连接）")
            }
            Ok(Ended::Closed) => {
                crate::log!("客户端 {peer} 断开了连接（还剩 {remaining} 个连接）")
            }
            // A read or write that waited longer than the idle timeout.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                let idle = limits.idle_timeout.as_secs_f64();
                crate::log!(
                    "客户端 {peer} 空闲超过 {idle} 秒，服务端关闭了连接（还剩 {remaining} 个连接）"
                )
            }
            // The decoder's refusal of a message over the limit.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                crate::log!("客户端 {peer} 的{e}，服务端关闭了连接（还剩 {remaining} 个连接）")
            }
            Err(e) => {
                crate::log!("与客户端 {peer} 的连接出错：{e}（还剩 {remaining} 个连接）")
            }
        }
    }

    /// Removes it from the open connections; how many remain.
    fn remove(&self) -> usize {
        let mut open = self.all.lock();
        open.remove(&self.id);
        open.len()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.reported {
            return;
        }
        let remaining = self.remove();
        let peer = self.peer;
        // Dropped unreported while the server closes its connections: the async server's way.
        if self.all.closing.load(Ordering::SeqCst) {
            crate::log!("服务端关闭了与客户端 {peer} 的连接（还剩 {remaining} 个连接）");
        } else {
            crate::log!("客户端 {peer} 没能得到服务，连接已关闭（还剩 {remaining} 个连接）");
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM for a server whose main thread blocks in `accept`.
///
/// From [`watch`](Self::watch) on, these signals no longer kill the process. A watcher thread
/// waits for the first one, notes it, and wakes the blocked `accept` by connecting to the
/// listener — again every 100 ms until the accept loop has [`seen`](Self::seen) it: a backlog
/// that happens to be full can drop one attempt. Dropping it stops the watcher.
#[derive(Debug)]
struct StopSignal {
    shared: Arc<Noted>,
    handle: Handle,
    watcher: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Noted {
    /// The signal received, 0 before.
    signal: AtomicI32,
    /// The accept loop has seen it (or the watch is being dropped): stop waking it.
    seen: AtomicBool,
}

impl StopSignal {
    /// Starts watching for SIGINT and SIGTERM on behalf of the listener at `addr`.
    fn watch(addr: SocketAddr) -> io::Result<Self> {
        let mut signals = Signals::new([SIGINT, SIGTERM])?;
        let handle = signals.handle();
        let shared = Arc::new(Noted::default());
        let noted = Arc::clone(&shared);
        let watcher = thread::Builder::new()
            .name("stop-signal".into())
            .spawn(move || {
                // `forever` ends without a signal when the StopSignal is dropped.
                if let Some(signal) = signals.forever().next() {
                    noted.signal.store(signal, Ordering::SeqCst);
                    while !noted.seen.load(Ordering::SeqCst) {
                        // If the accept loop cannot be reached now, the next round tries again.
                        let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(100));
                        for _ in 0..20 {
                            if noted.seen.load(Ordering::SeqCst) {
                                break;
                            }
                            thread::sleep(Duration::from_millis(5));
                        }
                    }
                }
            })?;
        Ok(StopSignal {
            shared,
            handle,
            watcher: Some(watcher),
        })
    }

    /// The signal that asked the server to stop, if one has; the watcher then stops waking the
    /// accept loop.
    fn seen(&self) -> Option<&'static str> {
        let signal = match self.shared.signal.load(Ordering::SeqCst) {
            0 => return None,
            SIGINT => "SIGINT",
            _ => "SIGTERM",
        };
        self.shared.seen.store(true, Ordering::SeqCst);
        Some(signal)
    }
}

impl Drop for StopSignal {
    fn drop(&mut self) {
        self.shared.seen.store(true, Ordering::SeqCst);
        self.handle.close();
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}

/// Ctrl-C (SIGINT) or SIGTERM for the async server: registered at once — a signal that comes
/// right after this returns is not missed — and awaited in the accept loop. Resolves to the
/// signal's name. Call it inside a tokio runtime with IO enabled.
pub fn stop_signal_async() -> io::Result<impl Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::Ipv4Addr;

    fn limits(max_connections: usize) -> Limits {
        Limits {
            max_connections,
            ..crate::cli::Flavor::Threaded.defaults()
        }
    }

    #[test]
    fn a_failed_accept_pauses_unless_the_client_gave_up_or_a_signal_came() {
        for gone in [
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::Interrupted,
        ] {
            assert_eq!(accept_failed(&gone.into()), Duration::ZERO, "{gone:?}");
        }
        // EMFILE: out of file descriptors — accepting again at once would fail again.
        let out_of_descriptors = io::Error::from_raw_os_error(24);
        assert_eq!(
            accept_failed(&out_of_descriptors),
            Duration::from_millis(100)
        );
    }

    /// The threads of this process with this name.
    fn threads_named(name: &str) -> usize {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter(|task| {
                        std::fs::read_to_string(task.path().join("comm"))
                            .is_ok_and(|comm| comm.trim() == name)
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    #[test]
    fn dropping_the_stop_signal_watch_ends_its_thread() -> io::Result<()> {
        // (No other test of this binary starts a watch.)
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        // A thread names itself once it runs, and leaves /proc a moment after it is joined.
        let becomes = |count: usize| {
            let until = std::time::Instant::now() + Duration::from_secs(10);
            while threads_named("stop-signal") != count && std::time::Instant::now() < until {
                thread::sleep(Duration::from_millis(1));
            }
            threads_named("stop-signal") == count
        };
        let watch = StopSignal::watch(listener.local_addr()?)?;
        assert!(becomes(1), "no watcher thread");
        assert_eq!(watch.seen(), None, "no signal came");
        drop(watch);
        assert!(
            becomes(0),
            "the watcher still runs 10 s after the watch was dropped"
        );
        Ok(())
    }

    #[test]
    fn counts_connections_and_closes_them_all() -> io::Result<()> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let mut client = TcpStream::connect(listener.local_addr()?)?;
        let (server_side, peer) = listener.accept()?;
        let connections = Arc::new(Connections::new(limits(10)));
        let first = connections.open(peer, Some(server_side.try_clone()?));
        let second = connections.open(peer, None);
        assert_eq!(connections.count(), 2);
        assert_eq!(connections.close_all(), 2);
        // The client sees the end of the stream: the server side was shut down.
        assert_eq!(client.read(&mut [0u8; 16])?, 0);
        first.end(Ok(Ended::Closed));
        assert_eq!(connections.count(), 1);
        // The one without a socket is closed by dropping it.
        drop(second);
        assert_eq!(connections.count(), 0);
        Ok(())
    }

    #[test]
    fn a_client_over_the_limit_is_told_the_server_is_busy() -> io::Result<()> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let server = Server {
            connections: Arc::new(Connections::new(limits(1))),
            refused: Cell::new(0),
            stop: None,
        };
        let first = TcpStream::connect(addr)?;
        let admitted = server.admit(listener.accept());
        assert!(admitted.is_some(), "the first is admitted");
        let mut second = TcpStream::connect(addr)?;
        assert!(
            server.admit(listener.accept()).is_none(),
            "the second is not"
        );
        let mut told = String::new();
        second.read_to_string(&mut told)?;
        assert_eq!(told, busy(1));
        assert_eq!(server.refused.get(), 1);
        // Once the first has gone, the next is admitted again and the burst is over.
        drop(admitted);
        drop(first);
        let _third = TcpStream::connect(addr)?;
        assert!(server.admit(listener.accept()).is_some(), "the third is");
        assert_eq!(server.refused.get(), 0);
        Ok(())
    }

    #[test]
    fn the_listening_line_names_the_address() {
        let line = listening(SocketAddr::from((Ipv4Addr::LOCALHOST, 4321)), 256);
        assert!(line.contains("127.0.0.1:4321"), "{line}");
    }
}
