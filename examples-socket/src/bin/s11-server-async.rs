//! §11 总结 — 案例：多线程socket服务端, on tokio: one task per connection, all on one thread.
//!
//! Not one of the notes' snippets: an extra program beside `s11-server`, serving the same
//! protocol with the same limits and flags (`--help`) — and the same code: compare `task` and
//! `main` here with `task` and `main` there. What changes is what runs it: instead of a thread
//! per connection, each connection is a tokio task, and every task runs on the one thread of a
//! current-thread runtime. It is §10's point applied to §11: a server spends its time waiting for
//! clients, and a waiting task costs about a kilobyte — mostly its 1024-byte read buffer — where
//! a waiting thread costs a stack and a kernel thread. This server holds thousands of idle
//! connections on one thread (its test opens 5 000; its default limit is 10 000 connections,
//! the threaded server's 256) and still answers a new client at once. A second thread only
//! writes the log, as in `s11-server`: printing never makes the tasks wait.
//!
//! Rust: `async fn task` is the thread's function with `.await` at each wait — `read`,
//! `write_all` — where the task hands the thread to another; `timeout(…)` bounds each wait by the
//! idle timeout, as the socket's own timeouts do in `s11-server`. A `JoinSet` takes the place of
//! the threads: it holds every connection's task. `tokio::select!` waits for whichever comes
//! first: a new connection, a finished task, or a stop signal. On a stop signal the server aborts
//! every task still running and waits until each is dropped — which closes its connection —
//! before it says it has stopped. In Python's asyncio the same server would await the socket's
//! accept, receive and send in coroutines on an event loop (or, a level up, use
//! `asyncio.start_server`).
//!
//! Run it: `cargo run -p examples-socket --bin s11-server-async` (`-- --port N`, or `-- --port 0`
//! for any free port), then in a second terminal `cargo run -p examples-socket --bin s11-client`.
//! Stop it with Ctrl-C.

use std::io;
use std::pin::pin;

use examples_socket::cli::{self, Flavor, Limits};
use examples_socket::log;
use examples_socket::protocol::{Decoder, is_quit, shortened};
use examples_socket::server::{self, Ended, Server};
use pace::Report;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::timeout;

/// One connection, as a task: `s11-server`'s `task` with an `.await` at each wait.
async fn task(mut conn: TcpStream, limits: Limits) -> io::Result<Ended> {
    let mut decoder = Decoder::new(limits.max_message);
    let mut client_data = [0u8; 1024];
    loop {
        // Wait for a message, at most the idle timeout (then `?` ends the connection).
        let n = timeout(limits.idle_timeout, conn.read(&mut client_data)).await??;
        if n == 0 {
            return Ok(Ended::Closed); // the client has closed the connection
        }
        // Bytes to text, lossily; an error once a message passes --max-message.
        let data = decoder.decode(&client_data[..n])?;
        log!("收到客户端发来的消息： {}", shortened(&data));
        if is_quit(&data) {
            return Ok(Ended::Quit);
        }
        timeout(limits.idle_timeout, conn.write_all("收到收到".as_bytes())).await??;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Report> {
    pace::init();
    let options = cli::server_options(Flavor::Async)?;
    let sock = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| cli::listen_failed(options.port, e))?;
    let server = Server::start_async(&sock, options.limits)?;
    let mut stop = pin!(server::stop_signal_async()?);

    let mut tasks = JoinSet::new();
    loop {
        // Wait for a client — or a stop signal, whichever comes first.
        let accepted = tokio::select! {
            accepted = sock.accept() => accepted,
            // A connection's task has ended (and said so): let go of it.
            Some(_) = tasks.join_next() => continue,
            signal = &mut stop => {
                log!("收到 {signal}，服务端不再接受新连接");
                break;
            }
        };
        // Nothing to serve: a failed accept, or a client over the limit, told so.
        let Some((conn, session)) = server.admit_async(accepted).await else {
            continue;
        };
        // A task of its own for the client; it reports how the connection ended.
        tasks.spawn(async move { session.end(task(conn, options.limits).await) });
    }
    server.close_all();
    tasks.abort_all();
    // Each aborted task is dropped, its connection with it — closed — before join_next says so.
    while tasks.join_next().await.is_some() {}
    server.stopped();
    Ok(())
}
