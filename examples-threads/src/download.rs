//! The download workload of §3 (下载视频), with no internet.
//!
//! The notes' IO-bound example downloads videos. Here [`VideoServer`] plays the video site: a small
//! HTTP/1.1 server on `127.0.0.1` (a port the OS picks) that answers `GET /video/NAME` with a few
//! KiB of bytes after a fixed delay — the time a real download spends waiting on the network.
//! [`download`] is a blocking client ([`get`] takes a whole URL); [`request`] and [`parse_response`] are the two halves of
//! the protocol, for clients of other kinds (the async examples).
//!
//! The server runs one thread per connection, like §11's server, and stops — joining every
//! connection thread — when dropped.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use nix::sys::socket::{Backlog, listen};

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
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl VideoServer {
    /// Starts serving on `127.0.0.1`, on a port the OS picks; every response waits `delay`.
    pub fn start(delay: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        // std listens with a backlog of 128: a thousand downloads started at once (the
        // benchmarks do that) would overflow it, and the kernel would retry the rest a second
        // later. Listening again raises the backlog to the system's maximum.
        listen(&listener, Backlog::MAXCONN)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let acceptor = thread::Builder::new()
            .name("video-server".into())
            .spawn(move || {
                // The scope joins every connection's thread before the server is gone.
                thread::scope(|scope| {
                    for stream in listener.incoming() {
                        if stopping.load(Ordering::SeqCst) {
                            break;
                        }
                        // A connection that failed to arrive is the client's problem, not ours.
                        if let Ok(stream) = stream {
                            scope.spawn(move || {
                                // A client that goes away mid-answer is not our problem either.
                                let _ = serve(stream, delay);
                            });
                        }
                    }
                });
            })?;
        Ok(VideoServer {
            addr,
            stop,
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

impl Drop for VideoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked accept() so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Answers one request on `stream`.
fn serve(stream: TcpStream, delay: Duration) -> io::Result<()> {
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
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(&request(addr, path))?;
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
    use std::time::Instant;

    #[test]
    fn serves_a_video_after_the_delay() -> io::Result<()> {
        let server = VideoServer::start(Duration::from_millis(50))?;
        let started = Instant::now();
        let body = download(server.addr(), "/video/1")?;
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(body, video("1"));
        assert_eq!(body.len(), VIDEO_BYTES);
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
