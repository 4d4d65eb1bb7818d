//! §11 总结 — 案例：多线程socket服务端 (block 1): the server, one thread per connection.
//!
//! The snippet's server listens on 127.0.0.1:8001; its main thread accepts connections, and each
//! connection gets a thread that reads up to 1024 bytes at a time, prints
//! `收到客户端发来的消息： …`, answers `收到收到`, and closes the connection when the message
//! is `Q` (or `q`). This one does the same, in the same order, and speaks the same bytes: the
//! snippet's Python client works with it, and `s11-client` with the snippet's Python server.
//! It also takes `Q` followed by a line end (`Q\n`, `Q\r\n`) as `Q`: that is what a tool like
//! `nc` sends when you type Q and press Enter.
//!
//! Python → Rust, as this file shows them:
//! - creating the socket, binding it and listening: `TcpListener::bind` does the three;
//! - accepting a client: `sock.accept()`, which also returns the client's address;
//! - starting a thread for it: `thread::Builder::new().spawn_scoped(…)`, inside `thread::scope`
//!   — the scope waits for every connection's thread before `main` goes on;
//! - receiving up to 1024 bytes: `conn.read(&mut client_data)` into `[0u8; 1024]`, which says how
//!   many bytes came, 0 when the client has closed the connection;
//! - decoding: `decoder.decode(…)`, printing: `log!`, answering: `conn.write_all(…)`;
//! - closing the connection: dropping `conn`, when `task` returns.
//!
//! No GIL: the connection threads really run at once — for a server that mostly waits, it hardly
//! matters; `s11-server-async` serves the same protocol with tasks on one thread instead.
//!
//! Unlike the snippet, it copes with what real clients do, without harming other connections —
//! which is why `main` has a few lines more than the snippet. Three calls carry that:
//! `Server::start` (the log, and Ctrl-C or SIGTERM, which wake the waiting `accept`),
//! `server.admit` (the limits, below) and `session.end` (how the connection ended, reported):
//! - **limits**, which `--help` shows with their defaults: at most 256 connections at once (a
//!   client over the limit gets one line saying the server is busy, and is closed), an idle
//!   timeout of 300 s per connection, and messages of at most 64 KiB — a thread per connection
//!   is what the notes teach, and without a limit 2 000 idle clients would make 2 000 threads
//!   (the notes' own answer to unbounded threads is §7's thread pool);
//! - **output never stops the work**: `log!` is `println!` through a bounded queue to one writer
//!   thread — a terminal nobody reads loses lines (counted) instead of freezing every
//!   connection; a long message is logged shortened, with its size;
//! - a client that closes the connection (a read returns 0 bytes) ends its thread — the snippet
//!   would loop on empty messages; a reset connection ends it too; both are reported;
//! - bytes that are not UTF-8 are printed lossily (the snippet's thread dies on
//!   `UnicodeDecodeError`); a message over 1024 bytes arrives in several reads, and each read is
//!   a message, as in the snippet: printed and answered, no character cut (see
//!   `examples_socket::protocol`);
//! - Ctrl-C or SIGTERM stops it within a second: no new connections, every open one closed,
//!   every connection thread joined, exit code 0; a port already in use is a one-line error,
//!   exit 1; a closed stdout (`| head`) ends it as SIGPIPE ends a Unix tool.
//!
//! Run it: `cargo run -p examples-socket --bin s11-server` (`-- --port N` for another port,
//! `-- --port 0` for any free one, `-- --help` for the limits), then in a second terminal the
//! client: `cargo run -p examples-socket --bin s11-client`, type messages, `Q` to quit. Start
//! more clients at once: each gets its own thread. Stop the server with Ctrl-C.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use examples_socket::cli::{self, Flavor, Limits};
use examples_socket::log;
use examples_socket::protocol::{Decoder, is_quit, shortened};
use examples_socket::server::{Ended, Server};
use pace::Report;

/// One connection, in its own thread: the snippet's `task`.
fn task(mut conn: TcpStream, limits: Limits) -> io::Result<Ended> {
    let mut decoder = Decoder::new(limits.max_message);
    let mut client_data = [0u8; 1024];
    loop {
        // Wait for a message (at most the idle timeout: then `?` ends the connection).
        let n = conn.read(&mut client_data)?;
        if n == 0 {
            return Ok(Ended::Closed); // the client has closed the connection
        }
        // Bytes to text, lossily; an error once a message passes --max-message.
        let data = decoder.decode(&client_data[..n])?;
        log!("收到客户端发来的消息： {}", shortened(&data));
        if is_quit(&data) {
            return Ok(Ended::Quit);
        }
        conn.write_all("收到收到".as_bytes())?;
    }
}

fn main() -> Result<(), Report> {
    pace::init();
    let options = cli::server_options(Flavor::Threaded)?;
    let sock = TcpListener::bind(("127.0.0.1", options.port))
        .map_err(|e| cli::listen_failed(options.port, e))?;
    let server = Server::start(&sock, options.limits)?;

    thread::scope(|scope| {
        loop {
            // The main thread waits for a client (a stop signal wakes it too).
            let accepted = sock.accept();
            if server.stopping() {
                break;
            }
            // Nothing to serve: a failed accept, or a client over the limit, told so.
            let Some((conn, session)) = server.admit(accepted) else {
                continue;
            };
            // A thread of its own for the client; it reports how the connection ended.
            let started = thread::Builder::new()
                .spawn_scoped(scope, move || session.end(task(conn, options.limits)));
            if let Err(e) = started {
                log::error(format!("无法为新的客户端创建线程：{e}"));
            }
        }
        server.close_all();
    }); // thread::scope waits here for every connection's thread.
    server.stopped();
    Ok(()) // the listening socket is closed as `sock` is dropped.
}
