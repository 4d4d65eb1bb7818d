//! §11 under load, on loopback, bounded in count and time: 200 clients at once doing 10 round
//! trips each against each server, every reply checked; 5 000 idle connections on the async
//! server, which still answers a new client — on its one thread; and 600 idle connections
//! against a limit of 500 on each server.
//!
//! Besides the threads that serve, each server has one that writes its log; the threaded one
//! also has one that waits for the stop signals.

mod support;

use std::collections::HashMap;
use std::io::Read;
use std::net::{Ipv4Addr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use examples_async::threads;
use examples_socket::client::Client;
use examples_socket::protocol::{RECEIVED, REPLY};
use nix::sys::signal::Signal;
use support::{ASYNC, PATIENCE, Server, THREADED, start};

const CLIENTS: usize = 200;
const ROUND_TRIPS: usize = 10;

/// A listener's backlog is 128 connections (std's and tokio's default): more connections that
/// arrive faster than the server accepts them are dropped and retried by the kernel a second
/// later. Tests connect in batches of this size, each accepted before the next.
const BATCH: usize = 100;

/// Opens `count` connections with `connect`, in batches that the server accepts before the
/// next: it then holds them all.
fn connect_all<T>(server: &mut Server, count: usize, connect: impl Fn(usize) -> T) -> Vec<T> {
    let mut all = Vec::with_capacity(count);
    while all.len() < count {
        let next = (all.len() + BATCH).min(count);
        all.extend((all.len()..next).map(&connect));
        server.wait_for(&format!("（共 {next} 个连接）"));
    }
    all
}

/// Connects [`CLIENTS`] clients, checks that the server then has `threads_at_peak` threads, and
/// lets all the clients do [`ROUND_TRIPS`] round trips at once, then quit.
fn two_hundred_clients(server: &mut Server, threads_at_peak: usize) {
    let port = server.port;
    let clients = connect_all(server, CLIENTS, |i| {
        let client = Client::connect(port).unwrap_or_else(|e| panic!("client {i}: {e}"));
        client
            .stream()
            .set_read_timeout(Some(PATIENCE))
            .expect("set a read timeout");
        client
    });
    let pid = server.pid();
    server.wait_until(&format!("{threads_at_peak} server threads"), |_| {
        threads::count(pid).expect("read /proc") == threads_at_peak
    });
    let go = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut client)| {
            let go = Arc::clone(&go);
            thread::spawn(move || -> Result<(), String> {
                go.wait();
                for j in 0..ROUND_TRIPS {
                    let reply = client
                        .round_trip(&format!("客户端{i}的第{j}条"))
                        .map_err(|e| format!("client {i}, round trip {j}: {e}"))?;
                    if reply != REPLY {
                        return Err(format!("client {i}, round trip {j}: replied {reply:?}"));
                    }
                }
                client.send("Q").map_err(|e| format!("client {i}, Q: {e}"))
            })
        })
        .collect();
    let errors: Vec<String> = clients
        .into_iter()
        .filter_map(|c| c.join().expect("a client thread").err())
        .collect();
    assert!(
        errors.is_empty(),
        "{} clients failed: {errors:#?}",
        errors.len()
    );
}

/// Every message of every client was printed once, and nothing else was.
fn check_messages(out: &harness::Outcome) {
    let mut printed: HashMap<&str, usize> = HashMap::new();
    for line in out.lines() {
        if let Some(message) = line.strip_prefix(RECEIVED) {
            *printed.entry(message).or_default() += 1;
        }
    }
    for i in 0..CLIENTS {
        for j in 0..ROUND_TRIPS {
            let message = format!(" 客户端{i}的第{j}条");
            let times = printed.remove(message.as_str());
            assert_eq!(
                times,
                Some(1),
                "{message:?} printed once:\n{}",
                out.report()
            );
        }
    }
    assert_eq!(printed.remove(" Q"), Some(CLIENTS), "a Q from each client");
    assert!(printed.is_empty(), "other messages: {printed:?}");
}

#[test]
fn the_threaded_server_serves_200_clients_with_a_thread_each_and_keeps_none() {
    let started = Instant::now();
    let mut server = start(THREADED);
    let pid = server.pid();
    // main, the signal watcher and the log writer
    let idle = 3;
    assert_eq!(threads::count(pid).expect("read /proc"), idle);
    two_hundred_clients(&mut server, idle + CLIENTS);
    server.wait_until("the connection threads to finish", |_| {
        threads::count(pid).expect("read /proc") == idle
    });
    let out = server.stop_ok(Signal::SIGTERM);
    check_messages(&out);
    eprintln!(
        "threaded server, 200 × 10 round trips: {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_async_server_serves_200_clients_on_one_thread() {
    let started = Instant::now();
    let mut server = start(ASYNC);
    // the runtime's one thread, and the log writer
    two_hundred_clients(&mut server, 2);
    server.wait_for("还剩 0 个连接");
    let out = server.stop_ok(Signal::SIGTERM);
    check_messages(&out);
    eprintln!(
        "async server, 200 × 10 round trips: {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

/// Raises this process's soft limit on open files (which the server inherits) to `wanted`, or
/// panics saying why it cannot.
fn allow_open_files(wanted: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    if soft >= wanted {
        return;
    }
    assert!(
        hard >= wanted,
        "this test needs {wanted} open files; the hard limit is {hard} (raise it with ulimit -Hn)"
    );
    setrlimit(Resource::RLIMIT_NOFILE, wanted, hard).expect("setrlimit");
}

#[test]
fn the_async_server_holds_5000_idle_connections_and_still_answers() {
    const IDLE: usize = 5_000;
    // Ours and the server's, plus room for the other tests of this file.
    allow_open_files(IDLE as u64 + 2_048);
    let started = Instant::now();
    let mut server = start(ASYNC);
    let port = server.port;
    let idle = connect_all(&mut server, IDLE, |i| {
        TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .unwrap_or_else(|e| panic!("connection {}: {e}", i + 1))
    });
    let connected = started.elapsed();
    let mut newcomer = Client::connect(server.port).expect("connect");
    newcomer
        .stream()
        .set_read_timeout(Some(PATIENCE))
        .expect("timeout");
    assert_eq!(newcomer.round_trip("还有空吗").expect("a reply"), REPLY);
    let pid = server.pid();
    let names = threads::names(pid).expect("read /proc");
    assert_eq!(
        names.iter().filter(|name| *name != "log").count(),
        1,
        "one thread serves them all, beside the log writer: {names:?}"
    );
    newcomer.send("Q").expect("send Q");
    server.wait_for(&format!("还剩 {IDLE} 个连接"));
    let out = server.stop_ok(Signal::SIGTERM);
    out.assert_in_order(&["收到 SIGTERM", &format!("关闭 {IDLE} 个仍然打开的连接")]);
    drop(idle);
    eprintln!(
        "async server, {IDLE} idle connections: connected in {:.2} s, whole test {:.2} s",
        connected.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// 600 idle connections against `--max-connections 500`: the server holds 500 — with no more
/// than `threads_at_most` threads — tells each of the other 100 in one line that it is busy and
/// closes it, says so in its log once for the whole burst, and serves a client again as soon as
/// a place is free.
fn six_hundred_idle_connections_against_a_limit_of_500(binary: &str, threads_at_most: usize) {
    const LIMIT: usize = 500;
    const EXTRA: usize = 100;
    allow_open_files(4_096);
    let mut server = support::start_with(binary, &["--max-connections", "500"]);
    let port = server.port;
    let mut held = connect_all(&mut server, LIMIT, |i| {
        TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .unwrap_or_else(|e| panic!("connection {}: {e}", i + 1))
    });
    let pid = server.pid();
    let threads = threads::count(pid).expect("read /proc");
    assert!(
        threads <= threads_at_most,
        "{threads} threads for {LIMIT} connections"
    );
    for i in 0..EXTRA {
        let mut refused = TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .unwrap_or_else(|e| panic!("connection {}: {e}", LIMIT + i + 1));
        refused
            .set_read_timeout(Some(PATIENCE))
            .expect("set a read timeout");
        let mut told = String::new();
        refused
            .read_to_string(&mut told)
            .unwrap_or_else(|e| panic!("connection {}: {e}", LIMIT + i + 1));
        assert!(
            told.contains("服务端忙") && told.ends_with('\n') && told.lines().count() == 1,
            "connection {} was told {told:?}",
            LIMIT + i + 1
        );
    }
    let threads = threads::count(pid).expect("read /proc");
    assert!(
        threads <= threads_at_most,
        "{threads} threads after {} connections",
        LIMIT + EXTRA
    );
    // A place comes free: the next client is served.
    drop(held.pop());
    server.wait_for(&format!("还剩 {} 个连接", LIMIT - 1));
    let mut newcomer = Client::connect(port).expect("connect");
    newcomer
        .stream()
        .set_read_timeout(Some(PATIENCE))
        .expect("timeout");
    assert_eq!(newcomer.round_trip("轮到我了").expect("a reply"), REPLY);
    let out = server.stop_ok(Signal::SIGTERM);
    assert_eq!(
        out.count("服务端忙"),
        1,
        "once per burst:\n{}",
        out.report()
    );
    assert!(
        out.stdout.contains(&format!("拒绝了 {EXTRA} 个客户端")),
        "{}",
        out.report()
    );
    drop(held);
}

#[test]
fn the_threaded_server_holds_at_most_500_connections_with_a_thread_each() {
    // a thread per connection, main, the signal watcher and the log writer
    six_hundred_idle_connections_against_a_limit_of_500(THREADED, 500 + 3);
}

#[test]
fn the_async_server_holds_at_most_500_connections_too() {
    // the runtime's one thread and the log writer
    six_hundred_idle_connections_against_a_limit_of_500(ASYNC, 2);
}
