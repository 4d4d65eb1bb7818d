//! The local video site leaves nothing behind when dropped: no thread, no socket.
//!
//! In a test binary of its own, so that no other test's threads or sockets are counted.

use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use examples_threads::download::{SITE_THREAD, VideoServer, video};

/// The names of this process's threads.
fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path().join("comm")).ok())
        .map(|comm| comm.trim_end().to_string())
        .collect()
}

fn site_threads() -> usize {
    thread_names().iter().filter(|n| *n == SITE_THREAD).count()
}

/// How many file descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Waits (at most 10 s) until `done` holds: a joined thread may linger in /proc a moment.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < until, "{what}, still after 10 s");
        thread::sleep(Duration::from_millis(1));
    }
}

/// How many established TCP connections to `port` this machine has (Linux: /proc/net/tcp).
fn established_to(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!(":{port:04X}");
    // sl local_address rem_address st …; st 01 is ESTABLISHED.
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() > 3 && f[1].ends_with(&local) && f[3] == "01")
        .count()
}

#[test]
fn dropped_it_leaves_no_thread_and_no_socket_even_with_clients_connected() {
    // The first tokio runtime of a process creates tokio's process-wide signal pipe (two
    // sockets, kept until exit): count from after it.
    drop(VideoServer::start(Duration::ZERO).expect("a first site"));
    eventually("the first site's thread is left", || site_threads() == 0);
    let fds = open_fds();
    let site = VideoServer::start(Duration::from_secs(60)).expect("the video site");
    let quick = VideoServer::start(Duration::ZERO).expect("a second site");
    eventually("the sites' threads are not named", || site_threads() == 2);

    // Downloads on keep-alive connections, a client that sent nothing, one waiting for an answer
    // that is a minute away.
    for name in ["a", "b"] {
        let content = ureq::get(quick.url(name))
            .call()
            .and_then(|mut r| r.body_mut().read_to_vec())
            .expect("a download");
        assert_eq!(content, video(name));
    }
    let silent = TcpStream::connect(site.addr()).expect("connect");
    let url = site.url("x");
    // Bounded, so that a site that kept the connection open fails the test instead of hanging it.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let waiting = thread::spawn(move || agent.get(url).call().map(drop));
    eventually("the waiting download never reached the site", || {
        established_to(site.addr().port()) == 2
    });

    drop(site);
    drop(quick);
    eventually("a site's thread is left", || site_threads() == 0);
    drop(silent);
    match waiting.join().expect("the waiting client") {
        Err(ureq::Error::Timeout(_)) => {
            panic!("the site left the waiting client's connection open")
        }
        Err(_) => {}
        Ok(()) => panic!("the waiting client got an answer from a dropped site"),
    }
    assert_eq!(open_fds(), fds, "a socket of the sites is still open");
}
