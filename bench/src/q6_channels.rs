//! 6. Channels: messages per second between threads and between processes.

use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use examples_ipc::{Connection, DictProxy, Manager, Queue, QueueSender, pipe};
use examples_processes::{Process, StartMethod, target};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};

use crate::chart::Chart;
use crate::measure::{Measurement, Result, Settings, median, rounds};
use crate::python::{self, Python};
use crate::report::{Section, Table, rate};

/// In a child process: wait for the go, then send `count` numbers.
fn send_numbers(count: u64, go: IpcReceiver<()>, numbers: IpcSender<u64>) {
    if go.recv().is_ok() {
        for n in 0..count {
            if numbers.send(n).is_err() {
                return;
            }
        }
    }
}

/// In a child process: wait for the go, then put `count` numbers into the queue.
fn put_numbers(count: u64, go: IpcReceiver<()>, queue: QueueSender<u64>) {
    if go.recv().is_ok() {
        for n in 0..count {
            if queue.put(n).is_err() {
                return;
            }
        }
    }
}

/// In a child process: wait for the go, then send `count` numbers through the pipe.
fn send_on_pipe(count: u64, go: IpcReceiver<()>, conn: Connection<u64>) {
    if go.recv().is_ok() {
        for n in 0..count {
            if conn.send(n).is_err() {
                return;
            }
        }
    }
}

/// In a child process: send back every number that comes, until the requests close.
fn echo(requests: IpcReceiver<u64>, replies: IpcSender<u64>) {
    while let Ok(n) = requests.recv() {
        if replies.send(n).is_err() {
            return;
        }
    }
}

/// Python's channels, in the order its samples come in: the rows of the table each stands
/// beside (by index), and the command of `bench/python/q6_channels.py` that measures it.
const PYTHON_TWINS: [(&[usize], &str); 4] = [
    (&[0, 1], "queue"),
    (&[3], "mp_queue"),
    (&[4], "pipe"),
    (&[5], "manager"),
];

/// How the Python column names them.
const PYTHON_NAMES: [&str; 4] = [
    "`queue.Queue`",
    "`multiprocessing.Queue`",
    "`multiprocessing.Pipe`",
    "`Manager().dict()`: `d[k] = v`",
];

fn check_sum(sum: u64, count: u64) -> Result<()> {
    let want = count * (count - 1) / 2;
    if sum == want {
        Ok(())
    } else {
        Err(format!("messages lost: sum {sum}, expected {want}").into())
    }
}

/// Messages per second from one producer thread to this one: one measurement.
fn between_threads<'a, S: Send + 'static>(
    count: u64,
    channel: impl Fn() -> (S, Box<dyn FnMut() -> Option<u64>>) + 'a,
    send: fn(&S, u64) -> bool,
) -> Measurement<'a> {
    Box::new(move || {
        let (sender, mut receive) = channel();
        let started = Instant::now();
        let producer = thread::spawn(move || {
            for n in 0..count {
                if !send(&sender, n) {
                    break;
                }
            }
        });
        let mut sum = 0u64;
        for _ in 0..count {
            sum += receive().ok_or("the channel closed early")?;
        }
        let secs = started.elapsed().as_secs_f64();
        producer.join().map_err(|_| "the producer panicked")?;
        check_sum(sum, count)?;
        Ok(count as f64 / secs)
    })
}

/// Messages per second from a spawned child: `start(count, go)` starts it — it sends `count`
/// numbers once `go` says so — and returns how to receive one number, and how to join it. One
/// measurement: the child's start is not timed.
fn between_processes<'a>(
    count: u64,
    start: impl Fn(u64, IpcReceiver<()>) -> Result<Receiving> + 'a,
) -> Measurement<'a> {
    Box::new(move || {
        let (go_tx, go_rx) = ipc::channel::<()>()?;
        let mut receiving = start(count, go_rx)?;
        let started = Instant::now();
        go_tx.send(())?;
        let mut sum = 0u64;
        for _ in 0..count {
            sum += (receiving.next)()?;
        }
        let secs = started.elapsed().as_secs_f64();
        (receiving.join)()?;
        check_sum(sum, count)?;
        Ok(count as f64 / secs)
    })
}

/// A started sender process, as the receiving side holds it.
struct Receiving {
    next: Box<dyn FnMut() -> Result<u64>>,
    join: Box<dyn FnOnce() -> Result<()>>,
}

fn spawned<Args: examples_processes::Wire>(
    process: Process<Args>,
) -> Result<Box<dyn FnOnce() -> Result<()>>> {
    let mut process = process.start_method(StartMethod::Spawn);
    process.start()?;
    Ok(Box::new(move || Ok(process.join()?)))
}

/// Manager proxy calls per second: `d[i] = i` on a managed dict, each a round trip to the
/// manager's server process. One measurement.
fn manager_calls(dict: &DictProxy, count: u64) -> Measurement<'_> {
    Box::new(move || {
        let started = Instant::now();
        for i in 0..count {
            dict.set(i as i64, i as i64)?;
        }
        Ok(count as f64 / started.elapsed().as_secs_f64())
    })
}

/// Round trips per second over two bare pipes to an echoing child — `cat`, reading its stdin
/// and writing its stdout: the floor under a Manager proxy call, whose connections are two pipes
/// (the same two messages and two wake-ups, nothing else). One measurement.
fn pipe_round_trips(count: u64) -> Measurement<'static> {
    Box::new(move || {
        use std::io::{Read, Write};
        use std::process::{Command, Stdio};
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting cat for the pipe round trips: {e}"))?;
        let (Some(mut requests), Some(mut replies)) = (cat.stdin.take(), cat.stdout.take()) else {
            return Err("cat's pipes were not made".into());
        };
        let mut answer = [0u8; 8];
        let mut round_trip = |i: u64| -> Result<bool> {
            requests.write_all(&i.to_le_bytes())?;
            replies.read_exact(&mut answer)?;
            Ok(u64::from_le_bytes(answer) == i)
        };
        // The child's start is not timed: its first answer says it is there.
        round_trip(0)?;
        let started = Instant::now();
        for i in 0..count {
            if !round_trip(i)? {
                return Err("cat answered out of turn".into());
            }
        }
        let per_second = count as f64 / started.elapsed().as_secs_f64();
        drop(requests);
        cat.wait()?;
        Ok(per_second)
    })
}

/// Round trips per second over two bare ipc-channels to an echoing child: what a Manager proxy
/// call would cost at least over ipc-channel. One measurement.
fn round_trips(count: u64) -> Measurement<'static> {
    Box::new(move || {
        let (requests, child_requests) = ipc::channel::<u64>()?;
        let (child_replies, replies) = ipc::channel::<u64>()?;
        let join = spawned(Process::new(target!(echo), (child_requests, child_replies)))?;
        // The child's start is not timed: its first answer says it is there.
        requests.send(0)?;
        replies.recv()?;
        let started = Instant::now();
        for i in 0..count {
            requests.send(i)?;
            if replies.recv()? != i {
                return Err("the echo answered out of turn".into());
            }
        }
        let per_second = count as f64 / started.elapsed().as_secs_f64();
        drop(requests);
        join()?;
        Ok(per_second)
    })
}

pub fn run(settings: &Settings) -> Result<Section> {
    let count: u64 = settings.pick(100_000, 1_000_000);
    let ipc_count: u64 = settings.pick(20_000, 200_000);
    let manager_count: u64 = settings.pick(2_000, 20_000);
    let manager = Manager::new()?;
    let dict = manager.dict()?;
    let rows: Vec<(&str, Measurement)> = vec![
        (
            "threads: std::sync::mpsc",
            between_threads(
                count,
                || {
                    let (tx, rx) = mpsc::channel::<u64>();
                    (
                        tx,
                        Box::new(move || rx.recv().ok()) as Box<dyn FnMut() -> Option<u64>>,
                    )
                },
                |tx, n| tx.send(n).is_ok(),
            ),
        ),
        (
            "threads: crossbeam channel",
            between_threads(
                count,
                || {
                    let (tx, rx) = crossbeam::channel::unbounded::<u64>();
                    (
                        tx,
                        Box::new(move || rx.recv().ok()) as Box<dyn FnMut() -> Option<u64>>,
                    )
                },
                |tx, n| tx.send(n).is_ok(),
            ),
        ),
        (
            "processes: ipc-channel",
            between_processes(ipc_count, |count, go| {
                let (tx, rx) = ipc::channel::<u64>()?;
                let join = spawned(Process::new(target!(send_numbers), (count, go, tx)))?;
                Ok(Receiving {
                    next: Box::new(move || Ok(rx.recv()?)),
                    join,
                })
            }),
        ),
        (
            "processes: Queue (examples-ipc)",
            between_processes(ipc_count, |count, go| {
                let queue = Queue::<u64>::new()?;
                let join = spawned(Process::new(
                    target!(put_numbers),
                    (count, go, queue.sender()?),
                ))?;
                Ok(Receiving {
                    next: Box::new(move || Ok(queue.get()?)),
                    join,
                })
            }),
        ),
        (
            "processes: Pipe (examples-ipc)",
            between_processes(ipc_count, |count, go| {
                let (parent_conn, child_conn) = pipe::<u64>()?;
                let join = spawned(Process::new(target!(send_on_pipe), (count, go, child_conn)))?;
                Ok(Receiving {
                    next: Box::new(move || Ok(parent_conn.recv()?)),
                    join,
                })
            }),
        ),
        (
            "processes: Manager proxy call (a round trip)",
            manager_calls(&dict, manager_count),
        ),
        (
            "  floor: a bare round trip over two pipes (its transport)",
            pipe_round_trips(manager_count),
        ),
        (
            "  a bare round trip over ipc-channel",
            round_trips(manager_count),
        ),
    ];
    // Round by round: every Rust channel, then Python's (an interpreter passes fewer messages
    // in the same time, so it is given fewer).
    let python = Python::start("q6_channels.py");
    let (names, mut measurements): (Vec<&str>, Vec<Measurement>) = rows.into_iter().unzip();
    for (_, command) in PYTHON_TWINS {
        measurements.push(python.measurement(format!(
            "{command} {}",
            match command {
                "queue" => settings.pick(20_000, 200_000),
                "manager" => settings.pick(1_000, 10_000),
                _ => settings.pick(10_000, 100_000),
            }
        )));
    }
    let samples = rounds(settings, &mut measurements)?;
    drop(measurements);
    drop(dict);
    drop(manager);
    let (rust, py) = samples.split_at(names.len());
    let per_second: Vec<f64> = rust.iter().map(|s| median(s.clone())).collect();
    let py_per_second: Vec<f64> = py.iter().map(|s| python::median(s)).collect();
    let mut table = Table::new(&[
        "channel",
        "messages per second",
        "Python: the same",
        "Python, messages per second",
        "Rust × faster",
    ]);
    let (mut python_bars, mut bar_names) = (Vec::new(), Vec::new());
    let mut faster = Vec::new();
    for (i, name) in names.iter().enumerate() {
        // The Python channel that does what this row's does, if there is one.
        let twin = PYTHON_TWINS.iter().position(|(rows, _)| rows.contains(&i));
        let (py_rate, ratio) = twin.map_or((f64::NAN, f64::NAN), |k| {
            (py_per_second[k], python::faster_by_rate(&rust[i], &py[k]))
        });
        table.row(vec![
            name.to_string(),
            rate(per_second[i]),
            twin.map_or("—".to_string(), |k| PYTHON_NAMES[k].to_string()),
            rate(py_rate),
            python::times(ratio),
        ]);
        // On the chart, each Python channel once, beside the first Rust row it stands for, and
        // named with it.
        let first_of_twin = twin.is_some_and(|k| PYTHON_TWINS[k].0.first() == Some(&i));
        python_bars.push(if first_of_twin { py_rate } else { f64::NAN });
        bar_names.push(match twin {
            Some(k) if first_of_twin => {
                format!("{name} | Python: {}", PYTHON_NAMES[k].replace('`', ""))
            }
            _ => name.to_string(),
        });
        faster.push(ratio);
    }
    let micros = |per_second: f64| crate::report::num(1e6 / per_second);
    let mut verdict = format!(
        "between threads a message is handed over in memory: {}/s (std), {}/s (crossbeam). \
         Between processes it is serialized and goes through the kernel: ipc-channel {}/s, {}× \
         fewer than std's channel. The Pipe, built on it, sends one message per item: {}/s. \
         The Queue passes {}/s, more than the channel it is built on: its feeding thread sends \
         what has gathered in one message (Python's Queue has the same thread). A Manager \
         proxy call waits for the server's answer each time: {}/s, {} µs a call, where a bare \
         round trip over two pipes, the connection it uses, takes {} µs — the kernel carrying \
         two messages and waking the other process twice is the floor of a call (over \
         ipc-channel, which looks at every message for descriptors it may carry, {} µs). \
         Exchanging data between processes (§9.3) costs far more than sharing it between \
         threads.",
        rate(per_second[0]),
        rate(per_second[1]),
        rate(per_second[2]),
        crate::report::num(per_second[0] / per_second[2]),
        rate(per_second[4]),
        rate(per_second[3]),
        rate(per_second[5]),
        micros(per_second[5]),
        micros(per_second[6]),
        micros(per_second[7]),
    );
    if python.running() {
        verdict.push_str(&format!(
            " CPython in the same rounds: `queue.Queue` {}/s between threads; between processes \
             `multiprocessing.Queue` {}/s, `Pipe` {}/s, a Manager dict proxy {}/s ({} µs a \
             call: pickling and the server's loop run in the interpreter, above the same floor) \
             — the project's Queue {}, Pipe {} and Manager {} as fast.",
            rate(py_per_second[0]),
            rate(py_per_second[1]),
            rate(py_per_second[2]),
            rate(py_per_second[3]),
            micros(py_per_second[3]),
            python::times(faster[3]),
            python::times(faster[4]),
            python::times(faster[5]),
        ));
        verdict.push_str(&python::behind(
            (3..=5).map(|i| {
                (
                    names[i].trim_start_matches("processes: ").to_string(),
                    faster[i],
                )
            }),
            settings.quick,
            "between processes the time is mostly the kernel's — a system call for each \
             message and a wake-up of the other side — which Python pays too.",
        ));
    }
    Ok(Section {
        id: "q6-channels",
        title: "6. Channels: messages per second",
        claim: "进程之间数据默认不共享，需要 Queue / Pipe / Manager 交换 (§9.2, §9.3).",
        chart: Chart::Bars {
            y_label: "messages per second (log scale)".into(),
            log_y: true,
            categories: vec!["Rust".into(), "Python (its counterpart)".into()],
            groups: bar_names
                .iter()
                .zip(per_second.iter().zip(&python_bars))
                .map(|(n, (v, p))| (n.to_string(), vec![*v, *p]))
                .collect(),
        },
        table,
        python: python.footnote(),
        verdict,
    })
}
