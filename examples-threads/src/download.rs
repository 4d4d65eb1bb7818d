//! The download workload of §3 (下载视频), with no internet: the videos, the network's delay, and
//! a local video site to download them from.
//!
//! The notes' IO-bound example downloads videos from a website. Here [`VideoServer`] plays that
//! website: an HTTP server on `127.0.0.1` (a port the OS picks) that answers `GET /video/NAME`
//! with [`VIDEO_BYTES`] bytes ([`video`]) after a fixed delay — the time a real download spends
//! waiting on the network — and any other request with `404 Not Found`. The examples download
//! from it with ordinary HTTP clients: `ureq` on threads (Python's `requests`), hyper on tokio
//! tasks (`examples_async::fetch`, Python's `aiohttp`).
//!
//! The site stands for another computer, so it is built from a maintained HTTP server, hyper, on
//! its own thread named [`SITE_THREAD`], where a single-threaded tokio runtime serves every
//! connection as a task: a thousand downloads at once (the benchmarks do that) cost the site no
//! thread. Dropping the server stops it: the runtime is dropped with every connection it holds
//! open — a client that connected and sent nothing included — and its thread is joined.
//!
//! ```
//! use examples_threads::download::{VideoServer, video};
//! use std::time::Duration;
//!
//! let site = VideoServer::start(Duration::from_millis(10))?;
//! let content = ureq::get(site.url("a.mp4")).call()?.body_mut().read_to_vec()?;
//! assert_eq!(content, video("a.mp4"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;

/// How many bytes one video has.
pub const VIDEO_BYTES: usize = 64 * 1024;

/// How long the site waits before it answers, at time scale 1: the network's part of a download.
/// The examples scale it with `pace::scaled`.
pub const NETWORK_DELAY: Duration = Duration::from_secs(1);

/// The name of the site's thread.
pub const SITE_THREAD: &str = "video-server";

/// The names of `count` videos: `video-1.mp4`, `video-2.mp4`, …
pub fn video_names(count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("video-{i}.mp4")).collect()
}

/// The bytes of the video called `name`: the same on every request.
pub fn video(name: &str) -> Vec<u8> {
    let line = format!("video {name}\n");
    line.bytes().cycle().take(VIDEO_BYTES).collect()
}

/// How many connections may wait to be accepted. std and tokio listen with a backlog of 128 and
/// 1024; a thousand downloads started at once would overflow those, and the kernel would retry
/// the rest a second later. (The kernel caps it at `net.core.somaxconn`.)
const BACKLOG: u32 = 4096;

/// A local "video site": answers `GET /video/NAME` after a delay. Stops when dropped.
#[derive(Debug)]
pub struct VideoServer {
    addr: SocketAddr,
    /// Dropping it tells the site to stop.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl VideoServer {
    /// Starts serving on `127.0.0.1`, on a port the OS picks; every video is sent `delay` after
    /// it was asked for.
    pub fn start(delay: Duration) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .thread_name(SITE_THREAD)
            .build()?;
        let listener = {
            // The listening socket belongs to the runtime that will serve it.
            let _in_runtime = runtime.enter();
            let socket = TcpSocket::new_v4()?;
            socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
            socket.listen(BACKLOG)?
        };
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let thread = thread::Builder::new()
            .name(SITE_THREAD.into())
            // When `serve` returns, the runtime is dropped here, on the site's own thread, with
            // every connection task and socket it still holds.
            .spawn(move || runtime.block_on(serve(listener, delay, stopped)))?;
        Ok(VideoServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of the video `name`: `http://127.0.0.1:PORT/video/NAME`.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/video/{name}", self.addr)
    }
}

impl Drop for VideoServer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // The site's thread only runs the code above and hyper: it does not panic.
            let _ = thread.join();
        }
    }
}

/// Accepts connections until `stop` fires (or its sender is dropped), each served by a task of
/// its own.
async fn serve(listener: TcpListener, delay: Duration, mut stop: oneshot::Receiver<()>) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, delay));
                    // A client that goes away mid-answer is not the site's problem.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            // Out of file descriptors, say: the client sees its connection refused or reset.
            // Wait a moment instead of spinning on the same error.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// The site's answer to one request.
async fn answer(
    request: Request<Incoming>,
    delay: Duration,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let name = request
        .uri()
        .path()
        .strip_prefix("/video/")
        .filter(|name| !name.is_empty() && request.method() == Method::GET);
    let Some(name) = name else {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Ok(response);
    };
    tokio::time::sleep(delay).await;
    let mut response = Response::new(Full::new(Bytes::from(video(name))));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{Shutdown, TcpStream};
    use std::sync::mpsc;
    use std::time::Instant;

    fn get(url: &str) -> Result<Vec<u8>, ureq::Error> {
        ureq::get(url).call()?.body_mut().read_to_vec()
    }

    #[test]
    fn serves_a_video_after_the_delay() -> Result<(), ureq::Error> {
        let delay = Duration::from_millis(50);
        let server = VideoServer::start(delay)?;
        let started = Instant::now();
        let body = get(&server.url("1"))?;
        assert!(started.elapsed() >= delay);
        assert_eq!(body, video("1"));
        assert_eq!(body.len(), VIDEO_BYTES);
        Ok(())
    }

    #[test]
    fn other_paths_are_404_and_garbage_does_not_stop_it() -> Result<(), Box<dyn std::error::Error>>
    {
        let server = VideoServer::start(Duration::ZERO)?;
        for path in ["/nothing", "/video/", "/"] {
            let url = format!("http://{}{path}", server.addr());
            match get(&url) {
                Err(ureq::Error::StatusCode(404)) => {}
                other => panic!("{url}: {other:?}"),
            }
        }
        let mut garbage = TcpStream::connect(server.addr())?;
        std::io::Write::write_all(&mut garbage, b"\xff\xfe not http\r\n\r\n")?;
        garbage.shutdown(Shutdown::Write)?;
        // The site answers it as it sees fit and closes the connection.
        garbage.read_to_end(&mut Vec::new())?;
        assert_eq!(get(&server.url("x"))?, video("x"));
        Ok(())
    }

    #[test]
    fn dropping_it_closes_a_connection_that_never_sent_a_request() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let mut silent = TcpStream::connect(server.addr())?;
        // Once a download on another connection is answered, the site has accepted the silent
        // one too (it accepts in order) and serves it, waiting for a request.
        assert_eq!(
            get(&server.url("after")).map_err(io::Error::other)?,
            video("after")
        );
        let (dropped, done) = mpsc::channel();
        let dropper = thread::spawn(move || {
            drop(server);
            let _ = dropped.send(());
        });
        let waited = done.recv_timeout(Duration::from_secs(10));
        assert!(
            waited.is_ok(),
            "dropping the site waits for a silent client"
        );
        dropper.join().expect("the dropping thread");
        silent.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut rest = Vec::new();
        silent.read_to_end(&mut rest)?;
        assert!(rest.is_empty(), "the silent client got {rest:?}");
        Ok(())
    }

    #[test]
    fn dropping_it_mid_answer_ends_the_download_with_an_error() -> io::Result<()> {
        let server = VideoServer::start(Duration::from_secs(60))?;
        let url = server.url("slow");
        let client = thread::spawn(move || get(&url));
        // Wait until the download's connection is established (its answer is 60 s away), then
        // drop the site under it.
        let until = Instant::now() + Duration::from_secs(10);
        while established_to(server.addr().port()) == 0 && Instant::now() < until {
            thread::sleep(Duration::from_millis(5));
        }
        drop(server);
        let result = client.join().expect("the client thread");
        assert!(result.is_err(), "{result:?}");
        Ok(())
    }

    /// How many established TCP connections to `port` this machine has (Linux: /proc/net/tcp).
    fn established_to(port: u16) -> usize {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let local = format!(":{port:04X}");
        // sl local_address rem_address st …; st 01 is ESTABLISHED.
        table
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() > 3 && f[1].ends_with(&local) && f[3] == "01")
            .count()
    }

    #[test]
    fn a_site_that_is_gone_is_an_error() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let url = server.url("1");
        drop(server);
        assert!(matches!(get(&url), Err(ureq::Error::Io(_))));
        Ok(())
    }

    #[test]
    fn many_downloads_at_once_then_it_stops() -> io::Result<()> {
        let server = VideoServer::start(Duration::from_millis(20))?;
        let addr = server.addr();
        let clients: Vec<_> = (0..50)
            .map(|i| {
                let url = server.url(&i.to_string());
                thread::spawn(move || get(&url))
            })
            .collect();
        for (i, client) in clients.into_iter().enumerate() {
            let body = client
                .join()
                .expect("client thread")
                .map_err(io::Error::other)?;
            assert_eq!(body, video(&i.to_string()));
        }
        drop(server);
        assert!(
            TcpStream::connect(addr).is_err(),
            "still listening after drop"
        );
        Ok(())
    }

    #[test]
    fn names_the_videos() {
        assert_eq!(video_names(2), ["video-1.mp4", "video-2.mp4"]);
    }
}
