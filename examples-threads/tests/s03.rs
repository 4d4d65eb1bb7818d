//! §3 GIL全局锁: the IO-bound download workload.

use common::scaled_secs;
use examples_threads::download::video;
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

#[test]
fn a_bad_argument_is_an_error_with_the_usage() {
    let out = example(env!("CARGO_BIN_EXE_s03-io-bound"))
        .arg("--outt")
        .run();
    assert_eq!(out.status, harness::Status::Exited(1), "{}", out.report());
    assert!(
        out.stderr.contains("usage: s03-io-bound [--out DIR]"),
        "{}",
        out.report()
    );
}
