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
    // A client that never stops talking fails the test in PATIENCE.
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &server.port.to_string()])
        .stdin(input)
        .timeout(support::PATIENCE)
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
    // Nobody was turned away: no burst of refusals to report, not even one of 0.
    assert!(!server.stdout.contains("拒绝了"), "{}", server.report());
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
    // A port that was free a moment ago: nobody listens there, so connecting is refused.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &port.to_string()])
        .stdin("你好\n")
        .run();
    assert_eq!(client.status, Status::Exited(1), "{}", client.report());
    assert_eq!(client.stderr.lines().count(), 1, "{}", client.report());
    assert!(
        client.stderr.contains(&format!("127.0.0.1:{port}")),
        "{}",
        client.report()
    );
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

/// The highest resident set size process `pid` has had so far, in bytes (`VmHWM` in
/// /proc/PID/status); `None` once it has exited.
fn peak_memory(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[test]
fn an_endless_line_is_not_read_into_memory_and_ends_the_client_with_one_line() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    const MAX_MEMORY: u64 = 50 << 20;
    // A server that accepts and waits: the client must never get as far as sending.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let holder = thread::spawn(move || listener.accept().map(|(conn, _)| conn));
    let started = Instant::now();
    let mut client = Command::new(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &port.to_string()])
        .stdin(std::fs::File::open("/dev/zero").expect("open /dev/zero"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the client");
    let mut peak = 0;
    let status = loop {
        if let Some(status) = client.try_wait().expect("try_wait") {
            break status;
        }
        peak = peak.max(peak_memory(client.id()).unwrap_or(0));
        if peak > MAX_MEMORY || started.elapsed() > Duration::from_secs(20) {
            let _ = client.kill();
            let _ = client.wait();
            panic!(
                "the client reading /dev/zero: {} MB after {:.1} s (killed)",
                peak >> 20,
                started.elapsed().as_secs_f64()
            );
        }
        thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    client
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let mut stdout = String::new();
    client
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    assert_eq!(status.code(), Some(1), "{status}; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("字节"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stdout, ">>>", "only the prompt");
    drop(holder.join().expect("the server thread"));
}

#[test]
fn a_silent_server_is_given_up_after_the_timeout_with_one_line() {
    use std::time::Duration;
    // A server that accepts the connection, reads, and never answers.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let silent = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        let mut everything = Vec::new();
        let _ = conn.read_to_end(&mut everything);
        everything
    });
    let client = example(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &port.to_string(), "--timeout", "1"])
        .stdin("你好\n")
        .timeout(Duration::from_secs(20))
        .run();
    assert_eq!(client.status, Status::Exited(1), "{}", client.report());
    assert_eq!(client.stderr.lines().count(), 1, "{}", client.report());
    assert!(
        client.stderr.contains("1 秒内没有回答"),
        "{}",
        client.report()
    );
    assert!(
        client.elapsed >= Duration::from_millis(900),
        "gave up before its timeout:\n{}",
        client.report()
    );
    // The client closed its connection when it gave up.
    assert_eq!(silent.join().expect("the server thread"), "你好".as_bytes());
}

#[test]
fn a_bad_port_is_one_line_that_quotes_it() {
    for (args, message) in [
        (
            &["--port", "abc"][..],
            "--port abc: 不是 1–65535 之间的端口号",
        ),
        (
            &["--port=70000"][..],
            "--port 70000: 不是 1–65535 之间的端口号",
        ),
        (&["--port", "0"][..], "--port 0: 不是 1–65535 之间的端口号"),
        (&["--timeout", "soon"][..], "--timeout soon: 不是"),
        (&["--port"][..], "--port"),
        (&["--verbose"][..], "--verbose"),
    ] {
        let out = example(env!("CARGO_BIN_EXE_s11-client")).args(args).run();
        assert_eq!(out.status, Status::Exited(1), "{}", out.report());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.report());
        assert!(out.stderr.contains(message), "{}", out.report());
        assert!(!out.stderr.contains("Some("), "{}", out.report());
        assert!(out.stdout.is_empty(), "{}", out.report());
    }
}

#[test]
fn help_shows_the_options_and_their_defaults() {
    let out = example(env!("CARGO_BIN_EXE_s11-client"))
        .arg("--help")
        .run_ok();
    for option in ["--port", "默认 8001", "--timeout", "默认 5", "--help"] {
        assert!(out.stdout.contains(option), "{option}:\n{}", out.report());
    }
    assert!(out.stderr.is_empty(), "{}", out.report());
}

#[test]
fn a_closed_stdout_while_prompting_ends_the_client_as_sigpipe_would() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    // A server that accepts and waits: empty lines send nothing.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let holder = thread::spawn(move || listener.accept().map(|(conn, _)| conn));
    let mut client = Command::new(env!("CARGO_BIN_EXE_s11-client"))
        .args(["--port", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the client");
    // Its first prompt and the echo of an empty line; then the reader goes, as `| head -1`.
    let mut stdout = BufReader::new(client.stdout.take().expect("stdout"));
    let mut stdin = client.stdin.take().expect("stdin");
    let lines = 1 << 20;
    let feeder = thread::spawn(move || {
        // Only empty lines: all the client writes is its prompt and their echo. It must end at
        // the first prompt that meets the closed pipe, long before it has read them all (then
        // it would write its last words, about the end of the input, with println!).
        let input = vec![b'\n'; lines];
        stdin.write_all(&input)
    });
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    assert_eq!(first, ">>>\n");
    drop(stdout);
    let until = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = client.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > until {
            let _ = client.kill();
            let _ = client.wait();
            panic!("the client still runs 20 s after its stdout was closed (killed)");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let fed = feeder.join().expect("the feeding thread");
    let mut stderr = String::new();
    client
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert_eq!(
        status.signal(),
        Some(Signal::SIGPIPE as i32),
        "{status}; stderr: {stderr}"
    );
    assert_eq!(stderr, "", "quietly");
    assert!(
        fed.is_err(),
        "the client read all {lines} lines before it ended"
    );
    drop(holder.join().expect("the server thread"));
}
