//! The client side of §11: its connection to the server, and its `input(">>>")`.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};

use crate::protocol::{Decoder, RECV_SIZE};

/// A connection to a §11 server on 127.0.0.1.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    server: SocketAddr,
    decoder: Decoder,
}

impl Client {
    /// Connects to 127.0.0.1:`port`: `client.connect(('127.0.0.1', port))`.
    pub fn connect(port: u16) -> io::Result<Self> {
        let server = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect(server).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("无法连接服务端 {server}：{e}（服务端在运行吗？）"),
            )
        })?;
        Ok(Client {
            stream,
            server,
            decoder: Decoder::default(),
        })
    }

    /// The socket, to set a timeout on it, say.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Sends `message`, all of it: `client.sendall(txt.encode('utf-8'))`.
    pub fn send(&mut self, message: &str) -> io::Result<()> {
        self.stream
            .write_all(message.as_bytes())
            .map_err(|e| self.lost(e))
    }

    /// Waits for the server's reply — one read of at most [`RECV_SIZE`] bytes,
    /// `client.recv(1024)` — and decodes it. A server that has closed the connection is an
    /// error (`UnexpectedEof`), where Python's `recv` would return `b''`.
    pub fn receive(&mut self) -> io::Result<String> {
        let mut buffer = [0u8; RECV_SIZE];
        match self.stream.read(&mut buffer) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("服务端 {} 关闭了连接", self.server),
            )),
            Ok(n) => Ok(self.decoder.message(&buffer[..n])),
            Err(e) => Err(self.lost(e)),
        }
    }

    /// [`send`](Self::send), then [`receive`](Self::receive).
    pub fn round_trip(&mut self, message: &str) -> io::Result<String> {
        self.send(message)?;
        self.receive()
    }

    fn lost(&self, e: io::Error) -> io::Error {
        io::Error::new(
            e.kind(),
            format!("与服务端 {} 的连接出错：{e}", self.server),
        )
    }
}

/// Python's `input(prompt)` on a reader: prints the prompt, reads one line and returns it
/// without its line end, or `None` at the end of the input.
///
/// When the input is not a terminal (a pipe, a file), the line is echoed after the prompt, so a
/// scripted session reads like a typed one. Bytes that are not UTF-8 are decoded lossily.
#[derive(Debug)]
pub struct Input<R> {
    reader: R,
    echo: bool,
}

impl Input<io::StdinLock<'static>> {
    /// `input()` on stdin: echoes when stdin is not a terminal.
    pub fn stdin() -> Self {
        let stdin = io::stdin();
        let echo = !stdin.is_terminal();
        Input {
            reader: stdin.lock(),
            echo,
        }
    }
}

impl<R: BufRead> Input<R> {
    /// `input()` on `reader`, echoing the lines read if `echo`.
    pub fn new(reader: R, echo: bool) -> Self {
        Input { reader, echo }
    }

    /// Prints `prompt` to stdout, then reads a line.
    pub fn read(&mut self, prompt: &str) -> io::Result<Option<String>> {
        let mut stdout = io::stdout().lock();
        write!(stdout, "{prompt}")?;
        stdout.flush()?;
        let line = self.read_line()?;
        if self.echo
            && let Some(line) = &line
        {
            writeln!(stdout, "{line}")?;
        }
        Ok(line)
    }

    /// The next line without its line end (`\n` or `\r\n`), or `None` at the end of the input.
    pub fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut bytes = Vec::new();
        if self.reader.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(None);
        }
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    #[test]
    fn reads_lines_without_their_ends_then_none() -> io::Result<()> {
        let mut input = Input::new(&b"one\r\ntwo\n\n\xffthree"[..], false);
        assert_eq!(input.read_line()?.as_deref(), Some("one"));
        assert_eq!(input.read_line()?.as_deref(), Some("two"));
        assert_eq!(input.read_line()?.as_deref(), Some(""));
        assert_eq!(input.read_line()?.as_deref(), Some("\u{fffd}three"));
        assert_eq!(input.read_line()?, None);
        Ok(())
    }

    #[test]
    fn a_server_that_closes_is_an_error_that_says_so() -> io::Result<()> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let server = thread::spawn(move || -> io::Result<()> {
            let (mut conn, _) = listener.accept()?;
            let mut buffer = [0u8; RECV_SIZE];
            let n = conn.read(&mut buffer)?;
            conn.write_all(&buffer[..n])?;
            Ok(()) // and close
        });
        let mut client = Client::connect(port)?;
        assert_eq!(client.round_trip("回声")?, "回声");
        let error = client.receive().expect_err("the server has closed");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(error.to_string().contains("关闭了连接"), "{error}");
        server
            .join()
            .map_err(|_| io::Error::other("server panicked"))??;
        Ok(())
    }

    #[test]
    fn no_server_is_an_error_that_names_the_address() {
        // Nobody can listen on port 0: connecting to it is refused.
        let error = Client::connect(0).expect_err("nobody listens");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
        assert!(error.to_string().contains("127.0.0.1:0"), "{error}");
    }
}
