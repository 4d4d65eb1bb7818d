//! The servers' output: a bounded queue and one writer thread, so that printing never makes a
//! connection wait.
//!
//! A server prints a line for every message it gets. Where those lines go may stop taking them —
//! a terminal nobody scrolls, a paused `less`, a fifo nobody reads — and a `println!` there
//! blocks the thread that calls it until the reader comes back: every connection would stop, and
//! so would the server's stop. Here a line is only put in a queue of at most [`CAPACITY`] lines
//! ([`line()`], the [`log!`](crate::log!) macro), which never waits; one thread writes the queue
//! out. When the queue is full, the line is dropped and counted, and the writer says how many
//! lines it could not show as soon as it can write again. When the reader goes away for good
//! (`| head`), the write fails with a broken pipe and the program ends as SIGPIPE ends a Unix
//! tool (`pace::output`).
//!
//! [`start`] starts the writer for the process; [`finish`] waits, for a bounded time, until
//! what is queued has been written. Before `start`, lines are printed directly.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam::channel::{self, Receiver, Sender, TrySendError};

/// How many lines the queue holds before new ones are dropped.
pub const CAPACITY: usize = 4096;

/// How many bytes the writer gathers into one write.
const BATCH: usize = 64 * 1024;

/// Prints a line to stdout through the process's log: `println!` that never waits.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::line(::std::format!($($arg)*))
    };
}

enum Entry {
    Out(String),
    Err(String),
    /// Answered once everything queued before it has been written.
    Flush(Sender<()>),
}

/// A bounded queue of lines and the thread that writes them out.
#[derive(Debug)]
pub struct Log {
    queue: Sender<Entry>,
    dropped: Arc<AtomicU64>,
}

impl Log {
    /// Starts a thread named `log` that writes lines to `out` (and errors to `err`), fed through
    /// a queue of `capacity` lines.
    pub fn start(
        out: impl Write + Send + 'static,
        err: impl Write + Send + 'static,
        capacity: usize,
    ) -> io::Result<Log> {
        let (queue, entries) = channel::bounded(capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&dropped);
        thread::Builder::new()
            .name("log".into())
            .spawn(move || write_out(entries, &counted, out, err))
            .map_err(|e| io::Error::new(e.kind(), format!("无法启动写日志的线程：{e}")))?;
        Ok(Log { queue, dropped })
    }

    /// Queues `text` as a line for stdout, or drops and counts it if the queue is full.
    pub fn line(&self, text: String) {
        self.put(Entry::Out(text));
    }

    /// Queues `text` as a line for stderr, or drops and counts it if the queue is full.
    pub fn error(&self, text: String) {
        self.put(Entry::Err(text));
    }

    fn put(&self, entry: Entry) {
        match self.queue.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits until every line queued so far has been written, or `within` has passed; whether
    /// they all were.
    pub fn flush(&self, within: Duration) -> bool {
        let until = Instant::now() + within;
        let (done, written) = channel::bounded(1);
        if self.queue.send_deadline(Entry::Flush(done), until).is_err() {
            return false;
        }
        written.recv_deadline(until).is_ok()
    }
}

/// The writer thread: everything queued, in order, in batches of up to [`BATCH`] bytes; a note
/// of the lines dropped whenever the queue has been emptied.
fn write_out(
    entries: Receiver<Entry>,
    dropped: &AtomicU64,
    mut out: impl Write,
    mut err: impl Write,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Ok(first) = entries.recv() {
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Out(text) => {
                    batch.extend_from_slice(text.as_bytes());
                    batch.push(b'\n');
                    if batch.len() >= BATCH {
                        write_batch(&mut out, &mut batch);
                    }
                }
                Entry::Err(text) => {
                    write_batch(&mut out, &mut batch);
                    write_batch(&mut err, &mut format!("{text}\n").into_bytes());
                }
                Entry::Flush(done) => {
                    note_dropped(dropped, &mut batch);
                    write_batch(&mut out, &mut batch);
                    let _ = done.send(());
                }
            }
            next = entries.try_recv().ok();
        }
        note_dropped(dropped, &mut batch);
        write_batch(&mut out, &mut batch);
    }
}

/// Adds a line saying how many lines were dropped since the last such line, if any were.
fn note_dropped(dropped: &AtomicU64, batch: &mut Vec<u8>) {
    let count = dropped.swap(0, Ordering::Relaxed);
    if count > 0 {
        batch.extend_from_slice(dropped_note(count).as_bytes());
        batch.push(b'\n');
    }
}

/// The line that stands for `count` dropped lines.
pub fn dropped_note(count: u64) -> String {
    format!("……输出跟不上，有 {count} 行日志没有显示")
}

/// Writes and empties `batch`. A reader that has gone away ends the program as SIGPIPE would;
/// any other failure loses the batch, and the writer goes on.
fn write_batch(to: &mut impl Write, batch: &mut Vec<u8>) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = to.write_all(batch).and_then(|()| to.flush())
        && e.kind() == io::ErrorKind::BrokenPipe
    {
        pace::output::end_as_by_sigpipe();
    }
    batch.clear();
}

static LOG: OnceLock<Log> = OnceLock::new();

/// Starts the process's log, writing to stdout and stderr (once; later calls do nothing).
pub fn start() -> io::Result<()> {
    if LOG.get().is_none() {
        let log = Log::start(io::stdout(), io::stderr(), CAPACITY)?;
        // Another thread may have started one meanwhile: then this one is not used.
        let _ = LOG.set(log);
    }
    Ok(())
}

/// Prints `text` as a line on stdout through the process's log, without waiting; directly
/// before [`start`].
pub fn line(text: String) {
    match LOG.get() {
        Some(log) => log.line(text),
        None => println!("{text}"),
    }
}

/// Prints `text` as a line on stderr through the process's log, without waiting; directly
/// before [`start`].
pub fn error(text: String) {
    match LOG.get() {
        Some(log) => log.error(text),
        None => eprintln!("{text}"),
    }
}

/// Waits until what the process's log holds has been written, or `within` has passed.
pub fn finish(within: Duration) {
    if let Some(log) = LOG.get() {
        log.flush(within);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, PoisonError};

    /// A sink that takes nothing until it is opened, then keeps what it gets.
    #[derive(Clone, Default)]
    struct Gate {
        open: Arc<(Mutex<bool>, std::sync::Condvar)>,
        got: Arc<Mutex<Vec<u8>>>,
        /// A write has come and is waiting.
        waiting: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Gate {
        fn wait_for_a_write(&self) {
            let until = Instant::now() + Duration::from_secs(20);
            while !self.waiting.load(Ordering::SeqCst) {
                assert!(Instant::now() < until, "the writer never wrote");
                thread::sleep(Duration::from_millis(1));
            }
        }

        fn open(&self) {
            let (open, changed) = &*self.open;
            *open.lock().unwrap_or_else(PoisonError::into_inner) = true;
            changed.notify_all();
        }

        fn text(&self) -> String {
            String::from_utf8_lossy(&self.got.lock().unwrap_or_else(PoisonError::into_inner))
                .into_owned()
        }
    }

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.waiting.store(true, Ordering::SeqCst);
            let (open, changed) = &*self.open;
            let mut is_open = open.lock().unwrap_or_else(PoisonError::into_inner);
            while !*is_open {
                is_open = changed
                    .wait(is_open)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            self.got
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_come_out_in_order() -> io::Result<()> {
        let out = Gate::default();
        out.open();
        let log = Log::start(out.clone(), io::sink(), 16)?;
        for i in 0..10 {
            log.line(format!("第{i}行"));
        }
        assert!(log.flush(Duration::from_secs(20)), "flushed");
        let expected: String = (0..10).map(|i| format!("第{i}行\n")).collect();
        assert_eq!(out.text(), expected);
        Ok(())
    }

    #[test]
    fn a_stuck_output_drops_lines_counts_them_and_never_blocks() -> io::Result<()> {
        let out = Gate::default();
        let log = Log::start(out.clone(), io::sink(), 8)?;
        // The writer takes the first line and blocks writing it; eight more fill the queue; the
        // rest are dropped. None of these calls waits.
        log.line("第0行".into());
        out.wait_for_a_write();
        for i in 1..1000 {
            log.line(format!("第{i}行"));
        }
        assert!(
            !log.flush(Duration::from_millis(50)),
            "nothing can be written while the output is stuck"
        );
        out.open();
        assert!(log.flush(Duration::from_secs(20)), "flushed once open");
        let text = out.text();
        let shown = text.lines().filter(|l| l.starts_with('第')).count();
        let note = text
            .lines()
            .find(|l| l.starts_with("……输出跟不上"))
            .unwrap_or_else(|| panic!("no note of the dropped lines:\n{text}"));
        let dropped: usize = note
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {note:?}"));
        assert_eq!(shown + dropped, 1000, "{text}");
        assert_eq!(shown, 1 + 8, "{text}");
        let expected: String = (0..9).map(|i| format!("第{i}行\n")).collect();
        assert!(text.starts_with(&expected), "{text}");
        Ok(())
    }
}
