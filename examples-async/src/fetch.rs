//! The download workload of §3 (下载视频), fetched by async tasks.
//!
//! [`download`] is the async twin of [`examples_threads::download::download`]: the same request
//! and the same checks on the response ([`request`], [`parse_response`]), but every wait — the
//! connect, the write, the read — is an `.await` that hands the thread back to the runtime, so
//! that one thread can keep many downloads waiting at once. [`download_pausing`] lets its caller
//! wait while the request is sent and the answer not yet read.

use std::io;
use std::net::SocketAddr;

use examples_threads::download::{parse_response, request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Downloads `path` from the [`VideoServer`](examples_threads::download::VideoServer) at `addr`:
/// the body of its answer. Needs a tokio runtime with IO enabled.
pub async fn download(addr: SocketAddr, path: &str) -> io::Result<Vec<u8>> {
    download_pausing(addr, path, async {}).await
}

/// [`download`], awaiting `pause` once the request is sent (or sending it failed) and before the
/// answer is read: the download is in flight while `pause` waits. A caller that wants many
/// downloads in flight at one moment — to count threads then — awaits a barrier in `pause`.
pub async fn download_pausing(
    addr: SocketAddr,
    path: &str,
    pause: impl Future<Output = ()>,
) -> io::Result<Vec<u8>> {
    let context = |e: io::Error| io::Error::new(e.kind(), format!("downloading {path}: {e}"));
    let sent = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&request(addr, path)).await?;
        Ok::<_, io::Error>(stream)
    }
    .await;
    // Even a failed download pauses: whoever waits for it at a barrier is not left waiting.
    pause.await;
    let mut stream = sent.map_err(context)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.map_err(context)?;
    parse_response(&response).map_err(context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use examples_threads::download::{VideoServer, video};
    use std::time::Duration;

    fn runtime() -> io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
    }

    #[test]
    fn downloads_what_the_blocking_client_downloads() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let body = runtime()?.block_on(download(server.addr(), "/video/7"))?;
        assert_eq!(body, video("7"));
        Ok(())
    }

    #[test]
    fn a_paused_download_pauses_once_even_when_it_cannot_connect() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let closed =
            std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?.local_addr()?;
        let runtime = runtime()?;
        for (addr, works) in [(server.addr(), true), (closed, false)] {
            let mut paused = 0;
            let result = runtime.block_on(download_pausing(addr, "/video/p", async {
                paused += 1;
            }));
            assert_eq!(paused, 1);
            assert_eq!(result.is_ok(), works, "{result:?}");
        }
        Ok(())
    }

    #[test]
    fn a_missing_video_is_an_error_that_names_the_path() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let error = runtime()?
            .block_on(download(server.addr(), "/nothing"))
            .expect_err("a 404");
        let text = error.to_string();
        assert!(text.contains("/nothing") && text.contains("404"), "{text}");
        Ok(())
    }
}
