//! What both servers need beyond the snippet: a listener with a clear error, the open
//! connections — counted, and closed when the server stops — and the stop itself, on Ctrl-C
//! (SIGINT) or SIGTERM.
//!
//! The snippet's server runs until it is killed, and a client that goes away makes its thread
//! spin on empty reads. The servers here end each connection's thread when its client goes
//! (closes, resets, or sends `Q`), report it, and stop cleanly on a signal: no new connections,
//! every open one closed, every connection thread finished, exit code 0.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use crate::cli::{Failure, listen_failed};

/// Listens on 127.0.0.1:`port` (0: a free port the OS picks) — `bind` and `listen` in one.
pub fn listen(port: u16) -> Result<TcpListener, Failure> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| listen_failed(port, e))
}

/// [`listen`] for tokio.
pub async fn listen_async(port: u16) -> Result<tokio::net::TcpListener, Failure> {
    tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|e| listen_failed(port, e))
}

/// The line a server prints once it listens: it names the address, `127.0.0.1:PORT`.
pub fn listening(addr: SocketAddr) -> String {
    format!("服务端已启动，在 {addr} 上等待客户端连接（Ctrl-C 停止）")
}

/// Reports a failed `accept` on stderr and says how long to pause before the next one: none
/// when a client gave up before it was accepted, a moment otherwise — out of file descriptors,
/// say, accepting again at once would only fail again at once.
pub fn accept_failed(error: &io::Error) -> Duration {
    eprintln!("接受连接失败：{error}");
    match error.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::Interrupted => Duration::ZERO,
        _ => Duration::from_millis(100),
    }
}

/// How a connection ended, when it ended without an IO error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The client sent `Q`; the server closed the connection.
    Quit,
    /// The client closed the connection: a read returned 0 bytes.
    Closed,
}

/// A server's open connections: how many there are, and — for the threaded server — a clone
/// of each one's socket, to close them all when the server stops.
#[derive(Debug, Default)]
pub struct Connections {
    open: Mutex<HashMap<u64, Option<TcpStream>>>,
    next_id: AtomicU64,
    closing: AtomicBool,
}

/// One open connection of [`Connections`]; dropping it removes it (and, once the server is
/// closing its connections, says that the server closed it).
#[derive(Debug)]
pub struct Connection {
    id: u64,
    peer: SocketAddr,
    all: Arc<Connections>,
    /// [`close`](Self::close) has removed it and said how it ended.
    reported: bool,
}

impl Connections {
    /// No connections yet.
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Option<TcpStream>>> {
        // A thread that panicked while holding the lock left the map whole: go on with it.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the connection from `peer` and prints `客户端 PEER 已连接（共 N 个连接）`. With
    /// `socket`, [`close_all`](Self::close_all) can close it (through a clone of the socket:
    /// that can fail, when the process is out of file descriptors).
    pub fn open(
        self: &Arc<Self>,
        peer: SocketAddr,
        socket: Option<&TcpStream>,
    ) -> io::Result<Connection> {
        let closer = socket.map(TcpStream::try_clone).transpose()?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let count = {
            let mut open = self.lock();
            open.insert(id, closer);
            open.len()
        };
        println!("客户端 {peer} 已连接（共 {count} 个连接）");
        Ok(Connection {
            id,
            peer,
            all: Arc::clone(self),
            reported: false,
        })
    }

    /// How many connections are open.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Marks the server as closing its connections, and shuts down the socket of every open
    /// connection that has a closer, both ways: its reads return 0 and a blocked write fails, so
    /// its thread finishes. Returns how many sockets it shut down. (A connection without a closer
    /// is closed by dropping it: its [`Connection`] then says that the server closed it.)
    pub fn close_all(&self) -> usize {
        self.closing.store(true, Ordering::SeqCst);
        let open = self.lock();
        let mut closed = 0;
        for socket in open.values().flatten() {
            // Already closed by the client: nothing left to do.
            let _ = socket.shutdown(Shutdown::Both);
            closed += 1;
        }
        closed
    }
}

impl Connection {
    /// Removes the connection and prints how it ended and how many remain open.
    pub fn close(mut self, how: io::Result<Ended>) {
        self.reported = true;
        let remaining = self.remove();
        let peer = self.peer;
        match how {
            Ok(Ended::Quit) => {
                println!("客户端 {peer} 发来 Q，关闭连接（还剩 {remaining} 个连接）")
            }
            // After close_all, the end of the stream (or a failed write) is our own doing.
            _ if self.all.closing.load(Ordering::SeqCst) => {
                println!("服务端关闭了与客户端 {peer} 的连接（还剩 {remaining} 个连接）")
            }
            Ok(Ended::Closed) => println!("客户端 {peer} 断开了连接（还剩 {remaining} 个连接）"),
            Err(e) => println!("与客户端 {peer} 的连接出错：{e}（还剩 {remaining} 个连接）"),
        }
    }
}

impl Connection {
    /// Removes it from the open connections; how many remain.
    fn remove(&self) -> usize {
        let mut open = self.all.lock();
        open.remove(&self.id);
        open.len()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.reported {
            return;
        }
        let remaining = self.remove();
        // Dropped unreported while the server closes its connections: the async server's way.
        if self.all.closing.load(Ordering::SeqCst) {
            let peer = self.peer;
            println!("服务端关闭了与客户端 {peer} 的连接（还剩 {remaining} 个连接）");
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM for a server whose main thread blocks in `accept`.
///
/// From [`watch`](Self::watch) on, these signals no longer kill the process. A watcher thread
/// waits for the first one, notes it, and wakes the blocked `accept` by connecting to the
/// listener; the accept loop then sees [`received`](Self::received) and stops. Dropping it stops
/// the watcher.
#[derive(Debug)]
pub struct StopSignal {
    received: Arc<AtomicI32>,
    handle: Handle,
    watcher: Option<JoinHandle<()>>,
}

impl StopSignal {
    /// Starts watching for SIGINT and SIGTERM on behalf of `listener`.
    pub fn watch(listener: &TcpListener) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let mut signals = Signals::new([SIGINT, SIGTERM])?;
        let handle = signals.handle();
        let received = Arc::new(AtomicI32::new(0));
        let noted = Arc::clone(&received);
        let watcher = thread::Builder::new()
            .name("stop-signal".into())
            .spawn(move || {
                // `forever` ends without a signal when the StopSignal is dropped.
                if let Some(signal) = signals.forever().next() {
                    noted.store(signal, Ordering::SeqCst);
                    // Wake the accept loop; if it cannot be reached it is not waiting anyway.
                    let _ = TcpStream::connect(addr);
                }
            })?;
        Ok(StopSignal {
            received,
            handle,
            watcher: Some(watcher),
        })
    }

    /// The signal that asked the server to stop, if one has.
    pub fn received(&self) -> Option<&'static str> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            SIGINT => Some("SIGINT"),
            _ => Some("SIGTERM"),
        }
    }
}

impl Drop for StopSignal {
    fn drop(&mut self) {
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

    #[test]
    fn counts_connections_and_closes_them_all() -> io::Result<()> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let mut client = TcpStream::connect(listener.local_addr()?)?;
        let (server_side, peer) = listener.accept()?;
        let connections = Connections::new();
        let first = connections.open(peer, Some(&server_side))?;
        let second = connections.open(peer, None)?;
        assert_eq!(connections.count(), 2);
        assert_eq!(connections.close_all(), 1);
        // The client sees the end of the stream: the server side was shut down.
        assert_eq!(client.read(&mut [0u8; 16])?, 0);
        first.close(Ok(Ended::Closed));
        assert_eq!(connections.count(), 1);
        // The one without a socket is closed by dropping it.
        drop(second);
        assert_eq!(connections.count(), 0);
        Ok(())
    }

    #[test]
    fn a_port_in_use_is_a_failure_that_names_it() -> io::Result<()> {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = taken.local_addr()?.port();
        let error = listen(port).expect_err("the port is taken");
        assert!(
            error.to_string().contains(&format!("端口 {port} 已被占用")),
            "{error}"
        );
        Ok(())
    }

    #[test]
    fn the_listening_line_names_the_address() {
        let line = listening(SocketAddr::from((Ipv4Addr::LOCALHOST, 4321)));
        assert!(line.contains("127.0.0.1:4321"), "{line}");
    }
}
