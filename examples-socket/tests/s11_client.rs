//! §11: the client — its session against the real server, and the faults it reports.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::thread;

use examples_socket::protocol::{RECEIVED, REPLY};
use harness::{Outcome, Status, example};
use nix::sys::signal::Signal;
use support::{THREADED, start};

/// Runs the client against a fresh threaded server with `input` on stdin; the client's outcome
/// and the server's, once the client's connection has ended.
fn session(input: &str) -> (Outcome, Outcome) {
    let mut server = start(THREADED);
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &server.port.to_string()])
        .stdin(input)
        .run();
    if client.status == Status::Exited(0) {
        server.wait_for("还剩 0 个连接");
    }
    (client, server.stop_ok(Signal::SIGTERM))
}

#[test]
fn an_empty_line_prompts_again_and_the_end_of_input_sends_q() {
    let (client, server) = session("你好\n\n\n世界\n");
    assert!(client.success(), "{}", client.report());
    // 你好, two empty lines, 世界, then the end of the input: five prompts, two replies.
    assert_eq!(client.count(">>>"), 5, "{}", client.report());
    assert_eq!(client.count(REPLY), 2, "{}", client.report());
    client.assert_in_order(&[">>>你好\n", REPLY, ">>>\n>>>\n>>>世界\n", REPLY, "发送 Q"]);
    server.assert_in_order(&[
        &format!("{RECEIVED} 你好\n"),
        &format!("{RECEIVED} 世界\n"),
        &format!("{RECEIVED} Q\n"),
        "发来 Q，关闭连接",
    ]);
    assert_eq!(
        server.count(RECEIVED),
        3,
        "no empty message:\n{}",
        server.report()
    );
}

#[test]
fn q_ends_the_session_without_waiting_for_a_reply() {
    let (client, server) = session("q\n这一行不会发送\n");
    assert!(client.success(), "{}", client.report());
    assert_eq!(client.count(">>>"), 1, "{}", client.report());
    assert_eq!(client.count(REPLY), 0, "{}", client.report());
    assert!(!server.stdout.contains("不会发送"), "{}", server.report());
    assert_eq!(
        server.count(&format!("{RECEIVED} q\n")),
        1,
        "{}",
        server.report()
    );
}

#[test]
fn a_line_over_1024_bytes_is_refused_and_the_session_goes_on() {
    let long = "x".repeat(1500);
    let (client, server) = session(&format!("{long}\n短的\nQ\n"));
    assert!(client.success(), "{}", client.report());
    assert!(client.stdout.contains("1500 字节"), "{}", client.report());
    assert_eq!(client.count(REPLY), 1, "{}", client.report());
    assert!(!server.stdout.contains("xxx"), "{}", server.report());
    assert_eq!(
        server.count(&format!("{RECEIVED} 短的\n")),
        1,
        "{}",
        server.report()
    );
}

#[test]
fn a_server_that_closes_the_connection_is_one_line_and_exit_code_1() {
    // A server that reads the first message and hangs up without answering.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let rude = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut message = [0u8; 1024];
        let n = conn.read(&mut message).expect("read");
        String::from_utf8_lossy(&message[..n]).into_owned()
    });
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &port.to_string()])
        .stdin("你好\n再见\n")
        .run();
    assert_eq!(rude.join().expect("the server thread"), "你好");
    assert_eq!(client.status, Status::Exited(1), "{}", client.report());
    assert_eq!(client.stderr.lines().count(), 1, "{}", client.report());
    assert!(client.stderr.contains("关闭了连接"), "{}", client.report());
    assert!(!client.stderr.contains("panicked"), "{}", client.report());
}

#[test]
fn no_server_is_one_line_and_exit_code_1() {
    // Nobody can listen on port 0: connecting to it is refused.
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", "0"])
        .stdin("你好\n")
        .run();
    assert_eq!(client.status, Status::Exited(1), "{}", client.report());
    assert_eq!(client.stderr.lines().count(), 1, "{}", client.report());
    assert!(client.stderr.contains("127.0.0.1:0"), "{}", client.report());
    assert!(!client.stdout.contains(">>>"), "{}", client.report());
}

#[test]
fn the_client_speaks_the_snippets_bytes() {
    // What the snippet's Python server would see: the line's UTF-8 bytes, nothing more.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let python_like = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut seen = Vec::new();
        let mut buffer = [0u8; 1024];
        loop {
            let n = conn.read(&mut buffer).expect("read");
            if n == 0 {
                break;
            }
            seen.push(buffer[..n].to_vec());
            if &buffer[..n] == b"Q" {
                continue; // the client closes next
            }
            conn.write_all(REPLY.as_bytes()).expect("reply");
        }
        seen
    });
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &port.to_string()])
        .stdin("你好\nQ\n")
        .run_ok();
    assert_eq!(client.count(REPLY), 1, "{}", client.report());
    let seen = python_like.join().expect("the server thread");
    assert_eq!(seen, [b"\xe4\xbd\xa0\xe5\xa5\xbd".to_vec(), b"Q".to_vec()]);
}
