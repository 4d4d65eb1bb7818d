//! 6. Channels: messages per second between threads and between processes.

use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use examples_ipc::{Connection, Manager, Queue, QueueSender, pipe};
use examples_processes::{Process, StartMethod, target};
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};

use crate::chart::Chart;
use crate::measure::{Result, Settings, median_of};
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

fn check_sum(sum: u64, count: u64) -> Result<()> {
    let want = count * (count - 1) / 2;
    if sum == want {
        Ok(())
    } else {
        Err(format!("messages lost: sum {sum}, expected {want}").into())
    }
}

/// Messages per second from one producer thread to this one.
fn between_threads<S: Send + 'static>(
    settings: &Settings,
    count: u64,
    channel: impl Fn() -> (S, Box<dyn FnMut() -> Option<u64>>),
    send: fn(&S, u64) -> bool,
) -> Result<f64> {
    median_of(settings, || {
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
/// numbers once `go` says so — and returns how to receive one number, and how to join it.
fn between_processes(
    settings: &Settings,
    count: u64,
    start: impl Fn(u64, IpcReceiver<()>) -> Result<Receiving>,
) -> Result<f64> {
    median_of(settings, || {
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
/// manager's server process.
fn manager_calls(settings: &Settings, count: u64) -> Result<f64> {
    let manager = Manager::new()?;
    let dict = manager.dict()?;
    median_of(settings, || {
        let started = Instant::now();
        for i in 0..count {
            dict.set(i as i64, i as i64)?;
        }
        Ok(count as f64 / started.elapsed().as_secs_f64())
    })
}

pub fn run(settings: &Settings) -> Result<Section> {
    let count: u64 = settings.pick(100_000, 1_000_000);
    let ipc_count: u64 = settings.pick(20_000, 200_000);
    let rows: Vec<(&str, f64)> = vec![
        (
            "threads: std::sync::mpsc",
            between_threads(
                settings,
                count,
                || {
                    let (tx, rx) = mpsc::channel::<u64>();
                    (
                        tx,
                        Box::new(move || rx.recv().ok()) as Box<dyn FnMut() -> Option<u64>>,
                    )
                },
                |tx, n| tx.send(n).is_ok(),
            )?,
        ),
        (
            "threads: crossbeam channel",
            between_threads(
                settings,
                count,
                || {
                    let (tx, rx) = crossbeam::channel::unbounded::<u64>();
                    (
                        tx,
                        Box::new(move || rx.recv().ok()) as Box<dyn FnMut() -> Option<u64>>,
                    )
                },
                |tx, n| tx.send(n).is_ok(),
            )?,
        ),
        (
            "processes: ipc-channel",
            between_processes(settings, ipc_count, |count, go| {
                let (tx, rx) = ipc::channel::<u64>()?;
                let join = spawned(Process::new(target!(send_numbers), (count, go, tx)))?;
                Ok(Receiving {
                    next: Box::new(move || Ok(rx.recv()?)),
                    join,
                })
            })?,
        ),
        (
            "processes: Queue (examples-ipc)",
            between_processes(settings, ipc_count, |count, go| {
                let queue = Queue::<u64>::new()?;
                let join = spawned(Process::new(
                    target!(put_numbers),
                    (count, go, queue.sender()?),
                ))?;
                Ok(Receiving {
                    next: Box::new(move || Ok(queue.get()?)),
                    join,
                })
            })?,
        ),
        (
            "processes: Pipe (examples-ipc)",
            between_processes(settings, ipc_count, |count, go| {
                let (parent_conn, child_conn) = pipe::<u64>()?;
                let join = spawned(Process::new(target!(send_on_pipe), (count, go, child_conn)))?;
                Ok(Receiving {
                    next: Box::new(move || Ok(parent_conn.recv()?)),
                    join,
                })
            })?,
        ),
        (
            "processes: Manager proxy call (a round trip)",
            manager_calls(settings, settings.pick(2_000, 20_000))?,
        ),
    ];
    let mut table = Table::new(&["channel", "messages per second"]);
    for (name, per_second) in &rows {
        table.row(vec![name.to_string(), rate(*per_second)]);
    }
    let verdict = format!(
        "between threads a message is handed over in memory: {}/s (std), {}/s (crossbeam). \
         Between processes it is serialized and goes through the kernel: ipc-channel {}/s, {}× \
         fewer than std's channel; the Queue {}/s and the Pipe {}/s, built on it. A Manager \
         proxy call waits for the server's answer each time: {}/s. Exchanging data between \
         processes (§9.3) costs far more than sharing it between threads.",
        rate(rows[0].1),
        rate(rows[1].1),
        rate(rows[2].1),
        crate::report::num(rows[0].1 / rows[2].1),
        rate(rows[3].1),
        rate(rows[4].1),
        rate(rows[5].1)
    );
    Ok(Section {
        id: "q6-channels",
        title: "6. Channels: messages per second",
        claim: "进程之间数据默认不共享，需要 Queue / Pipe / Manager 交换 (§9.2, §9.3).",
        chart: Chart::Bars {
            y_label: "messages per second (log scale)".into(),
            log_y: true,
            categories: vec!["one producer → one consumer".into()],
            groups: rows
                .iter()
                .map(|(n, v)| (n.to_string(), vec![*v]))
                .collect(),
        },
        table,
        python: String::new(),
        verdict,
    })
}
