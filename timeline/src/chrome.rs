//! The same record in the Chrome trace-event format, for Perfetto (<https://ui.perfetto.dev>) or
//! `chrome://tracing`, which zoom where the SVG cannot.
//!
//! Each process and thread is named (`M` metadata events, in the picture's order); a thread's
//! life is a complete event (`X`, with how it ended and the CPUs it was pinned to, if it was)
//! with its waits nested inside it; each print and mark is an
//! instant event (`i`) carrying its text; the scheduler's shares are counters (`C`): per thread
//! its share on a CPU and runnable and which CPU it ran on, per process the CPUs it used. Times are microseconds since
//! the start of the record.

use std::fmt::Write as _;

use crate::model::{Record, Share, WaitKind};
use crate::strace::Micros;

/// The record as a Chrome trace-event JSON document.
pub fn to_json(record: &Record, title: &str) -> String {
    let mut events: Vec<String> = Vec::new();
    let ts = |t: Micros| (t - record.start).max(0);
    for (order, process) in record.processes.iter().enumerate() {
        let pid = process.pid;
        events.push(format!(
            r#"{{"name":"process_name","ph":"M","pid":{pid},"tid":{pid},"args":{{"name":{}}}}}"#,
            quote(&format!("{} · {}", process.label(), process.origin))
        ));
        events.push(format!(
            r#"{{"name":"process_sort_index","ph":"M","pid":{pid},"tid":{pid},"args":{{"sort_index":{order}}}}}"#
        ));
        for share in &process.cpus {
            events.push(counter(pid, "CPUs used", ts(share.start), share, false));
        }
        for (index, thread) in process.threads.iter().enumerate() {
            let tid = thread.tid;
            let label = thread.label(pid);
            events.push(format!(
                r#"{{"name":"thread_name","ph":"M","pid":{pid},"tid":{tid},"args":{{"name":{}}}}}"#,
                quote(&label)
            ));
            events.push(format!(
                r#"{{"name":"thread_sort_index","ph":"M","pid":{pid},"tid":{tid},"args":{{"sort_index":{index}}}}}"#
            ));
            let ended = thread
                .ended
                .as_ref()
                .map_or_else(|| "unknown".to_string(), |e| format!("{e:?}"));
            let affinity = thread
                .affinity
                .as_deref()
                .map_or_else(|| "null".to_string(), quote);
            events.push(format!(
                r#"{{"name":{},"cat":"thread","ph":"X","ts":{},"dur":{},"pid":{pid},"tid":{tid},"args":{{"ended":{},"cpus":{affinity}}}}}"#,
                quote(&format!("{label} {tid}")),
                ts(thread.start),
                (thread.end - thread.start).max(0),
                quote(&ended)
            ));
            for wait in &thread.waits {
                events.push(format!(
                    r#"{{"name":{},"cat":"wait","ph":"X","ts":{},"dur":{},"pid":{pid},"tid":{tid},"args":{{"detail":{},"timed_out":{}}}}}"#,
                    quote(short(wait.kind)),
                    ts(wait.start),
                    (wait.end - wait.start).max(0),
                    quote(&wait.detail),
                    wait.timed_out
                ));
            }
            for print in &thread.prints {
                let line = print.text.trim_end_matches('\n');
                let name: String = line.chars().take(60).collect();
                events.push(format!(
                    r#"{{"name":{},"cat":"print","ph":"i","s":"t","ts":{},"pid":{pid},"tid":{tid},"args":{{"fd":{},"text":{}}}}}"#,
                    quote(&name),
                    ts(print.time),
                    print.fd,
                    quote(&print.text)
                ));
            }
            for mark in &thread.marks {
                events.push(format!(
                    r#"{{"name":{},"cat":"mark","ph":"i","s":"t","ts":{},"pid":{pid},"tid":{tid}}}"#,
                    quote(&mark.text),
                    ts(mark.time)
                ));
            }
            let name = format!("{label} {tid}: CPU");
            let which = format!("{label} {tid}: which CPU");
            for share in &thread.shares {
                events.push(counter(pid, &name, ts(share.start), share, true));
                if let Some(cpu) = share.cpu.filter(|_| share.on_cpu > 0.0) {
                    events.push(format!(
                        r#"{{"name":{},"ph":"C","ts":{},"pid":{pid},"args":{{"cpu":{cpu}}}}}"#,
                        quote(&which),
                        ts(share.start)
                    ));
                }
            }
        }
    }
    let mut json = String::from("{\"traceEvents\":[\n");
    json.push_str(&events.join(",\n"));
    let _ = write!(
        json,
        "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{{\"title\":{},\"recorded_with\":\"strace -f and /proc/PID/task/TID/schedstat\"}}}}\n",
        quote(title)
    );
    json
}

/// A counter event: a thread's shares (fractions) or a process's CPUs in use.
fn counter(pid: u32, name: &str, ts: Micros, share: &Share, fractions: bool) -> String {
    let (on, waiting) = if fractions {
        ("on CPU", "runnable")
    } else {
        ("CPUs on", "CPUs wanted")
    };
    format!(
        r#"{{"name":{},"ph":"C","ts":{ts},"pid":{pid},"args":{{{}:{:.3},{}:{:.3}}}}}"#,
        quote(name),
        quote(on),
        share.on_cpu,
        quote(waiting),
        share.runnable
    )
}

fn short(kind: WaitKind) -> &'static str {
    match kind {
        WaitKind::Sleep => "asleep",
        WaitKind::Lock => "lock or condition (futex)",
        WaitKind::Join => "join",
        WaitKind::Child => "wait for child",
        WaitKind::Io => "IO wait",
    }
}

/// `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\n\u{1}开始"), r#""a\"b\\c\n\u0001开始""#);
    }
}
