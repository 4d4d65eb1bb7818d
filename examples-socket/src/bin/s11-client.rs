//! §11 总结 — 案例：多线程socket服务端 (block 2): the client.
//!
//! The snippet's client connects to 127.0.0.1:8001, then in a loop shows the `>>>` prompt, sends
//! the line typed, stops after sending `Q`, and otherwise prints the server's reply. This one
//! does the same, in the same order, with the same bytes on the wire — it works with the
//! snippet's Python server too.
//!
//! Python → Rust, as this file shows them:
//! - creating the socket and connecting: `TcpStream::connect_timeout` does both, and waits at
//!   most `--timeout` (5 s by default) for a server that does not answer;
//! - the prompt and the line typed: `input.line_to_send(">>>")`;
//! - sending all of it: `client.write_all(…)`;
//! - the check for `Q`: `txt.eq_ignore_ascii_case("q")`;
//! - receiving up to 1024 bytes: `client.read(&mut reply)` into `[0u8; 1024]`, which says how
//!   many bytes came — 0 when the server has closed the connection;
//! - decoding and printing: `String::from_utf8_lossy`, `println!`;
//! - closing: dropping `client` when `main` returns, which the server sees as a read of 0 bytes —
//!   the "empty data" the snippet's last comment mentions.
//!
//! Unlike the snippet — a few lines more in `main`, and what `line_to_send` does:
//! - an empty line shows the prompt again — the snippet sends zero bytes, which the server never
//!   receives, and waits forever for a reply;
//! - the end of the input (Ctrl-D, or the end of a piped file) sends `Q` and exits with 0 — the
//!   snippet dies of `EOFError`;
//! - a line over 1024 bytes is refused: the server reads 1024 bytes at a time and would answer
//!   each piece (see `examples_socket::protocol`). The client reads no more of it than it could
//!   send — the rest is only counted, and input with no line end at all (`< /dev/zero`) is given
//!   up after a mebibyte, in one line;
//! - a server that is not there, that closes the connection, or that does not answer within
//!   `--timeout` is one line on stderr and exit code 1, not a traceback or a wait forever
//!   (`server.give_up_after_timeout` bounds every read and write).
//!
//! When stdin is not a terminal the lines read are echoed after the prompt, so a scripted
//! session (`cargo xtask run-all`) reads like a typed one.
//!
//! Run it: start a server first — `cargo run -p examples-socket --bin s11-server` (or
//! `s11-server-async`) — then, in another terminal, `cargo run -p examples-socket --bin s11-client`
//! (`-- --port N` if the server listens elsewhere, `-- --help` for the options). Type messages;
//! `Q` quits.

use std::io::{Read, Write};
use std::net::TcpStream;

use examples_socket::cli;
use examples_socket::client::{Input, Server};
use pace::Report;

fn main() -> Result<(), Report> {
    pace::init();
    let options = cli::client_options()?;
    let server = Server::new(options.port, options.timeout);
    // Connect to the server on this machine.
    let mut client = TcpStream::connect_timeout(&server.addr, options.timeout)
        .map_err(|e| server.unreachable(e))?;
    server.give_up_after_timeout(&client)?;
    let mut input = Input::stdin();

    loop {
        let txt = input.line_to_send(">>>")?;
        client
            .write_all(txt.as_bytes())
            .map_err(|e| server.lost(e))?;
        if txt.eq_ignore_ascii_case("q") {
            break;
        }
        let mut reply = [0u8; 1024];
        let n = client.read(&mut reply).map_err(|e| server.lost(e))?;
        if n == 0 {
            return Err(server.closed());
        }
        println!("{}", String::from_utf8_lossy(&reply[..n]));
    }
    Ok(()) // `client` is dropped here: the connection is closed.
}
