//! Reading what `strace` saw: its output, line by line, into [`Event`]s.
//!
//! The recorder runs `strace -f -ttt -T -x -y` (see [`crate::record`]): every line starts with the
//! thread id and the wall-clock time in seconds with microseconds, and a system call that another
//! thread interrupts is split in two lines, `name(args <unfinished ...>` and
//! `<... name resumed>rest) = result <duration>`. [`parse`] joins those halves into one [`Call`]
//! with its start and end, and reports the ends of threads (`+++ exited with 0 +++`).
//!
//! The text of the traced program (what it wrote, its thread names) arrives inside quoted
//! strings that strace escapes (`\xe5\xbc\x80`, `\n`): [`decode_string`] turns them back into
//! bytes. Nothing here trusts a line to be well formed: a line that does not parse is skipped and
//! counted, never a panic.

use std::collections::HashMap;

/// Microseconds since the Unix epoch: strace's `-ttt` clock, and the sampler's.
pub type Micros = i64;

/// One system call, from its entry to its return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The thread that made it.
    pub tid: u32,
    /// `futex`, `write`, `clone3`, …
    pub name: String,
    /// Its arguments as strace printed them, split at the top-level commas.
    pub args: Vec<String>,
    /// What it returned, as printed: `3241`, `0`, `-1 ETIMEDOUT (Connection timed out)`, `?`.
    pub result: String,
    /// When it was entered.
    pub start: Micros,
    /// When it returned (for a call that never returned, when its thread ended).
    pub end: Micros,
}

impl Call {
    /// Its return value as a number, if it returned one.
    pub fn returned(&self) -> Option<i64> {
        self.result.split_whitespace().next()?.parse().ok()
    }

    /// The file descriptor in argument `i` (`3<socket:[40918]>` → 3) and what `-y` says it is.
    pub fn fd(&self, i: usize) -> Option<(i64, &str)> {
        let arg = self.args.get(i)?;
        let digits = arg.find(|c: char| !c.is_ascii_digit()).unwrap_or(arg.len());
        let fd = arg[..digits].parse().ok()?;
        let what = arg[digits..]
            .strip_prefix('<')
            .and_then(|rest| rest.strip_suffix('>'))
            .unwrap_or("");
        Some((fd, what))
    }
}

/// How a thread ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// `+++ exited with N +++`.
    Exited(i32),
    /// `+++ killed by SIGKILL +++`.
    Killed(String),
    /// `+++ superseded by execve in pid N +++`: another thread of its process called execve.
    Superseded,
}

/// What a line (or a pair of lines) of the trace says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A system call.
    Call(Call),
    /// A thread ended.
    End {
        /// The thread.
        tid: u32,
        /// When.
        time: Micros,
        /// How.
        how: Ended,
    },
}

impl Event {
    /// When it happened (a call: when it was entered).
    pub fn time(&self) -> Micros {
        match self {
            Event::Call(call) => call.start,
            Event::End { time, .. } => *time,
        }
    }

    /// The thread it belongs to.
    pub fn tid(&self) -> u32 {
        match self {
            Event::Call(call) => call.tid,
            Event::End { tid, .. } => *tid,
        }
    }
}

/// A parsed trace: its events in the order of their times, and the lines it could not read.
#[derive(Debug, Default)]
pub struct Trace {
    /// Calls and ends, ordered by time.
    pub events: Vec<Event>,
    /// Lines that were not understood (with their line numbers), for a warning.
    pub skipped: Vec<(usize, String)>,
}

/// One line, before the halves of split calls are joined.
#[derive(Debug, PartialEq)]
enum Line<'a> {
    Complete {
        name: &'a str,
        args: &'a str,
        result: &'a str,
        duration: Option<Micros>,
    },
    Unfinished {
        name: &'a str,
        args: &'a str,
    },
    Resumed {
        name: &'a str,
        args: &'a str,
        result: &'a str,
        duration: Option<Micros>,
    },
    End(Ended),
    /// A signal delivery (`--- SIGCHLD {…} ---`) or a note of strace's: not used.
    Ignored,
}

/// Parses the whole output of `strace -f -ttt -T`.
pub fn parse(text: &str) -> Trace {
    let mut trace = Trace::default();
    // The first half of each call still waiting for its second: tid → (name, args, start).
    let mut open: HashMap<u32, (String, String, Micros)> = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((tid, time, parsed)) = parse_line(line) else {
            trace.skipped.push((number + 1, line.to_string()));
            continue;
        };
        match parsed {
            Line::Complete {
                name,
                args,
                result,
                duration,
            } => trace.events.push(Event::Call(Call {
                tid,
                name: name.to_string(),
                args: split_args(args),
                result: result.to_string(),
                start: time,
                end: time + duration.unwrap_or(0),
            })),
            Line::Unfinished { name, args } => {
                open.insert(tid, (name.to_string(), args.to_string(), time));
            }
            Line::Resumed {
                name,
                args,
                result,
                duration,
            } => {
                let (first, start) = match open.remove(&tid) {
                    Some((open_name, first, start)) if open_name == name => (first, start),
                    // The first half is missing: the call started before we could see it.
                    _ => (String::new(), time - duration.unwrap_or(0)),
                };
                trace.events.push(Event::Call(Call {
                    tid,
                    name: name.to_string(),
                    args: split_args(&format!("{first}{args}")),
                    result: result.to_string(),
                    start,
                    end: time,
                }));
            }
            Line::End(how) => {
                // A call its thread never returned from (exit, execve of another thread, a kill)
                // ends with the thread.
                if let Some((name, args, start)) = open.remove(&tid) {
                    trace.events.push(Event::Call(Call {
                        tid,
                        name,
                        args: split_args(&args),
                        result: "?".to_string(),
                        start,
                        end: time,
                    }));
                }
                trace.events.push(Event::End { tid, time, how });
            }
            Line::Ignored => {}
        }
    }
    // Calls still open at the end of the trace: the trace was cut (strace was killed).
    for (tid, (name, args, start)) in open {
        trace.events.push(Event::Call(Call {
            tid,
            name,
            args: split_args(&args),
            result: "?".to_string(),
            start,
            end: start,
        }));
    }
    trace.events.sort_by_key(Event::time);
    trace
}

/// `3240  1795981606.089899 body` → (3240, µs, body).
fn parse_line(line: &str) -> Option<(u32, Micros, Line<'_>)> {
    let line = line.trim_end();
    let (tid, rest) = line.split_once(char::is_whitespace)?;
    let tid = tid.parse().ok()?;
    let (time, body) = rest.trim_start().split_once(' ')?;
    let time = parse_seconds(time)?;
    Some((tid, time, parse_body(body)?))
}

/// `1795981606.089899` → microseconds (exactly, without going through a float).
pub fn parse_seconds(text: &str) -> Option<Micros> {
    let (secs, fraction) = text.split_once('.').unwrap_or((text, ""));
    let secs: i64 = secs.parse().ok()?;
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Pad or cut the fraction to six digits.
    let mut micros: i64 = 0;
    for i in 0..6 {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        micros = micros * 10 + digit;
    }
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

fn parse_body(body: &str) -> Option<Line<'_>> {
    if let Some(inner) = body
        .strip_prefix("+++ ")
        .and_then(|b| b.strip_suffix(" +++"))
    {
        if let Some(code) = inner.strip_prefix("exited with ") {
            return Some(Line::End(Ended::Exited(code.trim().parse().ok()?)));
        }
        if let Some(signal) = inner.strip_prefix("killed by ") {
            let signal = signal.split_whitespace().next()?;
            return Some(Line::End(Ended::Killed(signal.to_string())));
        }
        if inner.starts_with("superseded by execve") {
            return Some(Line::End(Ended::Superseded));
        }
        return None;
    }
    if body.starts_with("--- ") || body.starts_with("strace: ") {
        return Some(Line::Ignored);
    }
    if let Some(rest) = body.strip_prefix("<... ") {
        let (name, rest) = rest.split_once(" resumed>")?;
        let close = closing_paren(rest)?;
        let (result, duration) = result_and_duration(&rest[close + 1..])?;
        return Some(Line::Resumed {
            name,
            args: &rest[..close],
            result,
            duration,
        });
    }
    let open = body.find('(')?;
    let name = &body[..open];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let rest = &body[open + 1..];
    if let Some(args) = rest.strip_suffix("<unfinished ...>") {
        return Some(Line::Unfinished {
            name,
            args: args.trim_end(),
        });
    }
    let close = closing_paren(rest)?;
    let (result, duration) = result_and_duration(&rest[close + 1..])?;
    Some(Line::Complete {
        name,
        args: &rest[..close],
        result,
        duration,
    })
}

/// ` = 0 <0.000463>` → (`0`, 463 µs); ` = ?` → (`?`, none).
fn result_and_duration(tail: &str) -> Option<(&str, Option<Micros>)> {
    let tail = tail.trim_start().strip_prefix('=')?.trim();
    if let Some(open) = tail.rfind(" <")
        && tail.ends_with('>')
        && let Some(duration) = parse_seconds(&tail[open + 2..tail.len() - 1])
    {
        return Some((tail[..open].trim_end(), Some(duration)));
    }
    Some((tail, None))
}

/// Where the `)` that closes the argument list is in `text` (which starts just after the `(`, or
/// anywhere at the top level of the list): outside strings, at bracket depth 0.
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut scanner = Scanner::default();
    for (i, c) in text.char_indices() {
        if scanner.in_string(c) {
            continue;
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Tracks whether a character of strace's output is inside a quoted string.
#[derive(Default)]
struct Scanner {
    quoted: bool,
    escaped: bool,
}

impl Scanner {
    /// True while `c` belongs to a string (its quotes included).
    fn in_string(&mut self, c: char) -> bool {
        if self.quoted {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.quoted = false;
            }
            true
        } else if c == '"' {
            self.quoted = true;
            true
        } else {
            false
        }
    }
}

/// Splits an argument list at its top-level commas: `3, "a, b", [1, 2]` → three arguments.
pub fn split_args(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut scanner = Scanner::default();
    let mut current = String::new();
    for c in text.chars() {
        if !scanner.in_string(c) {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    args.push(current.trim().to_string());
                    current.clear();
                    continue;
                }
                _ => {}
            }
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        args.push(current.trim().to_string());
    }
    args
}

/// The bytes of a quoted strace string (`"\xe5\xbc\x80\n"...`) and whether strace cut it short
/// (the `...` after the closing quote). `None` if `arg` does not start with a string.
pub fn decode_string(arg: &str) -> Option<(Vec<u8>, bool)> {
    let body = arg.strip_prefix('"')?;
    let mut bytes = Vec::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((bytes, body[i + 1..].starts_with("..."))),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => bytes.push(b'\n'),
                    't' => bytes.push(b'\t'),
                    'r' => bytes.push(b'\r'),
                    'v' => bytes.push(0x0b),
                    'f' => bytes.push(0x0c),
                    'x' => {
                        let hex: String = (0..2)
                            .filter_map(|_| chars.next().map(|(_, h)| h))
                            .collect();
                        bytes.push(u8::from_str_radix(&hex, 16).ok()?);
                    }
                    '0'..='7' => {
                        // Up to three octal digits; strace writes `\0` and `\345` alike.
                        let mut value = u32::from(e as u8 - b'0');
                        let rest = &body[i + 2..];
                        let more = rest
                            .bytes()
                            .take(2)
                            .take_while(|b| (b'0'..=b'7').contains(b))
                            .count();
                        for _ in 0..more {
                            let (_, d) = chars.next()?;
                            value = value * 8 + d.to_digit(8)?;
                        }
                        bytes.push(u8::try_from(value).ok()?);
                    }
                    other => {
                        let mut buffer = [0u8; 4];
                        bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
                    }
                }
            }
            other => {
                let mut buffer = [0u8; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    None
}

/// Every string in `arg` that follows `key=` (`iov_base="…"` in a `writev`'s vector), decoded and
/// joined.
pub fn strings_after(arg: &str, key: &str) -> (Vec<u8>, bool) {
    let mut bytes = Vec::new();
    let mut cut = false;
    let mut rest = arg;
    while let Some(at) = rest.find(key) {
        rest = &rest[at + key.len()..];
        if let Some((found, truncated)) = decode_string(rest) {
            bytes.extend(found);
            cut |= truncated;
        }
    }
    (bytes, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_become_exact_microseconds() {
        assert_eq!(
            parse_seconds("1795981606.089899"),
            Some(1_795_981_606_089_899)
        );
        assert_eq!(parse_seconds("0.000463"), Some(463));
        assert_eq!(parse_seconds("2.5"), Some(2_500_000));
        assert_eq!(parse_seconds("1.0000019"), Some(1_000_001));
        assert_eq!(parse_seconds("x.1"), None);
        assert_eq!(parse_seconds("1.-1"), None);
    }

    #[test]
    fn a_complete_call_with_its_duration() {
        let (tid, time, line) = parse_line(
            r#"3242  1795981606.103334 write(1</tmp/out>, "1000000\n", 8) = 8 <0.000018>"#,
        )
        .expect("parses");
        assert_eq!((tid, time), (3242, 1_795_981_606_103_334));
        assert_eq!(
            line,
            Line::Complete {
                name: "write",
                args: r#"1</tmp/out>, "1000000\n", 8"#,
                result: "8",
                duration: Some(18),
            }
        );
    }

    #[test]
    fn a_result_with_an_error_and_a_string_holding_a_paren_and_an_equals_sign() {
        let (_, _, line) = parse_line(
            r#"7  1.000000 write(2<pipe:[1]>, "a) = b", 6) = -1 EPIPE (Broken pipe) <0.000010>"#,
        )
        .expect("parses");
        assert_eq!(
            line,
            Line::Complete {
                name: "write",
                args: r#"2<pipe:[1]>, "a) = b", 6"#,
                result: "-1 EPIPE (Broken pipe)",
                duration: Some(10),
            }
        );
    }

    #[test]
    fn split_calls_are_joined() {
        let text = "\
3240  10.000000 futex(0x7f, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 3241, NULL, FUTEX_BITSET_MATCH_ANY <unfinished ...>
3241  10.500000 exit(0)         = ?
3240  10.600000 <... futex resumed>) = 0 <0.600000>
3241  10.700000 +++ exited with 0 +++
";
        let trace = parse(text);
        assert!(trace.skipped.is_empty(), "{:?}", trace.skipped);
        assert_eq!(trace.events.len(), 3);
        let Event::Call(futex) = &trace.events[0] else {
            panic!("the futex call first, by its start: {:?}", trace.events);
        };
        assert_eq!(futex.name, "futex");
        assert_eq!((futex.start, futex.end), (10_000_000, 10_600_000));
        assert_eq!(futex.args[2], "3241");
        assert_eq!(futex.result, "0");
        assert_eq!(
            trace.events[2],
            Event::End {
                tid: 3241,
                time: 10_700_000,
                how: Ended::Exited(0)
            }
        );
    }

    #[test]
    fn a_call_its_thread_never_returns_from_ends_with_the_thread() {
        let text = "\
5  1.000000 exit(0 <unfinished ...>
5  1.000100 +++ killed by SIGKILL +++
";
        let trace = parse(text);
        assert_eq!(trace.events.len(), 2);
        assert!(
            matches!(&trace.events[0], Event::Call(c) if c.name == "exit" && c.end == 1_000_100)
        );
        assert!(matches!(
            &trace.events[1],
            Event::End { how: Ended::Killed(s), .. } if s == "SIGKILL"
        ));
    }

    #[test]
    fn nonsense_is_skipped_not_fatal() {
        let trace = parse("hello\n12 notatime write(1) = 1\n12 1.0 write(1, \"x\", 1 = 1\n");
        assert!(trace.events.is_empty());
        assert_eq!(trace.skipped.len(), 3);
    }

    #[test]
    fn no_cut_or_mangled_line_makes_it_panic() {
        // Prefixes of every line of a real trace, and the lines with a character replaced by one
        // that matters to the parser (at every third place, to keep it quick): parsed or
        // skipped, never a panic.
        let trace = include_str!("../tests/fixtures/tiny.strace");
        for line in trace.lines() {
            // The first 300 characters of each: the long strings add time, not cases.
            let line: String = line.chars().take(300).collect();
            let line = line.as_str();
            for (at, _) in line.char_indices().step_by(3) {
                let _ = parse(&line[..at]);
                for special in ['"', '\\', ')', '<', '='] {
                    let mangled: String = line[..at]
                        .chars()
                        .chain(std::iter::once(special))
                        .chain(line[at..].chars().skip(1))
                        .collect();
                    let _ = parse(&mangled);
                    let _ = decode_string(&mangled[at..]);
                }
            }
        }
    }

    #[test]
    fn arguments_split_at_the_top_level_only() {
        assert_eq!(
            split_args(r#"3<socket:[40918]>, {msg_iov=[{iov_base="a,b", iov_len=3}], x=1}, 0"#),
            vec![
                "3<socket:[40918]>",
                r#"{msg_iov=[{iov_base="a,b", iov_len=3}], x=1}"#,
                "0"
            ]
        );
        assert_eq!(split_args(""), Vec::<String>::new());
    }

    #[test]
    fn strings_decode_hex_octal_and_c_escapes() {
        let (bytes, cut) = decode_string(r#""\xe5\xbc\x80\xe5\xa7\x8b\x0a""#).expect("a string");
        assert_eq!(String::from_utf8(bytes).expect("utf-8"), "开始\n");
        assert!(!cut);
        let (bytes, cut) = decode_string(r#""a\"b\\c\n\0\345"..."#).expect("a string");
        assert_eq!(bytes, b"a\"b\\c\n\0\xe5");
        assert!(cut);
        assert_eq!(decode_string("NULL"), None);
        assert_eq!(decode_string(r#""unterminated"#), None);
    }

    #[test]
    fn writev_pieces_are_joined() {
        let (bytes, _) = strings_after(
            r#"[{iov_base="ab", iov_len=2}, {iov_base="\x0a", iov_len=1}]"#,
            "iov_base=",
        );
        assert_eq!(bytes, b"ab\n");
    }

    #[test]
    fn file_descriptors_and_what_they_are() {
        let call = Call {
            tid: 1,
            name: "read".into(),
            args: split_args(r#"3<pipe:[77]>, "", 8"#),
            result: "0".into(),
            start: 0,
            end: 0,
        };
        assert_eq!(call.fd(0), Some((3, "pipe:[77]")));
        assert_eq!(call.fd(1), None);
        assert_eq!(call.returned(), Some(0));
    }
}
