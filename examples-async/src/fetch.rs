//! The download workload of §3 (下载视频), fetched by async tasks.
//!
//! [`download`] is the async twin of [`examples_threads::download::download`]: the same request
//! and the same checks on the response ([`request`], [`parse_response`]), but every wait — the
//! connect, the write, the read — is an `.await` that hands the thread back to the runtime, so
//! that one thread can keep many downloads waiting at once.

use std::io;
use std::net::SocketAddr;

use examples_threads::download::{parse_response, request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Downloads `path` from the [`VideoServer`](examples_threads::download::VideoServer) at `addr`:
/// the body of its answer. Needs a tokio runtime with IO enabled.
pub async fn download(addr: SocketAddr, path: &str) -> io::Result<Vec<u8>> {
    let context = |e: io::Error| io::Error::new(e.kind(), format!("downloading {path}: {e}"));
    let mut stream = TcpStream::connect(addr).await.map_err(context)?;
    stream
        .write_all(&request(addr, path))
        .await
        .map_err(context)?;
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
