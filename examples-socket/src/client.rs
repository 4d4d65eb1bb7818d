//! The client side of §11: the server it talks to — with the one-line messages for what can go
//! wrong, and a bound on every wait — and its `input(">>>")`, which never reads more of a line
//! than may be sent.
//!
//! [`Client`] is the same conversation packed into one type, for the tests and the bench.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use crate::protocol::{Decoder, RECV_SIZE, SHOWN_CHARS};
use pace::Report;

/// The server a client talks to: where it is, how long to wait for it, and what to say when it
/// fails.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    /// 127.0.0.1 and the port.
    pub addr: SocketAddr,
    timeout: Duration,
}

impl Server {
    /// The server on 127.0.0.1:`port`, given `timeout` for each wait.
    pub fn new(port: u16, timeout: Duration) -> Self {
        Server {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            timeout,
        }
    }

    /// Bounds every read and write on `stream` by the timeout: a server that accepts but never
    /// answers (or never reads) makes them fail instead of waiting forever.
    pub fn give_up_after_timeout(&self, stream: &TcpStream) -> io::Result<()> {
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))
    }

    /// The error for a connection that could not be made.
    pub fn unreachable(&self, error: io::Error) -> Report {
        let addr = self.addr;
        if is_timeout(&error) {
            self.silent()
        } else {
            format!("无法连接服务端 {addr}：{error}（服务端在运行吗？）").into()
        }
    }

    /// The error for a send or a receive that failed: the timeout passed, or the connection
    /// broke.
    pub fn lost(&self, error: io::Error) -> Report {
        if is_timeout(&error) {
            self.silent()
        } else {
            format!("与服务端 {} 的连接出错：{error}", self.addr).into()
        }
    }

    /// The error for a server that closed the connection: a read returned 0 bytes (where
    /// Python's `recv` returns `b''`).
    pub fn closed(&self) -> Report {
        format!("服务端 {} 关闭了连接", self.addr).into()
    }

    fn silent(&self) -> Report {
        let seconds = self.timeout.as_secs_f64();
        format!("服务端 {} 在 {seconds} 秒内没有回答，放弃", self.addr).into()
    }
}

/// A read or write that waited longer than its timeout (Unix reports it as `WouldBlock`).
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// How far the client reads into a line that is already too long to send, looking for its end,
/// before it gives up on its input: far enough for any line a person types or pastes, and no
/// memory is needed for it.
pub const LONGEST_LINE_READ: u64 = 1 << 20;

/// One line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A line of at most [`RECV_SIZE`] bytes, without its line end, decoded lossily.
    Text(String),
    /// A longer line: how many bytes it had, and its beginning. Nothing more of it was kept.
    TooLong { bytes: u64, start: String },
    /// The end of the input.
    End,
}

/// Python's `input(prompt)` on a reader, for a client that may send at most [`RECV_SIZE`] bytes
/// at a time.
///
/// When the input is not a terminal (a pipe, a file), the line is echoed after the prompt, so a
/// scripted session reads like a typed one.
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

    /// The next line worth sending, after `prompt`: an empty line asks again (the snippet would
    /// send nothing and wait forever for a reply); a line over [`RECV_SIZE`] bytes is refused
    /// with a word and asks again (the server would take it in pieces); the end of the input
    /// (Ctrl-D, the end of a piped file) says so and gives `Q` (the snippet dies of `EOFError`).
    /// An error when the input fails, or when a line goes on past [`LONGEST_LINE_READ`] bytes.
    pub fn line_to_send(&mut self, prompt: &str) -> Result<String, Report> {
        loop {
            match self.read(prompt)? {
                Line::Text(line) if line.is_empty() => continue,
                Line::Text(line) => return Ok(line),
                Line::TooLong { bytes, .. } => println!(
                    "这条消息有 {bytes} 字节，服务端一次最多收 {RECV_SIZE} 字节：请分成几条发送"
                ),
                Line::End => {
                    println!("（输入结束，发送 Q）");
                    return Ok("Q".into());
                }
            }
        }
    }

    /// Prints `prompt` to stdout, then reads a line (echoing it, shortened if too long).
    pub fn read(&mut self, prompt: &str) -> Result<Line, Report> {
        let mut stdout = io::stdout().lock();
        or_end(write!(stdout, "{prompt}").and_then(|()| stdout.flush()));
        let line = self.read_line().map_err(|e| format!("读取输入失败：{e}"))?;
        if self.echo {
            match &line {
                Line::Text(text) => or_end(writeln!(stdout, "{text}")),
                Line::TooLong { start, .. } => or_end(writeln!(stdout, "{start}……")),
                Line::End => {}
            }
        }
        Ok(line)
    }

    /// The next line without its line end (`\n` or `\r\n`). Keeps at most [`RECV_SIZE`] bytes
    /// of it: the rest of a longer line is only counted, up to its end — an error once that passes
    /// [`LONGEST_LINE_READ`] bytes (`/dev/zero` has no line end).
    pub fn read_line(&mut self) -> io::Result<Line> {
        let mut kept = Vec::new();
        let mut length: u64 = 0;
        let mut last = None;
        let mut ended = false;
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                break;
            }
            let (part, newline) = match buffer.iter().position(|&b| b == b'\n') {
                Some(at) => (&buffer[..at], true),
                None => (buffer, false),
            };
            // One byte more than may be sent: room for the `\r` of a `\r\n`.
            let room = (RECV_SIZE + 1).saturating_sub(kept.len());
            kept.extend_from_slice(&part[..part.len().min(room)]);
            length += part.len() as u64;
            last = part.last().copied().or(last);
            let used = part.len() + usize::from(newline);
            self.reader.consume(used);
            if newline {
                ended = true;
                break;
            }
            if length > LONGEST_LINE_READ {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("输入的一行超过 {LONGEST_LINE_READ} 字节还没有结束：不再读它"),
                ));
            }
        }
        if !ended && length == 0 {
            return Ok(Line::End);
        }
        if ended && last == Some(b'\r') {
            // Kept only if the whole line was.
            if length <= RECV_SIZE as u64 + 1 {
                kept.pop();
            }
            length -= 1;
        }
        let text = String::from_utf8_lossy(&kept);
        Ok(if length > RECV_SIZE as u64 {
            Line::TooLong {
                bytes: length,
                start: text.chars().take(SHOWN_CHARS).collect(),
            }
        } else {
            Line::Text(text.into_owned())
        })
    }
}

/// A write to stdout that met a closed pipe ends the program as SIGPIPE would; other failures
/// of the terminal are not the conversation's business.
fn or_end(written: io::Result<()>) {
    if let Err(e) = written
        && e.kind() == io::ErrorKind::BrokenPipe
    {
        pace::output::end_as_by_sigpipe();
    }
}

/// A connection to a §11 server on 127.0.0.1, as one type: for the tests and the bench, which
/// talk to the servers the way `s11-client` does.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    server: SocketAddr,
    decoder: Decoder,
}

impl Client {
    /// Connects to 127.0.0.1:`port`.
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

    /// Sends `message`, all of it.
    pub fn send(&mut self, message: &str) -> io::Result<()> {
        self.stream
            .write_all(message.as_bytes())
            .map_err(|e| self.lost(e))
    }

    /// Waits for the server's reply — one read of at most [`RECV_SIZE`] bytes — and decodes
    /// it. A server that has closed the connection is an error (`UnexpectedEof`).
    pub fn receive(&mut self) -> io::Result<String> {
        let mut buffer = [0u8; RECV_SIZE];
        match self.stream.read(&mut buffer) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("服务端 {} 关闭了连接", self.server),
            )),
            Ok(n) => self.decoder.decode(&buffer[..n]),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// How long a unit test waits for `read_line`, which answers at once: a `read_line` that
    /// loops forever over its input fails the test instead of hanging it.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// `read(input)`, run on a thread of its own and given [`PATIENCE`] to return.
    fn within<R, T>(input: R, read: impl FnOnce(&mut Input<R>) -> T + Send + 'static) -> T
    where
        R: BufRead + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut input = Input::new(input, false);
            let _ = done.send(read(&mut input));
        });
        match result.recv_timeout(PATIENCE) {
            Ok(value) => value,
            // The thread panicked: its message is already on stderr.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("read_line panicked"),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("read_line did not return within {PATIENCE:?}")
            }
        }
    }

    /// Every line of `input`, up to and with the end: one more than its line ends at most.
    fn lines(input: &[u8]) -> io::Result<Vec<Line>> {
        let most = input.iter().filter(|&&b| b == b'\n').count() + 2;
        within(io::Cursor::new(input.to_vec()), move |input| {
            let mut lines = Vec::new();
            loop {
                let line = input.read_line()?;
                let end = line == Line::End;
                lines.push(line);
                if end {
                    return Ok(lines);
                }
                assert!(
                    lines.len() < most,
                    "more lines than the input has: {lines:?}"
                );
            }
        })
    }

    fn text(line: &str) -> Line {
        Line::Text(line.into())
    }

    #[test]
    fn reads_lines_without_their_ends_then_the_end() -> io::Result<()> {
        assert_eq!(
            lines(b"one\r\ntwo\n\n\xffthree")?,
            [
                text("one"),
                text("two"),
                text(""),
                text("\u{fffd}three"),
                Line::End
            ]
        );
        Ok(())
    }

    #[test]
    fn a_line_of_1024_bytes_may_be_sent_and_one_more_may_not() -> io::Result<()> {
        let most = "x".repeat(RECV_SIZE);
        let input = format!("{most}\r\n{most}y\n{most}y\r\n{most}");
        let read = lines(input.as_bytes())?;
        assert_eq!(read[0], text(&most), "\\r\\n is not part of the line");
        assert!(
            matches!(read[1], Line::TooLong { bytes, .. } if bytes == RECV_SIZE as u64 + 1),
            "{:?}",
            read[1]
        );
        assert!(
            matches!(read[2], Line::TooLong { bytes, .. } if bytes == RECV_SIZE as u64 + 1),
            "{:?}",
            read[2]
        );
        assert_eq!(read[3], text(&most), "the last line needs no line end");
        Ok(())
    }

    #[test]
    fn a_long_line_is_counted_not_kept_and_the_next_is_read_whole() -> io::Result<()> {
        // Through a small buffer, so that the long line comes in many pieces.
        let input = format!("{}\n短的\n", "长".repeat(100_000)).into_bytes();
        let input = io::BufReader::with_capacity(64, io::Cursor::new(input));
        let (long, next) = within(input, |input| (input.read_line(), input.read_line()));
        let Line::TooLong { bytes, start } = long? else {
            panic!("too long")
        };
        assert_eq!(bytes, 300_000);
        assert!(start.chars().all(|c| c == '长'), "{start}");
        assert_eq!(next?, text("短的"));
        Ok(())
    }

    /// Input that fails with each of `errors` in turn, then gives `data`.
    struct Failing {
        errors: Vec<io::ErrorKind>,
        data: &'static [u8],
    }

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.fill_buf()?.read(out)?;
            self.consume(n);
            Ok(n)
        }
    }

    impl BufRead for Failing {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            match self.errors.pop() {
                Some(kind) => Err(kind.into()),
                None => Ok(self.data),
            }
        }
        fn consume(&mut self, n: usize) {
            self.data = &self.data[n..];
        }
    }

    #[test]
    fn a_read_interrupted_by_a_signal_is_tried_again_and_other_failures_are_errors() {
        let input = Failing {
            errors: vec![io::ErrorKind::Interrupted, io::ErrorKind::Interrupted],
            data: b"Q\n",
        };
        let line = within(input, Input::read_line);
        assert_eq!(line.expect("read again"), text("Q"));
        let input = Failing {
            errors: vec![io::ErrorKind::PermissionDenied],
            data: b"Q\n",
        };
        let error = within(input, Input::read_line).expect_err("a failed read");
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
    }

    #[test]
    fn a_line_of_exactly_the_longest_read_is_read_to_its_end() -> io::Result<()> {
        let mut line = vec![b'x'; LONGEST_LINE_READ as usize];
        line.extend_from_slice(b"\nnext\n");
        // Pieces that end exactly at the limit, before the line end comes.
        let input = io::BufReader::with_capacity(8192, io::Cursor::new(line));
        let (long, next) = within(input, |input| (input.read_line(), input.read_line()));
        let Line::TooLong { bytes, .. } = long? else {
            panic!("too long to send, not an error")
        };
        assert_eq!(bytes, LONGEST_LINE_READ);
        assert_eq!(next?, text("next"));
        Ok(())
    }

    #[test]
    fn an_endless_line_is_an_error_once_it_passes_the_longest_read() {
        let input = io::BufReader::new(io::repeat(0));
        let error = within(input, Input::read_line).expect_err("no line end, ever");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("还没有结束"), "{error}");
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
        // A message that is never sent must fail the test, not leave it waiting for the echo.
        client
            .stream()
            .set_read_timeout(Some(Duration::from_secs(10)))?;
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
    fn the_servers_failures_are_sentences() {
        let server = Server::new(8001, Duration::from_secs(2));
        let silent = server.lost(io::Error::from(io::ErrorKind::WouldBlock));
        assert_eq!(
            silent.to_string(),
            "服务端 127.0.0.1:8001 在 2 秒内没有回答，放弃"
        );
        let refused = server.unreachable(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(
            refused
                .to_string()
                .starts_with("无法连接服务端 127.0.0.1:8001："),
            "{refused}"
        );
        assert_eq!(
            server.closed().to_string(),
            "服务端 127.0.0.1:8001 关闭了连接"
        );
    }
}
