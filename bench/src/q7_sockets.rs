//! 7. Socket servers (§11): a thread per connection against tokio tasks.
//!
//! Round trips per second and p99 latency of `s11-server` and `s11-server-async`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Instant;

use examples_socket::client::Client;

use crate::chart::{Chart, Series};
use crate::measure::{Result, Settings, median, median_of};
use crate::python::{self, Python};
use crate::report::{Section, Table, num, rate};

/// A server binary started with `--port 0`: the child and the port it printed.
fn start_server(binary: &Path) -> Result<(Child, u16)> {
    let mut child = Command::new(binary)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "starting {}: {e} (cargo xtask bench builds it)",
                binary.display()
            )
        })?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    let port = loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Err(format!("{} ended before printing its address", binary.display()).into());
        }
        if let Some(at) = line.find("127.0.0.1:") {
            let digits: String = line[at + 10..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            break digits.parse()?;
        }
    };
    // The server prints every message it gets: keep reading, or it would block on a full pipe.
    thread::spawn(move || {
        let _ = std::io::copy(&mut lines, &mut std::io::sink());
        let _ = lines.read(&mut [0; 1]);
    });
    Ok((child, port))
}

fn stop_server(mut child: Child) -> Result<()> {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    child.wait()?;
    Ok(())
}

/// `clients` connections each doing `trips` round trips; (round trips per second, p99 µs).
fn load(port: u16, clients: usize, trips: usize) -> Result<(f64, f64)> {
    let started = Instant::now();
    let latencies: Vec<Vec<f64>> = thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || -> Result<Vec<f64>, String> {
                    let mut client = Client::connect(port).map_err(|e| e.to_string())?;
                    let mut times = Vec::with_capacity(trips);
                    for t in 0..trips {
                        let sent = Instant::now();
                        let reply = client
                            .round_trip(&format!("client {c} trip {t}"))
                            .map_err(|e| e.to_string())?;
                        times.push(sent.elapsed().as_secs_f64() * 1e6);
                        if reply != "收到收到" {
                            return Err(format!("unexpected reply {reply:?}"));
                        }
                    }
                    let _ = client.send("Q");
                    Ok(times)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a client panicked".to_string())?)
            .collect::<Result<_, String>>()
    })?;
    let secs = started.elapsed().as_secs_f64();
    let mut all: Vec<f64> = latencies.into_iter().flatten().collect();
    all.sort_by(f64::total_cmp);
    let p99 = all
        .get(((all.len() as f64) * 0.99) as usize)
        .copied()
        .unwrap_or(f64::NAN);
    Ok(((clients * trips) as f64 / secs, p99))
}

/// The Python servers beside the Rust ones, in the same order: how the table names each, and its
/// script in `bench/python/`.
const PYTHON_SERVERS: [(&str, &str); 2] = [
    ("a thread per connection", "q7_server_threads.py"),
    ("asyncio tasks", "q7_server_asyncio.py"),
];

pub fn run(settings: &Settings, bin_dir: &Path) -> Result<Section> {
    let trips = settings.pick(100, 1000);
    let servers = [
        ("a thread per connection (s11-server)", "s11-server"),
        ("tokio tasks (s11-server-async)", "s11-server-async"),
    ];
    let mut table = Table::new(&[
        "server",
        "clients",
        "round trips per second",
        "p99 latency (µs)",
        "Python server",
        "Python round trips/s",
        "Python p99 (µs)",
        "Rust × faster",
    ]);
    // Python's servers answer fewer round trips per second: fewer are asked of them.
    let python_trips = settings.pick(20, 200);
    let mut python_series = Vec::new();
    let mut python_summary = Vec::new();
    // Every row's Rust × faster, with its name: where Rust is not ahead, the verdict says why.
    let mut every_faster: Vec<(String, f64)> = Vec::new();
    let mut python_sources = Vec::new();
    let mut series = Vec::new();
    let mut summary = Vec::new();
    for ((name, binary), (python_name, script)) in servers.into_iter().zip(PYTHON_SERVERS) {
        let (child, port) = start_server(&bin_dir.join(binary))?;
        // Its Python counterpart, driven by the same client in the same rounds.
        let python = Python::server(script);
        let mut python_points = Vec::new();
        let mut points = Vec::new();
        for clients in [10usize, 100] {
            let mut p99s = Vec::new();
            let (mut pairs, mut python_p99s) = (python::Pairs::default(), python::Pairs::default());
            let per_second = median_of(settings, || {
                let (per_second, p99) = load(port, clients, trips)?;
                p99s.push(p99);
                let (py_per_second, py_p99) = python.port().map_or((f64::NAN, f64::NAN), |p| {
                    load(p, clients, python_trips).unwrap_or_else(|e| {
                        python.fail(format!("the Python server failed: {e}"));
                        (f64::NAN, f64::NAN)
                    })
                });
                pairs.push(per_second, py_per_second);
                python_p99s.push(p99, py_p99);
                Ok(per_second)
            });
            let per_second = match per_second {
                Ok(value) => value,
                Err(e) => {
                    let _ = stop_server(child);
                    return Err(e);
                }
            };
            let p99 = median(p99s);
            let (rust_rates, python_rates) = pairs.measured();
            let python_rate = python::median(python_rates);
            let python_p99 = python::median(python_p99s.measured().1);
            let faster = python::faster_by_rate(rust_rates, python_rates);
            every_faster.push((format!("{name} at {clients} clients"), faster));
            table.row(vec![
                name.to_string(),
                clients.to_string(),
                rate(per_second),
                num(p99),
                python_name.to_string(),
                rate(python_rate),
                num(python_p99),
                python::times(faster),
            ]);
            python_points.push((clients as f64, python_rate));
            if clients == 100 && python.running() {
                python_summary.push(format!(
                    "{python_name}: {}/s, p99 {} µs",
                    rate(python_rate),
                    num(python_p99)
                ));
            }
            points.push((clients as f64, per_second));
            if clients == 100 {
                summary.push(format!(
                    "{name}: {}/s, p99 {} µs",
                    rate(per_second),
                    num(p99)
                ));
            }
        }
        stop_server(child)?;
        series.push(Series {
            name: name.to_string(),
            points,
            dashed: false,
        });
        python_series.push(Series {
            name: format!("Python: {python_name}"),
            points: python_points,
            dashed: false,
        });
        python_sources.push(python.source());
    }
    series.extend(python_series);
    let mut verdict = format!(
        "at 100 clients — {}. Both servers keep up on loopback at this scale; the async one does it \
         on one thread where the other needs a thread per client.",
        summary.join("; ")
    );
    if !python_summary.is_empty() {
        verdict.push_str(&format!(
            " CPython's servers, driven by the same client in the same rounds: {}.",
            python_summary.join("; ")
        ));
        verdict.push_str(&python::behind(
            every_faster,
            settings.quick,
            "a round trip on loopback is mostly the kernel's and the client's work, the same \
             for both servers.",
        ));
    }
    Ok(Section {
        id: "q7-socket-servers",
        title: "7. Socket servers: round trips per second",
        claim: "案例：多线程socket服务端 (§11) — a thread per connection.",
        chart: Chart::Lines {
            x_label: "concurrent clients".into(),
            y_label: "round trips per second".into(),
            log_x: true,
            log_y: false,
            series,
        },
        table,
        python: python::footnote(&python_sources),
        verdict,
    })
}
