//! §3 GIL全局锁 — the IO-bound workload (下载视频): downloads one after another, then one thread
//! per download.
//!
//! The notes say IO-bound work (files, the network) suits threads even under the GIL, and name a
//! video download as the example without showing it. With no internet here, the program starts
//! its own "video site" on 127.0.0.1 (a port the OS picks) that answers each request after 1 s —
//! the time a real download spends waiting on the network. It downloads five videos serially,
//! then with one thread per video, saves each into a directory, and prints both times.
//!
//! Rust: the same result, for the same reason — a thread waiting on a socket does not use the
//! CPU, so five waits overlap and take about as long as one. (Python releases the GIL while it
//! waits, which is why threads help there too; for CPU-bound work they do not — see §11.2.)
//!
//! Run it: `cargo run -p examples-threads --bin s03-io-bound`. The videos go into a temporary
//! directory, removed at the end; to keep them, name a directory: `… -- --out DIR` (it gets
//! `serial/` and `threads/`).

use std::error::Error;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use examples_threads::download::{VideoServer, download};

const VIDEOS: [&str; 5] = [
    "video-1.mp4",
    "video-2.mp4",
    "video-3.mp4",
    "video-4.mp4",
    "video-5.mp4",
];

/// How long the server waits before each answer, at time scale 1.
const NETWORK_DELAY: Duration = Duration::from_secs(1);

/// Downloads the video `file_name` and saves it into `dir`; the error says what failed.
fn task(server: SocketAddr, file_name: &str, dir: &Path) -> Result<(), String> {
    let content = download(server, &format!("/video/{file_name}"))
        .map_err(|e| format!("下载 {file_name} 失败：{e}"))?;
    let path = dir.join(file_name);
    fs::write(&path, &content).map_err(|e| format!("写入 {} 失败：{e}", path.display()))?;
    println!("{file_name} 下载完成，{} 字节", content.len());
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let (temporary, dir) = output_dir()?;
    let delay = pace::scaled(NETWORK_DELAY);
    let server = VideoServer::start(delay)?;
    println!(
        "视频网站：http://{}，每个视频要等 {:.2} 秒才开始传（模拟网络）",
        server.addr(),
        delay.as_secs_f64()
    );

    println!("—— 串行：一个接一个地下载 ——");
    let serial_dir = make_dir(&dir.join("serial"))?;
    let started = Instant::now();
    for file_name in VIDEOS {
        task(server.addr(), file_name, &serial_dir)?;
    }
    let serial = started.elapsed();
    println!("串行用时：{:.2} 秒", serial.as_secs_f64());

    println!("—— 多线程：每个视频一个线程 ——");
    let threads_dir = make_dir(&dir.join("threads"))?;
    let started = Instant::now();
    thread::scope(|s| -> Result<(), Box<dyn Error>> {
        let mut threads = Vec::new();
        for file_name in VIDEOS {
            let (server, threads_dir) = (server.addr(), &threads_dir);
            threads.push(s.spawn(move || task(server, file_name, threads_dir)));
        }
        for t in threads {
            t.join()
                .map_err(|_| "下载线程 panic 了")?
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })?;
    let threaded = started.elapsed();
    println!("多线程用时：{:.2} 秒", threaded.as_secs_f64());

    println!(
        "多线程快了 {:.1} 倍：时间都花在等网络上，等待的线程不占 CPU，{} 个等待同时进行",
        serial.as_secs_f64() / threaded.as_secs_f64(),
        VIDEOS.len()
    );
    match temporary {
        Some(_) => println!(
            "视频存在临时目录 {}，程序结束时删除（用 --out DIR 可保留）",
            dir.display()
        ),
        None => println!("视频保存在 {}", dir.display()),
    }
    Ok(())
}

/// The directory named by `--out DIR`, or a new temporary one (removed when the returned guard
/// drops).
fn output_dir() -> Result<(Option<tempfile::TempDir>, PathBuf), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            let temporary = tempfile::Builder::new().prefix("s03-io-bound-").tempdir()?;
            let dir = temporary.path().to_path_buf();
            Ok((Some(temporary), dir))
        }
        [flag, dir] if flag == "--out" => Ok((None, make_dir(Path::new(dir))?)),
        _ => Err("usage: s03-io-bound [--out DIR]".into()),
    }
}

fn make_dir(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir.to_path_buf())
}
