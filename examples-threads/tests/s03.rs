//! §3 GIL全局锁: the IO-bound download workload.

use common::scaled_secs;
use examples_threads::download::{VideoServer, video};
use harness::example;

mod common;

const VIDEOS: [&str; 5] = [
    "video-1.mp4",
    "video-2.mp4",
    "video-3.mp4",
    "video-4.mp4",
    "video-5.mp4",
];

#[test]
fn both_ways_save_every_video_whole_and_report_their_times() {
    let out_dir = tempfile::tempdir().expect("a temporary directory");
    let out = example(env!("CARGO_BIN_EXE_s03-io-bound"))
        .arg("--out")
        .arg(out_dir.path())
        .run_ok();
    out.assert_in_order(&[
        &format!("每个视频要等 {} 秒才开始传", scaled_secs(1.0)),
        "串行",
        "串行用时：",
        "多线程",
        "多线程用时：",
        "多线程快了",
    ]);
    for way in ["serial", "threads"] {
        for name in VIDEOS {
            let path = out_dir.path().join(way).join(name);
            let saved = std::fs::read(&path).unwrap_or_else(|e| {
                panic!("{} was not saved: {e}\n{}", path.display(), out.report())
            });
            assert!(
                saved == video(name),
                "{} has the wrong content",
                path.display()
            );
        }
    }
    assert_eq!(
        out.count("下载完成，65536 字节"),
        2 * VIDEOS.len(),
        "{}",
        out.report()
    );
}

#[test]
fn without_out_it_leaves_nothing_behind() {
    let out = example(env!("CARGO_BIN_EXE_s03-io-bound")).run_ok();
    let line = out
        .lines()
        .into_iter()
        .find(|l| l.starts_with("视频存在临时目录 "))
        .unwrap_or_else(|| panic!("no temporary directory named\n{}", out.report()))
        .to_string();
    let dir = line
        .trim_start_matches("视频存在临时目录 ")
        .split('，')
        .next()
        .expect("a path");
    assert!(
        !std::path::Path::new(dir).exists(),
        "{dir} is still there after the program ended"
    );
}

/// Runs s03-io-bound with `args`; it must fail with exit code 1 and one line on stderr, no
/// panic, nothing left behind. That line.
fn fails_with_one_line(args: &[&str]) -> String {
    let out = example(env!("CARGO_BIN_EXE_s03-io-bound")).args(args).run();
    assert_eq!(out.status, harness::Status::Exited(1), "{}", out.report());
    assert!(out.leftovers.is_empty(), "{}", out.report());
    assert!(!out.stderr.contains("panicked"), "{}", out.report());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.report());
    out.stderr.trim_end().to_string()
}

#[test]
fn a_bad_argument_is_quoted_as_typed_with_the_usage() {
    let error = fails_with_one_line(&["--outt"]);
    assert_eq!(
        error,
        "Error: --outt：不认识的参数；用法：s03-io-bound [--out DIR] [--site URL]"
    );
    let error = fails_with_one_line(&["--site", "ftp://x"]);
    assert!(
        error.starts_with("Error: --site ftp://x：不是 http:// 开头的网址"),
        "{error}"
    );
    let error = fails_with_one_line(&["--out"]);
    assert!(
        error.starts_with("Error: --out 后面要跟一个目录"),
        "{error}"
    );
}

#[test]
fn help_says_how_to_run_it() {
    let out = example(env!("CARGO_BIN_EXE_s03-io-bound"))
        .arg("--help")
        .run_ok();
    assert!(
        out.stdout
            .contains("用法：s03-io-bound [--out DIR] [--site URL]"),
        "{}",
        out.report()
    );
    for option in ["--out DIR", "--site URL", "--help"] {
        assert!(out.stdout.contains(option), "{}", out.report());
    }
}

#[test]
fn a_site_that_is_gone_is_an_error_that_names_the_video() {
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let error = fails_with_one_line(&["--site", &format!("http://{gone}")]);
    assert!(
        error.starts_with("Error: 下载 video-1.mp4 失败：") && error.contains("refused"),
        "{error}"
    );
}

#[test]
fn a_video_the_site_does_not_have_is_an_error_that_names_it() {
    let site = VideoServer::start(std::time::Duration::ZERO).expect("the video site");
    let elsewhere = format!("http://{}/elsewhere", site.addr());
    let error = fails_with_one_line(&["--site", &elsewhere]);
    assert_eq!(error, "Error: 下载 video-1.mp4 失败：http status: 404");
}
