//! §11: both servers speak the snippet's protocol and survive what real clients do — each test
//! runs against the threaded server and the async one.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::thread;

use examples_socket::client::Client;
use examples_socket::protocol::{RECEIVED, REPLY};
use harness::{Status, example};
use nix::sys::signal::Signal;
use support::{ASYNC, PATIENCE, THREADED, start, start_with};

/// A client connected to `port`, with reads bounded in time.
fn client(port: u16) -> Client {
    let client = Client::connect(port).expect("connect to the server");
    client
        .stream()
        .set_read_timeout(Some(PATIENCE))
        .expect("set a read timeout");
    client
}

/// Reads until the server closes the connection; what it sent before.
fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("set a read timeout");
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("the server closes the connection");
    rest
}

fn a_message_gets_the_reply_and_q_closes(binary: &str) {
    let mut server = start(binary);
    let mut upper = client(server.port);
    assert_eq!(upper.round_trip("你好").expect("a reply"), REPLY);
    upper.send("Q").expect("send Q");
    let mut lower = client(server.port);
    assert_eq!(lower.round_trip("hello").expect("a reply"), REPLY);
    lower.send("q").expect("send q");
    for client in [upper, lower] {
        let mut stream = client.stream().try_clone().expect("clone");
        assert_eq!(read_to_end(&mut stream), b"", "no reply to Q, then the end");
    }
    server.wait_for("还剩 0 个连接");
    let out = server.stop_ok(Signal::SIGTERM);
    for message in ["你好", "Q", "hello", "q"] {
        let line = format!("{RECEIVED} {message}\n");
        assert_eq!(out.count(&line), 1, "{line:?} once:\n{}", out.report());
    }
    assert_eq!(out.count("发来 Q，关闭连接"), 2, "{}", out.report());
    out.assert_in_order(&["收到 SIGTERM", "服务端已停止"]);
}

fn bad_bytes_a_disconnect_and_a_reset_leave_the_others_served(binary: &str) {
    let mut server = start(binary);
    let mut bystander = client(server.port);
    assert_eq!(bystander.round_trip("之前").expect("a reply"), REPLY);

    // Bytes that are not UTF-8: printed lossily, answered, and the connection goes on.
    let mut garbled = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).expect("connect");
    garbled.set_read_timeout(Some(PATIENCE)).expect("timeout");
    for bytes in [&b"\xff\xfe ok"[..], "然后".as_bytes()] {
        garbled.write_all(bytes).expect("send");
        let mut reply = [0u8; REPLY.len()];
        garbled.read_exact(&mut reply).expect("a reply");
        assert_eq!(&reply, REPLY.as_bytes());
    }

    // A client that goes away without Q: the server reads 0 bytes.
    let leaver = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).expect("connect");
    let leaver_addr = leaver.local_addr().expect("address");
    drop(leaver);

    // A reset: closing a socket with unread data makes the kernel send RST, not FIN.
    let resetter = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).expect("connect");
    let resetter_addr = resetter.local_addr().expect("address");
    (&resetter).write_all(b"x").expect("send");
    resetter.set_read_timeout(Some(PATIENCE)).expect("timeout");
    resetter
        .peek(&mut [0u8; 1])
        .expect("the reply has arrived, unread");
    drop(resetter);

    server.wait_for(&format!("客户端 {leaver_addr} 断开了连接"));
    server.wait_for(&format!("与客户端 {resetter_addr} 的连接出错"));
    assert_eq!(bystander.round_trip("之后").expect("a reply"), REPLY);
    assert_eq!(
        client(server.port).round_trip("新来的").expect("a reply"),
        REPLY
    );
    let out = server.stop_ok(Signal::SIGTERM);
    for line in [
        format!("{RECEIVED} \u{fffd}\u{fffd} ok\n"),
        format!("{RECEIVED} 然后\n"),
        format!("{RECEIVED} 之后\n"),
    ] {
        assert_eq!(out.count(&line), 1, "{line:?} once:\n{}", out.report());
    }
}

fn a_message_over_1024_bytes_is_answered_piece_by_piece_and_nothing_is_lost(binary: &str) {
    // (Each piece is logged shortened — its first characters and its size — since the log
    // stopped echoing every byte a client sends.)
    let mut server = start(binary);
    let port = server.port;
    // Another client keeps talking meanwhile: its replies stay exact.
    let talker = thread::spawn(move || {
        let mut talker = client(port);
        for i in 0..50 {
            assert_eq!(
                talker.round_trip(&format!("旁边{i}")).expect("reply"),
                REPLY
            );
        }
    });
    // 1000 × "长" = 3000 bytes: at least three reads, and 1024 is not a multiple of 3.
    let long = "长".repeat(1000);
    let mut sender = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    sender.write_all(long.as_bytes()).expect("send");
    sender.shutdown(Shutdown::Write).expect("shutdown");
    let replies = read_to_end(&mut sender);
    talker.join().expect("the other client got exact replies");
    let sender_addr = sender.local_addr().expect("address");
    server.wait_for(&format!("客户端 {sender_addr} 断开了连接"));
    let out = server.stop_ok(Signal::SIGTERM);

    let pieces = replies.len() / REPLY.len();
    assert_eq!(
        replies,
        REPLY.repeat(pieces).as_bytes(),
        "replies are whole 收到收到s"
    );
    assert!(
        (3..=3000).contains(&pieces),
        "one reply per read of at most 1024 bytes, got {pieces}"
    );
    let printed: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.contains('长'))
        .collect();
    assert_eq!(printed.len(), pieces, "one printed message per reply");
    // A long piece is printed shortened, with its size: the sizes add up to the whole message.
    let size = |line: &str| match line.split_once("（共 ") {
        Some((_, rest)) => rest
            .trim_end_matches(" 字节）")
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("no size in {line:?}")),
        None => line.matches('长').count() * "长".len(),
    };
    assert_eq!(
        printed.iter().map(|l| size(l)).sum::<usize>(),
        long.len(),
        "every byte printed or counted once:\n{}",
        out.report()
    );
    assert!(
        printed.iter().all(|l| !l.contains('\u{fffd}')),
        "a character was cut:\n{}",
        out.report()
    );
}

fn a_message_over_max_message_cuts_that_client_off_with_one_line(binary: &str) {
    let mut server = start_with(binary, &["--max-message", "2048"]);
    // 3000 bytes, more than the 2048 a message may have.
    let mut sender = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).expect("connect");
    let sender_addr = sender.local_addr().expect("address");
    sender
        .write_all("长".repeat(1000).as_bytes())
        .expect("send");
    // The replies to the first pieces, then the end (or a reset: the rest was never read).
    sender
        .set_read_timeout(Some(PATIENCE))
        .expect("set a read timeout");
    let mut rest = Vec::new();
    let _ = sender.read_to_end(&mut rest);
    let line = server.wait_for(&format!("客户端 {sender_addr} 的"));
    assert!(
        line.contains("一条消息超过 2048 字节，服务端关闭了连接"),
        "{line}"
    );
    server.stop_ok(Signal::SIGTERM);
}

fn stops_on_sigint_with_clients_connected(binary: &str) {
    let server = start(binary);
    let mut clients: Vec<Client> = (0..3).map(|_| client(server.port)).collect();
    for c in &mut clients {
        assert_eq!(c.round_trip("在吗").expect("a reply"), REPLY);
    }
    let out = server.stop_ok(Signal::SIGINT);
    out.assert_in_order(&["收到 SIGINT", "关闭 3 个仍然打开的连接", "服务端已停止"]);
    // Each connection was closed — its thread finished, or its task dropped — and said so
    // before the server said it had stopped.
    let (closing, _) = out
        .stdout
        .split_once("服务端已停止")
        .unwrap_or_else(|| panic!("{}", out.report()));
    assert_eq!(
        closing.matches("服务端关闭了与客户端").count(),
        3,
        "{}",
        out.report()
    );
    assert!(closing.contains("（还剩 0 个连接）"), "{}", out.report());
    for c in &clients {
        let mut stream = c.stream().try_clone().expect("clone");
        assert_eq!(
            read_to_end(&mut stream),
            b"",
            "the server closed the connection"
        );
    }
}

fn a_port_in_use_is_exit_code_1_and_one_line(binary: &str) {
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("address").port();
    let out = example(binary).args(["--port", &port.to_string()]).run();
    assert_eq!(out.status, Status::Exited(1), "{}", out.report());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.report());
    assert!(
        out.stderr.contains(&format!("端口 {port} 已被占用")),
        "{}",
        out.report()
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.report());
}

fn bad_arguments_are_one_line_that_quotes_them(binary: &str) {
    for (args, message) in [
        (
            &["--port", "abc"][..],
            "--port abc: 不是 1–65535 之间的端口号",
        ),
        (
            &["--port=70000"][..],
            "--port 70000: 不是 1–65535 之间的端口号",
        ),
        (&["--max-connections", "0"][..], "--max-connections 0: 不是"),
        (&["--idle-timeout", "-1"][..], "--idle-timeout -1: 不是"),
        (&["--max-message", "lots"][..], "--max-message lots: 不是"),
        (&["--port"][..], "--port"),
        (&["--verbose"][..], "--verbose"),
    ] {
        let out = example(binary).args(args).run();
        assert_eq!(out.status, Status::Exited(1), "{}", out.report());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.report());
        assert!(out.stderr.contains(message), "{}", out.report());
        assert!(!out.stderr.contains("Some("), "{}", out.report());
        assert!(out.stdout.is_empty(), "{}", out.report());
    }
}

fn help_shows_the_limits_and_their_defaults(binary: &str) {
    let out = example(binary).arg("--help").run_ok();
    for option in [
        "--port",
        "默认 8001",
        "--max-connections",
        "--idle-timeout",
        "默认 300",
        "--max-message",
        "默认 65536",
        "--help",
    ] {
        assert!(out.stdout.contains(option), "{option}:\n{}", out.report());
    }
    assert!(out.stderr.is_empty(), "{}", out.report());
}

fn an_idle_client_is_cut_off_at_the_idle_timeout(binary: &str) {
    let mut server = start_with(binary, &["--idle-timeout", "1"]);
    let mut idle = client(server.port);
    assert_eq!(idle.round_trip("然后不说话了").expect("a reply"), REPLY);
    let quiet_since = std::time::Instant::now();
    let mut stream = idle.stream().try_clone().expect("clone");
    assert_eq!(read_to_end(&mut stream), b"", "closed by the server");
    let quiet = quiet_since.elapsed();
    let addr = stream.local_addr().expect("address");
    server.wait_for(&format!("客户端 {addr} 空闲超过 1 秒"));
    // The server goes on: a new client is served.
    assert_eq!(
        client(server.port).round_trip("新来的").expect("a reply"),
        REPLY
    );
    server.stop_ok(Signal::SIGTERM);
    assert!(
        quiet >= std::time::Duration::from_millis(300),
        "cut off after {quiet:?} of quiet, before the timeout"
    );
}

/// Each function above, as a test against each server.
macro_rules! against_both_servers {
    ($($test:ident),* $(,)?) => {
        mod threaded {
            $(#[test] fn $test() { super::$test(super::THREADED) })*
        }
        mod with_tokio {
            $(#[test] fn $test() { super::$test(super::ASYNC) })*
        }
    };
}

against_both_servers!(
    a_message_gets_the_reply_and_q_closes,
    bad_bytes_a_disconnect_and_a_reset_leave_the_others_served,
    a_message_over_1024_bytes_is_answered_piece_by_piece_and_nothing_is_lost,
    a_message_over_max_message_cuts_that_client_off_with_one_line,
    stops_on_sigint_with_clients_connected,
    a_port_in_use_is_exit_code_1_and_one_line,
    bad_arguments_are_one_line_that_quotes_them,
    help_shows_the_limits_and_their_defaults,
    an_idle_client_is_cut_off_at_the_idle_timeout,
);
