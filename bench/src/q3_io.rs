//! 3. IO-bound downloads (§3, §10): serial, a thread per request, a thread pool, async tasks.
//!
//! The site is the examples' video site (hyper), in a process of its own; the threads download
//! with `ureq`, as `s03-io-bound` and `s07-thread-pool` do, the tasks with hyper's client, as
//! `s10-io-bound-async` does.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use examples_async::fetch;
use examples_processes::{Process, StartMethod, cpu_count, target};
use examples_threads::download::{self, VideoServer};
use examples_threads::pool::ThreadPool;
use ipc_channel::ipc::{self, IpcReceiver, IpcSender};

use crate::chart::{Chart, Series};
use crate::measure::{Result, Settings, median_of, os_threads, seconds};
use crate::python::{self, Python};
use crate::report::{Section, Table, num};

/// How long the video site waits before each answer.
const DELAY: Duration = Duration::from_millis(50);

/// The video site, in a process of its own so that its threads do not count as ours.
fn serve_videos(delay_ms: u64, port: IpcSender<u16>, stop: IpcReceiver<()>) {
    let Ok(server) = VideoServer::start(Duration::from_millis(delay_ms)) else {
        return;
    };
    if port.send(server.addr().port()).is_ok() {
        // Returns an error when the bench drops its sender: time to stop.
        let _ = stop.recv();
    }
}

/// Runs `f` while another thread samples how many OS threads this process has; returns `f`'s
/// result and the peak, not counting the sampler.
fn with_peak_threads<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let done = AtomicBool::new(false);
    let peak = AtomicUsize::new(0);
    let result = thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(os_threads(), Ordering::SeqCst);
                thread::sleep(Duration::from_micros(500));
            }
        });
        let result = f();
        done.store(true, Ordering::SeqCst);
        result
    });
    (result, peak.load(Ordering::SeqCst).saturating_sub(1))
}

/// Waits (at most a second) until the threads of the previous measurement are gone from
/// `/proc/self/task`, so that they are not counted in the next one's peak.
fn settle(baseline: usize) {
    let until = std::time::Instant::now() + Duration::from_secs(1);
    while os_threads() > baseline && std::time::Instant::now() < until {
        thread::sleep(Duration::from_millis(1));
    }
}

/// The URL of video `i` on the site at `addr`.
fn url(addr: std::net::SocketAddr, i: usize) -> String {
    format!("http://{addr}/video/{i}")
}

/// Downloads `url` on this thread (blocking).
fn download(url: &str) -> std::result::Result<Vec<u8>, ureq::Error> {
    ureq::get(url).call()?.body_mut().read_to_vec()
}

fn check(body: &[u8], i: usize) -> Result<()> {
    if body == download::video(&i.to_string()) {
        Ok(())
    } else {
        Err(format!("video {i} came back wrong").into())
    }
}

/// The ways Python downloads too: the index of the Rust way it stands beside, its command in
/// `bench/python/q3_io.py`, its name on the chart.
const PYTHON_WAYS: [(usize, &str, &str); 2] = [
    (1, "threads", "Python: a thread per request"),
    (3, "asyncio", "Python: asyncio tasks, one thread"),
];

pub fn run(settings: &Settings) -> Result<Section> {
    let (port_tx, port_rx) = ipc::channel::<u16>()?;
    let (stop_tx, stop_rx) = ipc::channel::<()>()?;
    let mut site = Process::new(
        target!(serve_videos),
        (DELAY.as_millis() as u64, port_tx, stop_rx),
    )
    .start_method(StartMethod::Spawn);
    site.start()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port_rx.recv()?));
    let pool_size = (cpu_count() + 4).min(32);
    let baseline = os_threads();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    // Python's threads and asyncio download from the same site, in the same rounds.
    let python = Python::start("q3_io.py");

    let ways: [&str; 4] = [
        "serial",
        "a thread per request",
        "thread pool",
        "async tasks, one thread",
    ];
    let mut table = Table::new(&[
        "requests",
        "way",
        "wall time (ms)",
        "× one delay",
        "peak OS threads",
        "Python (ms)",
        "Rust × faster",
    ]);
    let mut series: Vec<Series> = ways
        .iter()
        .map(|w| Series {
            name: w.to_string(),
            points: Vec::new(),
            dashed: false,
        })
        .collect();
    let mut summary = Vec::new();
    let mut python_points: [Vec<(f64, f64)>; 2] = Default::default();
    let mut python_summary = Vec::new();
    // How many times faster Rust was at the largest count, for each of Python's ways.
    let mut python_faster: Vec<f64> = Vec::new();
    // Every row's Rust × faster, with its name: where Rust is not ahead, the verdict says why.
    let mut every_faster: Vec<(String, f64)> = Vec::new();
    // Wall times at the largest count, in the order of `ways` (serial is not run there).
    let mut at_largest: Vec<f64> = Vec::new();
    let counts: &[usize] = if settings.quick {
        &[10, 100]
    } else {
        &[10, 100, 1000]
    };
    let largest = counts[counts.len() - 1];
    for &requests in counts {
        for (w, way) in ways.iter().enumerate() {
            if w == 0 && requests > 10 {
                continue;
            }
            let mut peak = 0;
            let python_way = PYTHON_WAYS.iter().position(|p| p.0 == w);
            let mut pairs = python::Pairs::default();
            let secs = median_of(settings, || {
                settle(baseline);
                let (result, threads) = with_peak_threads(|| {
                    seconds(|| match w {
                        0 => (0..requests).try_for_each(|i| check(&download(&url(addr, i))?, i)),
                        1 => thread::scope(|s| {
                            let handles: Vec<_> = (0..requests)
                                .map(|i| s.spawn(move || download(&url(addr, i))))
                                .collect();
                            handles.into_iter().enumerate().try_for_each(|(i, h)| {
                                check(&h.join().map_err(|_| "a download thread panicked")??, i)
                            })
                        }),
                        2 => {
                            let pool = ThreadPool::new(pool_size, "download");
                            let futures: Vec<_> = (0..requests)
                                .map(|i| pool.submit(move || download(&url(addr, i))))
                                .collect();
                            let outcome = futures
                                .iter()
                                .enumerate()
                                .try_for_each(|(i, f)| check(f.value()?, i));
                            pool.shutdown();
                            outcome
                        }
                        _ => runtime.block_on(async {
                            let tasks: Vec<_> = (0..requests)
                                .map(|i| {
                                    tokio::spawn(async move {
                                        fetch::get(&url(addr, i)).await?.read().await
                                    })
                                })
                                .collect();
                            for (i, task) in tasks.into_iter().enumerate() {
                                check(&task.await??, i)?;
                            }
                            Ok(())
                        }),
                    })
                });
                peak = peak.max(threads);
                if let (Ok(rust), Some(k)) = (&result, python_way) {
                    let command = format!("{} {} {requests}", PYTHON_WAYS[k].1, addr.port());
                    pairs.push(*rust, python.measure(&command));
                }
                result
            })?;
            let (rust_secs, python_secs) = pairs.measured();
            let python_ms = python::median(python_secs) * 1e3;
            let faster = python::faster_by_time(rust_secs, python_secs);
            let ms = secs * 1e3;
            table.row(vec![
                requests.to_string(),
                way.to_string(),
                num(ms),
                num(secs / DELAY.as_secs_f64()),
                peak.to_string(),
                num(python_ms),
                python::times(faster),
            ]);
            series[w].points.push((requests as f64, ms));
            if let Some(k) = python_way {
                every_faster.push((format!("{way} at {requests}"), faster));
                python_points[k].push((requests as f64, python_ms));
                if requests == largest && python.running() {
                    python_summary.push(format!("{} {} ms", PYTHON_WAYS[k].1, num(python_ms)));
                    python_faster.push(faster);
                }
            }
            if requests == largest {
                let threads = if peak == 1 {
                    "1 thread".to_string()
                } else {
                    format!("{peak} threads")
                };
                summary.push(format!("{way} {} ms with {threads}", num(ms)));
                at_largest.push(ms);
            }
        }
    }
    let python_note = python.footnote();
    drop(python);
    drop(stop_tx);
    site.join()?;
    for ((_, _, name), points) in PYTHON_WAYS.iter().zip(python_points) {
        series.push(Series {
            name: name.to_string(),
            points,
            dashed: false,
        });
    }
    series.push(Series {
        name: format!("floor: one delay ({} ms)", DELAY.as_millis()),
        points: counts
            .iter()
            .map(|&c| (c as f64, DELAY.as_secs_f64() * 1e3))
            .collect(),
        dashed: true,
    });
    // at_largest: a thread per request, the pool, async tasks.
    let (per_request, pooled, tasks) = match at_largest[..] {
        [a, b, c] => (a, b, c),
        _ => (f64::NAN, f64::NAN, f64::NAN),
    };
    let mut verdict = format!(
        "each answer waits {} ms. At {largest} requests: {}. ",
        DELAY.as_millis(),
        summary.join("; ")
    );
    verdict.push_str(if per_request < pooled {
        "A thread per request overlaps the waits, as the notes say (IO-bound work wants \
         threads, even in CPython); a small pool takes rounds of waits. "
    } else {
        "Here the pool kept up with a thread per request. "
    });
    verdict.push_str(if tasks <= 1.25 * per_request {
        "Async tasks on ONE thread overlap the waits as well, without a thread per request — \
         §10's point that coroutines save the threads' overhead on IO."
    } else {
        "Async tasks on one thread were slower here than a thread per request."
    });
    if !python_summary.is_empty() {
        let alike = python_faster.iter().all(|f| (0.67..=1.5).contains(f));
        verdict.push_str(&format!(
            " CPython against the same site, in the same rounds: {}{}",
            python_summary.join(", "),
            if alike {
                " — about as long: the time is the site's delay, which neither language can \
                 shorten."
            } else {
                ". The delay is the same for both; what differs is the work around the waits \
                 (starting threads, parsing, checking each video)."
            }
        ));
        verdict.push_str(&python::behind(
            every_faster,
            settings.quick,
            "most of the wall time is the site's delay and its own work at that many \
             connections, the same for both languages; what is left is small, and the \
             machine's load from round to round decides it.",
        ));
    }
    Ok(Section {
        id: "q3-io-bound",
        title: "3. IO-bound downloads: wall time and OS threads",
        claim: "IO密集型，用多线程 (§3); 在处理IO操作时，协程比线程更加节省开销 (§10).",
        chart: Chart::Lines {
            x_label: "concurrent requests".into(),
            y_label: "wall time (ms, log scale)".into(),
            log_x: true,
            log_y: true,
            series,
        },
        table,
        python: python_note,
        verdict,
    })
}
