//! The download workload of §3 (下载视频), fetched by async tasks: an HTTP GET on hyper's client.
//!
//! Python's `aiohttp` downloads with `async with session.get(url) as response:` and then
//! `await response.read()`. Here [`get`] sends the request and awaits the answer's head, and
//! [`Response::read`] awaits its body. Every wait — the connect, the request, the answer — is an
//! `.await` that hands the thread back to the runtime, so that one thread keeps many downloads
//! waiting at once.
//!
//! Underneath is hyper's HTTP/1 client connection over a tokio `TcpStream` (hyper, not
//! `reqwest`, because the workspace builds hyper anyway for the video site, and reqwest's URL and
//! middleware crates would add about 40 s of CPU time to a clean build). The connection is driven
//! by a task of its own on the same runtime, as hyper's client examples do; it ends once the
//! answer has been read. A status other than 2xx is an error, as with `ureq` on the thread side.
//!
//! ```
//! use examples_threads::download::{VideoServer, video};
//! use std::time::Duration;
//!
//! let site = VideoServer::start(Duration::ZERO)?;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
//! let content = runtime.block_on(async {
//!     let response = examples_async::fetch::get(&site.url("a.mp4")).await?;
//!     response.read().await
//! })?;
//! assert_eq!(content, video("a.mp4"));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt::Display;
use std::io;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::header::HOST;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The answer to a [`get`] whose head has arrived; its body is read by [`read`](Self::read).
#[derive(Debug)]
pub struct Response {
    url: String,
    body: Incoming,
}

/// `GET url` (an `http://` URL): the answer, once its head has arrived. An error names the URL
/// and says what went wrong — no connection, a status that is not 2xx, a broken answer. Needs a
/// tokio runtime with IO enabled.
pub async fn get(url: &str) -> io::Result<Response> {
    let failed = |what: &dyn Display| io::Error::other(format!("GET {url}: {what}"));
    let uri: Uri = url.parse().map_err(|e| failed(&e))?;
    let (Some("http"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(failed(&"not an http://HOST/PATH URL"));
    };
    let host = authority.as_str().to_string();
    let port = authority.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((authority.host(), port))
        .await
        .map_err(|e| failed(&e))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| failed(&e))?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header(HOST, host)
        .body(Empty::<Bytes>::new())
        .map_err(|e| failed(&e))?;
    let response = sender.send_request(request).await.map_err(|e| failed(&e))?;
    if !response.status().is_success() {
        return Err(failed(&format!("the site answered {}", response.status())));
    }
    Ok(Response {
        url: url.to_string(),
        body: response.into_body(),
    })
}

impl Response {
    /// The whole body. Python: `await response.read()`.
    pub async fn read(self) -> io::Result<Vec<u8>> {
        let collected = self
            .body
            .collect()
            .await
            .map_err(|e| io::Error::other(format!("GET {}: {e}", self.url)))?;
        Ok(collected.to_bytes().to_vec())
    }
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

    async fn download(url: &str) -> io::Result<Vec<u8>> {
        get(url).await?.read().await
    }

    #[test]
    fn downloads_what_the_blocking_client_downloads() -> Result<(), Box<dyn std::error::Error>> {
        let server = VideoServer::start(Duration::ZERO)?;
        let url = server.url("7");
        let body = runtime()?.block_on(download(&url))?;
        assert_eq!(body, video("7"));
        assert_eq!(body, ureq::get(&url).call()?.body_mut().read_to_vec()?);
        Ok(())
    }

    #[test]
    fn a_missing_video_is_an_error_that_names_the_url_and_the_status() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let url = format!("http://{}/nothing", server.addr());
        let error = runtime()?.block_on(download(&url)).expect_err("a 404");
        assert_eq!(
            error.to_string(),
            format!("GET {url}: the site answered 404 Not Found")
        );
        Ok(())
    }

    #[test]
    fn a_site_that_is_gone_is_an_error() -> io::Result<()> {
        let server = VideoServer::start(Duration::ZERO)?;
        let url = server.url("1");
        drop(server);
        let error = runtime()?.block_on(download(&url)).expect_err("no site");
        let text = error.to_string();
        assert!(text.starts_with(&format!("GET {url}: ")), "{text}");
        assert!(text.contains("refused"), "{text}");
        Ok(())
    }

    #[test]
    fn not_an_http_url_is_an_error() -> io::Result<()> {
        let runtime = runtime()?;
        for bad in ["ftp://x/y", "127.0.0.1:1/video/1", "http//x"] {
            let error = runtime.block_on(download(bad)).expect_err("a bad url");
            assert!(
                error.to_string().starts_with(&format!("GET {bad}: ")),
                "{error}"
            );
        }
        Ok(())
    }
}
