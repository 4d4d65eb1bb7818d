//! The download workload of §3 (下载视频), with no internet.
//!
//! The notes' IO-bound example downloads videos. Here [`VideoServer`] plays the video site: a small
//! HTTP/1.1 server on `127.0.0.1` (a port the OS picks) that answers `GET /video/NAME` with a few
//! KiB of bytes after a fixed delay — the time a real download spends waiting on the network.
//! [`download`] is a blocking client ([`get`] takes a whole URL); [`request`] and
//! [`parse_response`] are the two halves of the protocol, for clients of other kinds (the async
//! examples).
//!
//! The server runs one thread per connection, like §11's server, and stops when dropped: it
//! closes every open connection — a client that connected and sent nothing included — and joins
//! every connection thread.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use nix::sys::socket::{self, Backlog, listen};

/// How many bytes one video has.
pub const VIDEO_BYTES: usize = 64 * 1024;

/// The bytes of the video called `name`: the same on every request.
pub fn video(name: &str) -> Vec<u8> {
    let line = format!("video {name}\n");
    line.bytes().cycle().take(VIDEO_BYTES).collect()
}

/// A local "video site": answers `GET /video/NAME` after `delay`.
#[derive(Debug)]
pub struct VideoServer {
    addr: SocketAddr,
    /// A second handle on the listening socket: shutting it down wakes the acceptor.
    listener: TcpListener,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the acceptor and the dropping server share.
#[derive(Debug, Default)]
struct State {
    /// The open connections (a clone of each socket, by id): to close them when the server
    /// stops. `stopping` is set under this lock, so a connection is either registered before the
    /// server closes them all, or not served at all.
    open: Mutex<HashMap<u64, TcpStream>>,
    stopping: AtomicBool,
}

impl State {
    fn open(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        // A connection thread that panicked left the map whole: go on with it.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long a connection may stay silent, or a client leave the answer unread, before the server
/// gives up on it. Dropping the server does not wait for that: it closes every connection.
pub const IDLE_LIMIT: Duration = Duration::from_secs(10);

impl VideoServer {
    /// Starts serving on `127.0.0.1`, on a port the OS picks; every response waits `delay`.
    pub fn start(delay: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        // std listens with a backlog of 128: a thousand downloads started at once (the
        // benchmarks do that) would overflow it, and the kernel would retry the rest a second
        // later. Listening again raises the backlog to the system's maximum.
        listen(&listener, Backlog::MAXCONN)?;
        let addr = listener.local_addr()?;
        let waker = listener.try_clone()?;
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let acceptor = thread::Builder::new()
            .name("video-server".into())
            .spawn(move || accept_loop(&listener, &shared, delay))?;
        Ok(VideoServer {
            addr,
            listener: waker,
            state,
            acceptor: Some(acceptor),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of the video `name`, for printing.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/video/{name}", self.addr)
    }
}

/// Accepts connections until the server stops, one thread each; returns once every connection's
/// thread has finished.
fn accept_loop(listener: &TcpListener, state: &State, delay: Duration) {
    // The scope joins every connection's thread before the acceptor ends.
    thread::scope(|scope| {
        for (id, stream) in (0u64..).zip(listener.incoming()) {
            let mut open = state.open();
            if state.stopping.load(Ordering::SeqCst) {
                break;
            }
            // A connection that failed to arrive is the client's problem, not ours; one we cannot
            // keep a handle on (out of file descriptors) is dropped: its client sees it closed.
            let Ok((stream, closer)) = stream.and_then(|s| Ok((s.try_clone()?, s))) else {
                continue;
            };
            open.insert(id, closer);
            drop(open);
            scope.spawn(move || {
                // A client that goes away mid-answer, or never asks, is not our problem either.
                let _ = serve(stream, delay);
                state.open().remove(&id);
            });
        }
    });
}

impl Drop for VideoServer {
    fn drop(&mut self) {
        {
            let open = self.state.open();
            self.state.stopping.store(true, Ordering::SeqCst);
            // A connection thread still waiting for its request (a client that connected and
            // sent nothing) reads the end of the stream at once; one writing fails.
            for stream in open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // Wake the blocked accept(): on Linux, shutting down a listening socket makes accept()
        // fail at once. Elsewhere, connect to it — which can fail (out of file descriptors, a
        // full backlog), and then the acceptor would never wake: don't wait for it then.
        let woken = socket::shutdown(self.listener.as_raw_fd(), socket::Shutdown::Both).is_ok()
            || TcpStream::connect(self.addr).is_ok();
        if let Some(acceptor) = self.acceptor.take()
            && woken
        {
            let _ = acceptor.join();
        }
    }
}

/// Answers one request on `stream`; gives up on a client silent for [`IDLE_LIMIT`].
fn serve(stream: TcpStream, delay: Duration) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_LIMIT))?;
    stream.set_write_timeout(Some(IDLE_LIMIT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    let request_line = String::from_utf8_lossy(&line).into_owned();
    // Skip the headers, up to the empty line.
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? <= 2 {
            break;
        }
    }
    let mut stream = stream;
    let path = request_line
        .strip_prefix("GET ")
        .and_then(|rest| rest.split_whitespace().next());
    match path.and_then(|p| p.strip_prefix("/video/")) {
        Some(name) if !name.is_empty() => {
            thread::sleep(delay);
            let body = video(name);
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body)?;
        }
        _ => {
            stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
        }
    }
    stream.shutdown(Shutdown::Write)
}

/// The request for `GET path`.
pub fn request(addr: SocketAddr, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// The body of a complete HTTP response, or an error saying what is wrong with it.
pub fn parse_response(response: &[u8]) -> io::Result<Vec<u8>> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("the response has no end of headers".into()))?;
    let head = String::from_utf8_lossy(&response[..end]);
    let status = head.lines().next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200") {
        return Err(invalid(format!("the server answered {status:?}")));
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse::<usize>().ok())
        .ok_or_else(|| invalid("the response has no Content-Length".into()))?;
    let body = &response[end + 4..];
    if body.len() != length {
        return Err(invalid(format!(
            "the body has {} bytes, the header promised {length}",
            body.len()
        )));
    }
    Ok(body.to_vec())
}

/// Downloads `path` from the server at `addr` (blocking): the body of its answer.
pub fn download(addr: SocketAddr, path: &str) -> io::Result<Vec<u8>> {
    download_pausing(addr, path, || {})
}

/// [`download`], calling `pause` once the request is sent (or sending it failed) and before the
/// answer is read: the download is in flight while `pause` runs. A caller that wants many
/// downloads in flight at one moment — to count threads then — waits on a barrier in `pause`.
pub fn download_pausing(addr: SocketAddr, path: &str, pause: impl FnOnce()) -> io::Result<Vec<u8>> {
    let sent = TcpStream::connect(addr).and_then(|mut stream| {
        stream.write_all(&request(addr, path))?;
        Ok(stream)
    });
    // Even a failed download pauses: whoever waits for it at a barrier is not left waiting.
    pause();
    let mut stream = sent?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    parse_response(&response)
}

/// Downloads `url` (blocking), given as [`VideoServer::url`] writes it: `http://IP:PORT/PATH`.
/// Python: `requests.get(url).content`.
pub fn get(url: &str) -> io::Result<Vec<u8>> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not an http://IP:PORT/PATH url: {url:?}"),
        )
    };
    let rest = url.strip_prefix("http://").ok_or_else(invalid)?;
    let (host, path) = rest.split_at(rest.find('/').ok_or_else(invalid)?);
    let addr: SocketAddr = host.parse().map_err(|_| invalid())?;
    download(addr, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn serves_a_video() -> io::Result<()> {
        let server = VideoServer::start(Duration::from_millis(50))?;
        let body = download(server.addr(), "/video/1")?;
        assert_eq!(body, video("1"));
        assert_eq!(body.len(), VIDEO_BYTES);
        Ok(())
    }

    #[test]
    fn a_paused_download_has_sent_its_request_and_read_nothing() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let mut paused = false;
        let body = download_pausing(server.addr(), "/video/p", || paused = true)?;
        assert!(paused);
        assert_eq!(body, video("p"));
        // A download that cannot even connect still pauses, then fails.
        let mut paused = false;
        let closed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?;
        assert!(download_pausing(closed, "/video/p", || paused = true).is_err());
        assert!(paused);
        Ok(())
    }

    #[test]
    fn dropping_it_closes_a_connection_that_never_sent_a_request() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let mut silent = TcpStream::connect(server.addr())?;
        // Once a download on another connection is answered, the silent one has been accepted
        // too (the acceptor takes connections in order) and its thread waits for a request.
        assert_eq!(download(server.addr(), "/video/after")?, video("after"));
        let (dropped, done) = mpsc::channel();
        let dropper = thread::spawn(move || {
            drop(server);
            let _ = dropped.send(());
        });
        // Well below IDLE_LIMIT: dropping must not wait for the silent client.
        let waited = done.recv_timeout(IDLE_LIMIT / 2);
        assert!(
            waited.is_ok(),
            "dropping the server waits for a client that sent nothing"
        );
        dropper.join().expect("the dropping thread");
        silent.set_read_timeout(Some(IDLE_LIMIT))?;
        let mut rest = Vec::new();
        silent.read_to_end(&mut rest)?;
        assert!(rest.is_empty(), "the silent client got {rest:?}");
        Ok(())
    }

    #[test]
    fn answers_404_to_other_paths_and_survives_garbage() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let error = download(server.addr(), "/nothing").expect_err("a 404");
        assert!(error.to_string().contains("404"), "{error}");
        let mut garbage = TcpStream::connect(server.addr())?;
        garbage.write_all(b"\xff\xfe not http\r\n\r\n")?;
        let mut answer = Vec::new();
        garbage.read_to_end(&mut answer)?;
        assert!(answer.starts_with(b"HTTP/1.1 404"));
        assert_eq!(download(server.addr(), "/video/x")?, video("x"));
        Ok(())
    }

    #[test]
    fn gets_a_url() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        assert_eq!(get(&server.url("v.mp4"))?, video("v.mp4"));
        for bad in [
            "ftp://x/y",
            "http://127.0.0.1:1",
            "http://not-an-ip/video/1",
        ] {
            let error = get(bad).expect_err("a bad url");
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad}: {error}");
        }
        Ok(())
    }

    #[test]
    fn rejects_a_cut_response() {
        let error =
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").expect_err("cut");
        assert!(error.to_string().contains("promised 10"), "{error}");
        assert!(parse_response(b"HTTP/1.1 200 OK").is_err());
    }

    #[test]
    fn many_downloads_at_once_then_stops_when_dropped() -> io::Result<()> {
        let server = VideoServer::start(Duration::from_millis(20))?;
        let addr = server.addr();
        let clients: Vec<_> = (0..50)
            .map(|i| thread::spawn(move || download(addr, &format!("/video/{i}"))))
            .collect();
        for (i, client) in clients.into_iter().enumerate() {
            assert_eq!(
                client.join().expect("client thread")?,
                video(&i.to_string())
            );
        }
        drop(server);
        assert!(
            TcpStream::connect(addr).is_err(),
            "still listening after drop"
        );
        Ok(())
    }
}
