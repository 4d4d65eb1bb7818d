//! The parser and the state machine on a captured trace (`fixtures/tiny.strace`, from the program
//! `fixtures/tiny.rs`): no timing, no strace needed — every number below is in the file.

use timeline::model::{self, Origin, Record, WaitKind};
use timeline::sampler::{Samples, TaskStat, Tick};
use timeline::strace::{self, Ended};

const TINY: &str = include_str!("fixtures/tiny.strace");
const MAIN: u32 = 12180;
const WAITER: u32 = 12181;
const SLEEP: u32 = 12182;

fn tiny(samples: &Samples) -> Record {
    let trace = strace::parse(TINY);
    assert!(
        trace.skipped.is_empty(),
        "lines not understood: {:?}",
        trace.skipped
    );
    model::build(&trace, samples)
}

#[test]
fn processes_and_threads_with_their_origins() {
    let record = tiny(&Samples::default());
    let pids: Vec<u32> = record.processes.iter().map(|p| p.pid).collect();
    assert_eq!(pids, vec![MAIN, SLEEP], "the root first, then its child");
    let root = &record.processes[0];
    assert_eq!(root.origin, Origin::Root);
    assert_eq!(root.program, "tiny");
    assert_eq!(root.ended, Some(Ended::Exited(0)));
    let tids: Vec<u32> = root.threads.iter().map(|t| t.tid).collect();
    assert_eq!(tids, vec![MAIN, WAITER], "the main thread first");
    assert_eq!(root.threads[0].label(MAIN), "main");
    assert_eq!(root.threads[1].label(MAIN), "waiter", "named by prctl");

    let child = &record.processes[1];
    assert_eq!(child.origin, Origin::Spawn);
    assert_eq!(child.parent, Some(MAIN));
    assert_eq!(child.depth, 1);
    assert_eq!(
        child.program, "sleep",
        "the program of its successful execve"
    );
    assert_eq!(child.threads.len(), 1);
    assert_eq!(child.threads[0].marks[0].text, "exec sleep");
    assert_eq!(child.threads[0].ended, Some(Ended::Exited(0)));
}

#[test]
fn the_record_starts_when_the_program_does() {
    let record = tiny(&Samples::default());
    // The end of the first execve: 1795982514.223250 + 0.000307.
    assert_eq!(record.start, 1_795_982_514_223_557);
    assert_eq!(record.end, 1_795_982_514_330_354);
}

#[test]
fn waits_are_classified_and_timed() {
    let record = tiny(&Samples::default());
    let root = &record.processes[0];
    let main = &root.threads[0];
    let kinds: Vec<WaitKind> = main.waits.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        vec![WaitKind::Sleep, WaitKind::Join, WaitKind::Child],
        "the zero-timeout poll, the futex wake and the reads of /proc are not waits: {:?}",
        main.waits
    );
    assert_eq!(
        (main.waits[0].start, main.waits[0].end),
        (1_795_982_514_225_207, 1_795_982_514_255_385)
    );
    assert_eq!(main.waits[1].detail, "join waiter (12181)");
    assert_eq!(main.waits[2].detail, "wait4 12182");

    let waiter = &root.threads[1];
    assert_eq!(waiter.waits.len(), 1);
    let lock = &waiter.waits[0];
    assert_eq!(lock.kind, WaitKind::Lock);
    assert!(!lock.timed_out);
    assert_eq!(
        (lock.start, lock.end),
        (1_795_982_514_225_432, 1_795_982_514_255_660)
    );
    // The waiter waits for the lock while main sleeps holding it.
    assert!(lock.start < main.waits[0].end && main.waits[0].start < lock.end);

    let sleep = &record.processes[1].threads[0];
    let kinds: Vec<WaitKind> = sleep.waits.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, vec![WaitKind::Sleep], "reading a file is not a wait");
}

#[test]
fn every_print_once_with_its_text_and_thread() {
    let record = tiny(&Samples::default());
    let prints: Vec<(u32, &str)> = record
        .prints()
        .into_iter()
        .map(|(_, t, p)| (t.tid, p.text.as_str()))
        .collect();
    assert_eq!(
        prints,
        vec![
            (MAIN, "main lets go\n"),
            (WAITER, "waiter got the lock\n"),
            (MAIN, "child: exit status: 0\n"),
        ]
    );
}

#[test]
fn schedstat_readings_become_shares_outside_the_waits() {
    // Two readings of the waiter 10 ms apart, the first during its lock wait, the second after
    // it: 8.9 ms blocked and 1.1 ms free; 0.55 ms on a CPU and 0.55 ms runnable of that.
    // (Counters that add up to less than the free time are scaled up: see `model::split`.)
    let at = |ms: i64| 1_795_982_514_246_760 + ms * 1000;
    let reading = |time, on_cpu_ns, waiting_ns| Tick {
        time,
        tasks: vec![TaskStat {
            pid: MAIN,
            tid: WAITER,
            on_cpu_ns,
            waiting_ns,
            cpu: Some(1),
        }],
    };
    let samples = Samples {
        ticks: vec![
            reading(at(0), 1_000_000, 0),
            reading(at(10), 1_550_000, 550_000),
        ],
    };
    let record = tiny(&samples);
    let waiter = &record.processes[0].threads[1];
    assert_eq!(waiter.shares.len(), 1);
    let share = waiter.shares[0];
    assert!((share.on_cpu - 0.5).abs() < 0.01, "{share:?}");
    assert!((share.runnable - 0.5).abs() < 0.01, "{share:?}");
    assert_eq!(share.cpu, Some(1), "the CPU it was last seen on");
    let cpus = &record.processes[0].cpus;
    assert_eq!(cpus.len(), 1);
    assert!((cpus[0].on_cpu - 0.055).abs() < 0.001, "{cpus:?}");
}

#[test]
fn the_chrome_trace_is_json_with_every_thread_and_print() {
    let record = tiny(&Samples::default());
    let json = timeline::chrome::to_json(&record, "tiny");
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let events = value["traceEvents"].as_array().expect("an event list");
    let named: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert_eq!(named, vec!["main", "waiter", "main"]);
    let prints = events.iter().filter(|e| e["cat"] == "print").count();
    assert_eq!(prints, 3);
    let join = events
        .iter()
        .find(|e| e["name"] == "join")
        .expect("the join is a slice");
    assert_eq!(join["tid"], MAIN);
    assert!(join["dur"].as_i64().expect("a duration") > 0);
}

#[test]
fn the_picture_is_drawn() {
    let record = tiny(&Samples::default());
    let dir = std::env::temp_dir().join(format!("timeline-test-{}", std::process::id()));
    let (svg, json) =
        timeline::write_outputs(&record, "tiny", "tiny", &dir).expect("the files are written");
    let text = std::fs::read_to_string(&svg).expect("the SVG");
    assert!(text.starts_with("<svg"), "{}", &text[..text.len().min(200)]);
    for label in [
        "main lets go",
        "waiter 12181",
        "sleep 12182",
        "seconds since",
    ] {
        assert!(text.contains(label), "the SVG lacks {label:?}");
    }
    assert!(json.exists());
    std::fs::remove_dir_all(&dir).expect("clean up");
}
