//! §11 总结 — 案例：多线程socket服务端: the server, one thread per connection.
//!
//! The snippet's server listens on 127.0.0.1:8001; its main thread accepts connections, and each
//! connection gets a thread that reads up to 1024 bytes at a time, prints
//! `收到客户端发来的消息： …`, answers `收到收到`, and closes the connection when the message
//! is `Q` (or `q`). This one does the same, in the same order, and speaks the same bytes: the
//! snippet's Python client works with it, and `s11-client` with the snippet's Python server.
//! It also takes `Q` followed by a line end (`Q\n`, `Q\r\n`) as `Q`: that is what a tool like
//! `nc` sends when you type Q and press Enter.
//!
//! Unlike the snippet, it copes with what real clients do, without harming other connections:
//! - a client that closes the connection (a read returns 0 bytes) ends its thread — the snippet
//!   would loop on empty messages; a reset connection ends it too; both are reported;
//! - bytes that are not UTF-8 are printed lossily (the snippet's thread dies on
//!   `UnicodeDecodeError`);
//! - a message over 1024 bytes arrives in several reads, and each read is a message, as in the
//!   snippet: printed and answered, no byte lost, no character cut (see
//!   `examples_socket::protocol`);
//! - Ctrl-C or SIGTERM stops it cleanly: no new connections, every open one closed, every
//!   connection thread joined, exit code 0; a port already in use is a one-line error, exit 1.
//!
//! Rust: `TcpListener::bind` is `socket()` + `bind()` + `listen()` in one call. A thread is
//! `thread::Builder::spawn_scoped`: inside `thread::scope`, which waits for every connection's
//! thread before `main` goes on. Dropping a `TcpStream` closes it: `conn.close()` is implicit.
//! No GIL: the connection threads really run at once — for a server that mostly waits, it hardly
//! matters; `s11-server-async` serves the same protocol with tasks on one thread instead.
//!
//! Run it: `cargo run -p examples-socket --bin s11-server` (`-- --port N` for another port,
//! `-- --port 0` for any free one), then in a second terminal the client:
//! `cargo run -p examples-socket --bin s11-client`, type messages, `Q` to quit. Start more
//! clients at once: each gets its own thread. Stop the server with Ctrl-C.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;

use examples_socket::cli::{self, Failure};
use examples_socket::protocol::{Decoder, RECEIVED, RECV_SIZE, REPLY, is_quit};
use examples_socket::server::{self, Connections, Ended, StopSignal};

/// One connection, in its own thread: the snippet's `task(conn)`.
fn task(mut conn: TcpStream) -> io::Result<Ended> {
    let mut decoder = Decoder::default();
    let mut buffer = [0u8; RECV_SIZE];
    loop {
        // client_data = conn.recv(1024)
        let n = conn.read(&mut buffer)?;
        if n == 0 {
            return Ok(Ended::Closed); // the client has closed the connection
        }
        // data = client_data.decode('utf-8') — lossily
        let data = decoder.message(&buffer[..n]);
        println!("{RECEIVED} {data}");
        if is_quit(&data) {
            return Ok(Ended::Quit);
        }
        conn.write_all(REPLY.as_bytes())?;
    }
    // conn.close(): `conn` is dropped when the function returns.
}

fn main() -> Result<(), Failure> {
    let port = cli::port(std::env::args().skip(1))?;
    // sock = socket.socket(…); sock.bind(('127.0.0.1', 8001)); sock.listen(5)
    let sock = server::listen(port)?;
    let stop = StopSignal::watch(&sock)?;
    println!("{}", server::listening(sock.local_addr()?));

    let connections = Connections::new();
    thread::scope(|scope| {
        loop {
            // conn, addr = sock.accept() — the main thread waits for a client.
            let accepted = sock.accept();
            if let Some(signal) = stop.received() {
                println!("收到 {signal}，服务端不再接受新连接");
                break;
            }
            let (conn, addr) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    thread::sleep(server::accept_failed(&e));
                    continue;
                }
            };
            let connection = match connections.open(addr, Some(&conn)) {
                Ok(connection) => connection,
                Err(e) => {
                    eprintln!("无法登记客户端 {addr} 的连接，关闭它：{e}");
                    continue;
                }
            };
            // t = threading.Thread(target=task, args=(conn,)); t.start()
            let spawned =
                thread::Builder::new().spawn_scoped(scope, move || connection.close(task(conn)));
            if let Err(e) = spawned {
                // The closure, the connection with it, is dropped: the client sees it closed.
                eprintln!("无法为客户端 {addr} 创建线程：{e}");
            }
        }
        println!("关闭 {} 个仍然打开的连接", connections.close_all());
    }); // thread::scope waits here for every connection's thread.
    println!("服务端已停止");
    Ok(()) // sock.close(), and the signal watcher stops: both are dropped here.
}
