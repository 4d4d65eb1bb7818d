//! §11 总结 — 案例：多线程socket服务端, on tokio: one task per connection, all on one thread.
//!
//! The same protocol as `s11-server`, with the same hardening (a client that closes or resets,
//! bytes that are not UTF-8, messages over 1024 bytes, Ctrl-C/SIGTERM, a port in use) — and the
//! same code: compare `task` here with `task` there. What changes is what runs it: instead of a
//! thread per connection, each connection is a tokio task, and every task runs on the one
//! thread of a current-thread runtime. It is §10's point applied to §11: a server spends its
//! time waiting for clients, and a waiting task costs about a kilobyte — mostly its 1024-byte
//! read buffer — where a waiting thread costs a stack and a kernel thread. This server holds
//! thousands of idle connections on one thread (its test opens 5 000) and still answers a new
//! client at once.
//!
//! Rust: `async fn task` is the thread's function with `.await` at each wait — `read`, `write_all`
//! — where the task hands the thread to another. A `JoinSet` takes the place of the threads: it
//! holds every connection's task. `tokio::select!` waits for whichever comes first: a new
//! connection, a finished task, or a stop signal. On a stop signal the server aborts every task
//! still running and waits until each is dropped — which closes its connection — before it says
//! it has stopped. In Python's asyncio the snippet would `await loop.sock_accept(sock)`,
//! `await loop.sock_recv(conn, 1024)` and `await loop.sock_sendall(conn, …)` in coroutines (or,
//! a level up, use `asyncio.start_server`).
//!
//! Run it: `cargo run -p examples-socket --bin s11-server-async` (`-- --port N`, or `-- --port 0`
//! for any free port), then in a second terminal `cargo run -p examples-socket --bin s11-client`.
//! Stop it with Ctrl-C.

use std::io;
use std::pin::pin;

use examples_socket::cli::{self, Failure};
use examples_socket::protocol::{Decoder, RECEIVED, RECV_SIZE, REPLY, is_quit};
use examples_socket::server::{self, Connections, Ended};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// One connection, as a task: `s11-server`'s `task` with an `.await` at each wait.
async fn task(mut conn: TcpStream) -> io::Result<Ended> {
    let mut decoder = Decoder::default();
    let mut buffer = [0u8; RECV_SIZE];
    loop {
        // client_data = await loop.sock_recv(conn, 1024)
        let n = conn.read(&mut buffer).await?;
        if n == 0 {
            return Ok(Ended::Closed); // the client has closed the connection
        }
        let data = decoder.message(&buffer[..n]);
        println!("{RECEIVED} {data}");
        if is_quit(&data) {
            return Ok(Ended::Quit);
        }
        conn.write_all(REPLY.as_bytes()).await?; // await loop.sock_sendall(conn, …)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Failure> {
    let port = cli::port(std::env::args().skip(1))?;
    let sock = server::listen_async(port).await?;
    let mut stop = pin!(server::stop_signal_async()?);
    println!("{}", server::listening(sock.local_addr()?));

    let connections = Connections::new();
    let mut tasks = JoinSet::new();
    loop {
        // conn, addr = await loop.sock_accept(sock) — or a stop signal, whichever comes first.
        let accepted = tokio::select! {
            accepted = sock.accept() => accepted,
            // A connection's task has ended (and said so): let go of it.
            Some(_) = tasks.join_next() => continue,
            signal = &mut stop => {
                println!("收到 {signal}，服务端不再接受新连接");
                break;
            }
        };
        let (conn, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tokio::time::sleep(server::accept_failed(&e)).await;
                continue;
            }
        };
        // No socket to hand over: the server closes a connection by dropping its task.
        let connection = connections.open(addr, None)?;
        tasks.spawn(async move { connection.close(task(conn).await) });
    }
    println!("关闭 {} 个仍然打开的连接", connections.count());
    // No sockets to shut down here: this marks the connections as closed by the server, and
    // each says so when its task is dropped.
    connections.close_all();
    tasks.abort_all();
    // Each aborted task is dropped, its connection with it — closed — before join_next says so.
    while tasks.join_next().await.is_some() {}
    println!("服务端已停止");
    Ok(())
}
