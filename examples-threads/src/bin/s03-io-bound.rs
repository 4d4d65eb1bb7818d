//! §3 GIL全局锁 — the IO-bound workload (下载视频): downloads one after another, then one thread
//! per download.
//!
//! The notes say IO-bound work (files, the network) suits threads even under the GIL, and name a
//! video download as the example without showing it. In Python a download is
//! `requests.get(url).content`; in Rust it is `ureq::get(url).call()?` and the body read into a
//! `Vec<u8>` — a blocking HTTP client, as `requests` is. With no internet here, the program starts
//! its own "video site" on 127.0.0.1 (a port the OS picks; `examples_threads::download`) that
//! answers each request after 1 s — the time a real download spends waiting on the network. It
//! downloads five videos serially, then with one thread per video, saves each into a directory,
//! and prints both times.
//!
//! Rust: the same result, for the same reason — a thread waiting on a socket does not use the
//! CPU, so five waits overlap and take about as long as one. (Python releases the GIL while it
//! waits, which is why threads help there too; for CPU-bound work they do not — see §11.2.)
//! A download that fails — the site gone, a video it does not have — ends the program with one
//! line that says which video and why.
//!
//! Run it: `cargo run -p examples-threads --bin s03-io-bound`. The videos go into a temporary
//! directory, removed at the end; to keep them, name a directory: `… -- --out DIR` (it gets
//! `serial/` and `threads/`). `… -- --site URL` downloads `URL/video/video-1.mp4` … from another
//! HTTP server instead of the local one; `… -- --help` says all this.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Instant;

use examples_threads::download::{NETWORK_DELAY, VideoServer, video_names};
use pace::Report;

const USAGE: &str = "用法：s03-io-bound [--out DIR] [--site URL]";

const HELP: &str = "s03-io-bound：§3 的下载示例——先一个接一个地下载 5 个视频，再每个视频一个线程。

用法：s03-io-bound [--out DIR] [--site URL]

  --out DIR    把视频保存到 DIR（分 serial/ 和 threads/ 两个子目录）；默认存到临时目录，结束时删除
  --site URL   从 URL/video/NAME 下载，不启动本地的视频网站（本地网站每个视频等 1 秒才回答）
  --help       显示这段说明";

/// The body of the answer to `GET url` — Python's `requests.get(url).content`.
fn get(url: &str) -> Result<Vec<u8>, ureq::Error> {
    ureq::get(url).call()?.body_mut().read_to_vec()
}

/// Downloads the video `file_name` from `site` and saves it into `dir`; the error says what
/// failed.
fn task(site: &str, file_name: &str, dir: &Path) -> Result<(), String> {
    let content = get(&format!("{site}/video/{file_name}"))
        .map_err(|e| format!("下载 {file_name} 失败：{e}"))?;
    let path = dir.join(file_name);
    fs::write(&path, &content).map_err(|e| format!("写入 {} 失败：{e}", path.display()))?;
    println!("{file_name} 下载完成，{} 字节", content.len());
    Ok(())
}

fn main() -> Result<(), Report> {
    pace::init();
    let Some(options) = options()? else {
        println!("{HELP}");
        return Ok(());
    };
    let (temporary, dir) = output_dir(options.out)?;
    // The local site, unless another one was named: it must live until the downloads are done.
    let (_local, site) = match options.site {
        Some(site) => {
            println!("视频网站：{site}");
            (None, site)
        }
        None => {
            let delay = pace::scaled(NETWORK_DELAY);
            let server = VideoServer::start(delay)?;
            let site = format!("http://{}", server.addr());
            println!(
                "视频网站：{site}，每个视频要等 {:.2} 秒才开始传（模拟网络）",
                delay.as_secs_f64()
            );
            (Some(server), site)
        }
    };
    let videos = video_names(5);

    println!("—— 串行：一个接一个地下载 ——");
    let serial_dir = make_dir(&dir.join("serial"))?;
    let started = Instant::now();
    for file_name in &videos {
        task(&site, file_name, &serial_dir)?;
    }
    let serial = started.elapsed();
    println!("串行用时：{:.2} 秒", serial.as_secs_f64());

    println!("—— 多线程：每个视频一个线程 ——");
    let threads_dir = make_dir(&dir.join("threads"))?;
    let started = Instant::now();
    thread::scope(|s| -> Result<(), Report> {
        let mut threads = Vec::new();
        for file_name in &videos {
            let (site, threads_dir) = (&site, &threads_dir);
            threads.push(s.spawn(move || task(site, file_name, threads_dir)));
        }
        for t in threads {
            t.join().map_err(|_| "下载线程 panic 了")??;
        }
        Ok(())
    })?;
    let threaded = started.elapsed();
    println!("多线程用时：{:.2} 秒", threaded.as_secs_f64());

    println!(
        "多线程快了 {:.1} 倍：时间都花在等网络上，等待的线程不占 CPU，{} 个等待同时进行",
        serial.as_secs_f64() / threaded.as_secs_f64(),
        videos.len()
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

/// What the command line asks for.
struct Options {
    out: Option<PathBuf>,
    site: Option<String>,
}

/// The options, or `None` for `--help`; a bad argument is an error that quotes it as typed.
fn options() -> Result<Option<Options>, String> {
    use lexopt::prelude::*;
    let mut options = Options {
        out: None,
        site: None,
    };
    let mut parser = lexopt::Parser::from_env();
    let missing = |option: &str, what: &str| format!("{option} 后面要跟{what}；{USAGE}");
    while let Some(arg) = parser.next().map_err(|e| format!("{e}；{USAGE}"))? {
        match arg {
            Long("help") | Short('h') => return Ok(None),
            Long("out") => {
                let dir = parser.value().map_err(|_| missing("--out", "一个目录"))?;
                if dir.is_empty() {
                    return Err(missing("--out", "一个目录"));
                }
                options.out = Some(dir.into());
            }
            Long("site") => {
                let site = parser.value().map_err(|_| missing("--site", "一个网址"))?;
                options.site = Some(site_url(site)?);
            }
            Long(name) => return Err(format!("--{name}：不认识的参数；{USAGE}")),
            Short(letter) => return Err(format!("-{letter}：不认识的参数；{USAGE}")),
            Value(value) => {
                return Err(format!(
                    "{}：不认识的参数；{USAGE}",
                    value.to_string_lossy()
                ));
            }
        }
    }
    Ok(Some(options))
}

/// `--site`'s value, without a trailing `/`, if it is an `http://` URL.
fn site_url(value: OsString) -> Result<String, String> {
    let text = value.to_string_lossy();
    match text.strip_prefix("http://") {
        Some(rest) if !rest.is_empty() => Ok(text.trim_end_matches('/').to_string()),
        _ => Err(format!(
            "--site {text}：不是 http:// 开头的网址（本示例不用 TLS）"
        )),
    }
}

/// The directory `out`, or a new temporary one: removed when the returned guard drops, and by
/// the resource tracker if the program is killed first.
fn output_dir(out: Option<PathBuf>) -> Result<(Option<pace::TempDir>, PathBuf), Report> {
    match out {
        None => {
            let temporary = pace::temp_dir().map_err(|e| format!("无法创建临时目录：{e}"))?;
            let dir = temporary.path().to_path_buf();
            Ok((Some(temporary), dir))
        }
        Some(dir) => Ok((None, make_dir(&dir)?)),
    }
}

fn make_dir(dir: &Path) -> Result<PathBuf, String> {
    fs::create_dir_all(dir).map_err(|e| format!("无法创建目录 {}：{e}", dir.display()))?;
    Ok(dir.to_path_buf())
}
