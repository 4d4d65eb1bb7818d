//! §11 总结 — 案例：多线程socket服务端: the client.
//!
//! The snippet's client connects to 127.0.0.1:8001, then in a loop shows the `>>>` prompt, sends
//! the line typed, stops after sending `Q`, and otherwise prints the server's reply. This one
//! does the same, in the same order, with the same bytes on the wire — it works with the
//! snippet's Python server too. Unlike the snippet:
//! - an empty line shows the prompt again — the snippet sends zero bytes, which the server never
//!   receives, and waits forever for a reply;
//! - the end of the input (Ctrl-D, or the end of a piped file) sends `Q` and exits with 0 — the
//!   snippet dies of `EOFError`;
//! - a line over 1024 bytes is refused: the server reads 1024 bytes at a time and would answer
//!   each piece (see `examples_socket::protocol`);
//! - a server that is not there, or that closes the connection, is one line on stderr and exit
//!   code 1, not a traceback.
//!
//! When stdin is not a terminal the lines read are echoed after the prompt, so a scripted
//! session (`cargo xtask run-all`) reads like a typed one.
//!
//! Rust: `TcpStream::connect` is `socket()` + `connect()`; `write_all` is `sendall`; `read` into
//! a 1024-byte buffer is `recv(1024)` and returns how many bytes it got, 0 when the server has
//! closed the connection. Dropping the stream closes it, which the server sees as a read of 0
//! bytes — the "empty data" the snippet's last comment mentions.
//!
//! Run it: start a server first — `cargo run -p examples-socket --bin s11-server` (or
//! `s11-server-async`) — then, in another terminal, `cargo run -p examples-socket --bin s11-client`
//! (`-- --port N` if the server listens elsewhere). Type messages; `Q` quits.

use examples_socket::cli::{self, Failure};
use examples_socket::client::{Client, Input};
use examples_socket::protocol::{PROMPT, RECV_SIZE, is_quit};

fn main() -> Result<(), Failure> {
    let port = cli::port(std::env::args().skip(1))?;
    // connect to the server: client.connect(('127.0.0.1', 8001))
    let mut client = Client::connect(port)?;
    let mut input = Input::stdin();

    loop {
        // txt = input(">>>")
        let Some(txt) = input.read(PROMPT)? else {
            println!("（输入结束，发送 Q）");
            client.send("Q")?;
            break;
        };
        if txt.is_empty() {
            continue; // nothing to send: ask again
        }
        if txt.len() > RECV_SIZE {
            println!(
                "这条消息有 {} 字节，服务端一次最多收 {RECV_SIZE} 字节：请分成几条发送",
                txt.len()
            );
            continue;
        }
        client.send(&txt)?;
        if is_quit(&txt) {
            break;
        }
        // reply = client.recv(1024)
        let reply = client.receive()?;
        println!("{reply}");
    }
    // client.close(): dropping `client` closes the connection, and the server reads 0 bytes.
    Ok(())
}
