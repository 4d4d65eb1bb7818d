//! Nothing left behind: what a program creates outside itself is removed when it ends, whatever
//! ends it.
//!
//! A program removes its temporary directories, lock files and shared memory segments when their
//! owners are dropped. Killed, it drops nothing: SIGKILL, or a signal it does not handle, leaves
//! them in `/tmp` and `/dev/shm` for good. Python's `multiprocessing` has a *resource tracker* for
//! that, a small process that removes what a dead program had registered; this module is the
//! same for every example:
//!
//! - [`register`] a [`Resource`] as soon as it exists; the [`Registration`] it returns withdraws
//!   it again when dropped — *after* the owner has removed the resource itself (keep the
//!   registration in a field declared after the resource, so that it drops second). [`temp_dir`]
//!   does both for a temporary directory.
//! - The first registration of a process starts its **tracker**: this same executable run again,
//!   in the role of tracker (inside [`init`](crate::init), which is why `init` comes first in
//!   `main`), in a process group of its own, so that Ctrl-C and a `kill` of the program's group
//!   do not reach it. It reads registrations from a pipe whose only writer is the program (and
//!   the program's forked children, which inherit it). When the pipe closes — the program has
//!   ended, however — the tracker removes what is still registered and prints one line per name
//!   on stderr: a leak, which the program should have prevented.
//! - **SIGINT and SIGTERM** (Ctrl-C, `kill`): once something is registered, a handler tells the
//!   tracker to remove everything now, waits until it says it has, and ends the program as the
//!   signal would (status 130 or 143 in the shell) — what a Python program does when
//!   `KeyboardInterrupt` unwinds it. The handler is installed only where the signal still has its default action: a
//!   program that handles a signal itself (a server that stops gracefully) keeps its handler and
//!   unwinds, dropping its owners.
//! - At a normal exit (an `atexit` handler, registered by [`init`](crate::init) so that it runs
//!   after any registered later) the tracker is told so, removes (and reports) anything left,
//!   and is reaped.
//!
//! Nothing here starts a thread: the handler does only async-signal-safe calls (`write`,
//! `read`, `raise`), and a program stays single-threaded, free to `fork`. A process that did
//! not call [`init`](crate::init) (a unit test) starts no tracker: its registrations do nothing.
//!
//! A tracker left without a parent (its program was killed) is re-parented; a test harness that
//! is a child subreaper reaps it: its command name is [`TRACKER_NAME`].

use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

/// The environment variable that makes a run of the executable the tracker.
const ROLE: &str = "PACE_TRACKER_FOR";

/// The command name a tracker gives itself (`ps`, `/proc/PID/comm`): a harness that reaps
/// orphans recognizes it by that name.
pub const TRACKER_NAME: &str = "pace-tracker";

/// The prefix of every temporary directory made by [`temp_dir`]: `$TMPDIR/examples-…`.
pub const TEMP_PREFIX: &str = "examples-";

/// Something a program creates outside itself, to be removed if the program cannot remove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A file (a lock file).
    File(PathBuf),
    /// A directory and everything in it (a temporary directory).
    Dir(PathBuf),
    /// A POSIX shared memory segment, by the name given to `shm_open` (`/examples-ipc-…`).
    SharedMemory(String),
}

impl Resource {
    fn tag(&self) -> u8 {
        match self {
            Resource::File(_) => b'F',
            Resource::Dir(_) => b'D',
            Resource::SharedMemory(_) => b'S',
        }
    }

    fn name(&self) -> &OsStr {
        match self {
            Resource::File(path) | Resource::Dir(path) => path.as_os_str(),
            Resource::SharedMemory(name) => OsStr::new(name),
        }
    }

    /// The line that registers (`+`) or withdraws (`-`) it; `None` if the name cannot travel
    /// on one line.
    fn line(&self, sign: u8) -> Option<Vec<u8>> {
        let name = self.name().as_bytes();
        if name.is_empty() || name.contains(&b'\n') {
            return None;
        }
        let mut line = Vec::with_capacity(name.len() + 3);
        line.extend([sign, self.tag()]);
        line.extend_from_slice(name);
        line.push(b'\n');
        Some(line)
    }

    fn parse(line: &[u8]) -> Option<(u8, Resource)> {
        let (&sign, rest) = line.split_first()?;
        let (&tag, name) = rest.split_first()?;
        if name.is_empty() {
            return None;
        }
        let os = || OsString::from_vec(name.to_vec());
        let resource = match tag {
            b'F' => Resource::File(PathBuf::from(os())),
            b'D' => Resource::Dir(PathBuf::from(os())),
            b'S' => Resource::SharedMemory(String::from_utf8(name.to_vec()).ok()?),
            _ => return None,
        };
        Some((sign, resource))
    }

    /// Removes it; whether there was something to remove.
    fn remove(&self) -> bool {
        match self {
            Resource::File(path) => std::fs::remove_file(path).is_ok(),
            Resource::Dir(path) => std::fs::remove_dir_all(path).is_ok(),
            Resource::SharedMemory(name) => CString::new(name.as_str()).is_ok_and(|name| {
                // SAFETY: `name` is a valid NUL-terminated string that outlives the call.
                unsafe { libc::shm_unlink(name.as_ptr()) == 0 }
            }),
        }
    }

    /// As a person would look for it: `/dev/shm/examples-ipc-…` for a segment.
    fn describe(&self) -> String {
        match self {
            Resource::File(path) | Resource::Dir(path) => path.display().to_string(),
            Resource::SharedMemory(name) => format!("/dev/shm/{}", name.trim_start_matches('/')),
        }
    }
}

/// A registered resource; dropping it withdraws the registration (in the process that made it
/// only: a forked child's copy withdraws nothing).
#[derive(Debug)]
#[must_use = "dropping the registration at once withdraws it"]
pub struct Registration {
    line: Option<Vec<u8>>,
    pid: u32,
}

impl Registration {
    /// A registration that does nothing (for a resource someone else tracks).
    pub fn none() -> Self {
        Registration {
            line: None,
            pid: std::process::id(),
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(line) = &mut self.line
            && self.pid == std::process::id()
        {
            line[0] = b'-';
            send(line);
        }
    }
}

/// Registers `resource` with this process's tracker (starting it first if needed). Relative
/// paths are made absolute. Never fails: should the tracker not start, that is said once on
/// stderr, and the resource is then removed only by its owner.
pub fn register(resource: Resource) -> Registration {
    let resource = match resource {
        Resource::File(path) => Resource::File(absolute(path)),
        Resource::Dir(path) => Resource::Dir(absolute(path)),
        other => other,
    };
    let line = resource.line(b'+');
    if let Some(line) = &line {
        send(line);
    }
    Registration {
        line,
        pid: std::process::id(),
    }
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// A temporary directory (`$TMPDIR/examples-…`), removed when dropped — and by the tracker if
/// the program is killed first.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    // Dropped after the directory is removed (in `drop`): withdrawn once it is gone.
    _registration: Registration,
}

impl TempDir {
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        self.path()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Creates a temporary directory, tracked: see [`TempDir`]. An error names the directory it
/// could not be created in.
pub fn temp_dir() -> io::Result<TempDir> {
    let (path, registration) =
        create(TEMP_PREFIX, Resource::Dir, |path| std::fs::create_dir(path))?;
    Ok(TempDir {
        path,
        _registration: registration,
    })
}

/// Creates an empty file `$TMPDIR/<prefix>…`, tracked: the caller removes it, then drops the
/// registration. An error names the directory it could not be created in.
pub fn temp_file(prefix: &str) -> io::Result<(PathBuf, Registration)> {
    create(prefix, Resource::File, |path| {
        std::fs::File::create_new(path).map(drop)
    })
}

/// Creates something under a fresh name in the temporary directory — registered *before* it is
/// created, so that no moment exists at which a kill would leave it untracked. (Registering a
/// name that is then not created costs nothing: the tracker finds nothing to remove.)
///
/// The name is `<prefix><pid>-<n>-<nanoseconds>`: no other process has it, and this one has not
/// used it before. (It could only be taken by a leftover of an earlier process with the same pid
/// that made its `n`th name at the same nanosecond of a second: then the error says so.)
fn create(
    prefix: &str,
    resource: impl Fn(PathBuf) -> Resource,
    make: impl Fn(&Path) -> io::Result<()>,
) -> io::Result<(PathBuf, Registration)> {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    let path = dir.join(format!("{prefix}{}-{n}-{nanos:x}", std::process::id()));
    let registration = register(resource(path.clone()));
    make(&path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create {prefix}… in {}: {e}", dir.display()),
        )
    })?;
    Ok((path, registration))
}

// ── The program's side ──────────────────────────────────────────────────────────────────────

/// Set by [`init`](crate::init): this executable answers the tracker role.
static CAN_TRACK: AtomicBool = AtomicBool::new(false);
/// The write end of the tracker's pipe: empty before the tracker starts, and again once the
/// program has told it that it ends.
static TO_TRACKER: Slot = Slot::empty();
/// The tracker's pid, or 0.
static TRACKER_PID: AtomicI32 = AtomicI32::new(0);
/// The read end of the pipe on which the tracker says it has removed everything: empty before
/// the tracker starts, and again once it has been asked to.
static FROM_TRACKER: Slot = Slot::empty();
/// The process that started the tracker: the only one that ends it.
static OWNER: AtomicU32 = AtomicU32::new(0);
/// Serializes starting the tracker; the tracker, once started, to be waited for at the end.
static STARTING: Mutex<Option<Child>> = Mutex::new(None);
/// Whether a start of the tracker has been tried (it is tried once).
static TRIED: AtomicBool = AtomicBool::new(false);

/// The pid of this process's own tracker, once it runs: a child of ours that is no orphan.
pub fn own_tracker() -> Option<u32> {
    u32::try_from(TRACKER_PID.load(Ordering::SeqCst))
        .ok()
        .filter(|pid| *pid != 0)
}

pub(crate) fn enable() {
    if !CAN_TRACK.swap(true, Ordering::SeqCst) {
        // Registered first, so that it runs last: after any end-of-program work registered
        // later (joining children that may still use a tracked file). Does nothing without a
        // tracker.
        // SAFETY: `at_exit` is an `extern "C" fn()` that lives as long as the program.
        unsafe { libc::atexit(at_exit) };
    }
}

/// Where one end of a pipe to or from the tracker is kept: a descriptor given up to it for good
/// (never closed, so that a thread that took it out writes to that pipe, never to a file opened
/// later under the same number), or nothing.
struct Slot(AtomicI32);

/// One of the tracker's pipe ends, read or written through std: its `write_all` and
/// `read_exact` on a file make only `write(2)` and `read(2)` calls, retry on `EINTR` and
/// allocate nothing, so a signal handler may use them. Never closes the descriptor.
type PipeEnd = ManuallyDrop<File>;

impl Slot {
    /// What an empty slot holds: no descriptor is −1.
    const NONE: i32 = -1;

    /// An empty slot.
    const fn empty() -> Slot {
        Slot(AtomicI32::new(Slot::NONE))
    }

    /// Keeps `fd` from now on, and never closes it.
    fn fill(&self, fd: OwnedFd) {
        self.0.store(fd.into_raw_fd(), Ordering::SeqCst);
    }

    /// The end it holds, if any.
    fn get(&self) -> Option<PipeEnd> {
        Slot::end(self.0.load(Ordering::SeqCst))
    }

    /// The end it holds, if any, leaving it empty.
    fn take(&self) -> Option<PipeEnd> {
        Slot::end(self.0.swap(Slot::NONE, Ordering::SeqCst))
    }

    fn end(fd: i32) -> Option<PipeEnd> {
        if fd == Slot::NONE {
            return None;
        }
        // SAFETY: every value but `NONE` a slot holds came from an `OwnedFd` given up to it in
        // `fill`, which is never closed: `fd` is open for the rest of the process, and
        // `ManuallyDrop` keeps this `File` from closing it.
        Some(ManuallyDrop::new(unsafe { File::from_raw_fd(fd) }))
    }
}

/// Writes `line` to the tracker, starting it if needed.
fn send(line: &[u8]) {
    let tracker = match TO_TRACKER.get() {
        Some(tracker) => tracker,
        None if CAN_TRACK.load(Ordering::SeqCst) => match start() {
            Some(tracker) => tracker,
            None => return,
        },
        None => return,
    };
    // An error (the tracker was killed) loses the line: nothing else can be done with it.
    let _ = (&*tracker).write_all(line);
}

/// Starts the tracker once per process; the pipe's write end, or nothing.
fn start() -> Option<PipeEnd> {
    let mut tracker = STARTING.lock().unwrap_or_else(PoisonError::into_inner);
    if TRIED.swap(true, Ordering::SeqCst) {
        return TO_TRACKER.get();
    }
    match spawn_tracker() {
        Ok((to, from, child)) => {
            OWNER.store(std::process::id(), Ordering::SeqCst);
            TRACKER_PID.store(child.id().cast_signed(), Ordering::SeqCst);
            *tracker = Some(child);
            FROM_TRACKER.fill(from);
            TO_TRACKER.fill(to);
            install_handlers();
            TO_TRACKER.get()
        }
        Err(e) => {
            eprintln!(
                "warning: the resource tracker did not start ({e}); if this program is killed, \
                 its temporary files may stay behind"
            );
            None
        }
    }
}

fn spawn_tracker() -> io::Result<(OwnedFd, OwnedFd, Child)> {
    let (reader, writer) = io::pipe()?;
    let (ack_reader, ack_writer) = io::pipe()?;
    let child = Command::new("/proc/self/exe")
        .arg0(TRACKER_NAME)
        .env(ROLE, std::process::id().to_string())
        .stdin(reader)
        .stdout(ack_writer)
        .current_dir("/")
        // Out of the program's process group: Ctrl-C and a kill of the group leave it running.
        .process_group(0)
        .spawn()?;
    // Reaped by `at_exit`, or, if the program ends otherwise, by whoever adopts it.
    Ok((writer.into(), ack_reader.into(), child))
}

/// Has the tracker remove everything registered so far, quietly, and waits until it has: the
/// program is ending on a signal or a closed pipe. The tracker stays until the program is gone
/// (a registration another thread makes meanwhile is removed then). Async-signal-safe; only in
/// the process that started the tracker.
fn clean_now() {
    // SAFETY: `getpid` has no preconditions.
    let me = unsafe { libc::getpid() };
    if me.unsigned_abs() != OWNER.load(Ordering::SeqCst) {
        return;
    }
    // Asked once: the answer is taken out with the question.
    let (Some(answer), Some(tracker)) = (FROM_TRACKER.take(), TO_TRACKER.get()) else {
        return;
    };
    let _ = (&*tracker).write_all(b"Q\n");
    // Its answer, or the end of the pipe should it have died.
    let _ = (&*answer).read_exact(&mut [0]);
}

/// Tells the tracker that the program ends normally, and waits for it to finish.
fn finish() {
    // SAFETY: `getpid` has no preconditions.
    let me = unsafe { libc::getpid() };
    if me.unsigned_abs() != OWNER.load(Ordering::SeqCst) {
        return;
    }
    let Some(tracker) = TO_TRACKER.take() else {
        return;
    };
    // The tracker ends on this line (the pipe stays open: a forked child may hold it too).
    let _ = (&*tracker).write_all(b"E\n");
    let tracker = STARTING
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(mut tracker) = tracker {
        let _ = tracker.wait();
    }
}

/// Removes everything registered now, quietly: the program is ending on a closed pipe, as on a
/// signal.
pub(crate) fn end_quietly() {
    clean_now();
}

/// At the end of the program. It does not flush stdout: Rust's runtime has done that before the
/// `atexit` handlers run (with a `try_lock`), and a flush here would wait forever for a thread
/// blocked writing to a full pipe that nobody reads (a server logging to a paused `less`).
extern "C" fn at_exit() {
    finish();
}

/// SIGINT and SIGTERM: everything registered is removed, then the program ends as the signal
/// would have ended it.
extern "C" fn on_signal(signal: libc::c_int) {
    clean_now();
    // SAFETY: all async-signal-safe: restore the default action, unblock the signal (it is
    // blocked while its handler runs) and raise it, which ends the process; `_exit` should it
    // somehow return. The set lives on this stack frame and is initialized before use.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(set.as_mut_ptr());
        libc::sigaddset(set.as_mut_ptr(), signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, set.as_ptr(), std::ptr::null_mut());
        libc::raise(signal);
        libc::_exit(shell_status_of(signal));
    }
}

/// The status a shell shows for a program that `signal` killed: 128 + the signal's number (130
/// for SIGINT, 141 for SIGPIPE). For an exit that stands in for such a death.
pub(crate) const fn shell_status_of(signal: libc::c_int) -> i32 {
    128 + signal
}

fn install_handlers() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `sigaction` with a null new action only reads the current one into `old`,
        // a zeroed struct on this frame (all-zero is a valid `sigaction`).
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) } != 0
            || old.sa_sigaction != libc::SIG_DFL
        {
            // The program handles it (or ignores it) itself.
            continue;
        }
        // SAFETY: a zeroed `sigaction` is valid; the handler is an `extern "C" fn(c_int)` that
        // makes only async-signal-safe calls; both signals are blocked while it runs, so a
        // second Ctrl-C waits for the first to finish.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaddset(&mut action.sa_mask, libc::SIGINT);
            libc::sigaddset(&mut action.sa_mask, libc::SIGTERM);
            action.sa_flags = libc::SA_RESTART;
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

// ── The tracker's side ──────────────────────────────────────────────────────────────────────

/// Inside [`init`](crate::init): if this run is a tracker, track and exit.
pub(crate) fn become_tracker_if_asked() {
    let Some(owner) = std::env::var_os(ROLE) else {
        return;
    };
    let owner = owner.to_string_lossy().into_owned();
    name_this_process(TRACKER_NAME);
    // SAFETY: ignoring signals installs no handler. Ctrl-C and a hang-up are for the program;
    // the tracker must outlive it to clean up after it.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    let code = match track(io::stdin().lock(), io::stdout(), &owner) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("resource tracker of process {owner}: {e}");
            1
        }
    };
    std::process::exit(code);
}

fn name_this_process(name: &str) {
    if let Ok(name) = CString::new(name) {
        // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes (longer ones
        // are cut); `name` outlives the call.
        unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr()) };
    }
}

/// The tracker's loop: keep the registrations; at the end, remove what is left. `Q`: remove
/// everything now, quietly, say so on `ack`, and from then on remove quietly. `E`: the program
/// ends normally; what is left is a leak, reported.
fn track(input: impl BufRead, mut ack: impl Write, owner: &str) -> io::Result<()> {
    let mut registered: Vec<Resource> = Vec::new();
    let mut quietly = false;
    for line in input.split(b'\n') {
        let line = line?;
        match line.as_slice() {
            b"Q" => {
                quietly = true;
                for resource in registered.drain(..).rev() {
                    resource.remove();
                }
                let _ = ack.write_all(b"Q").and_then(|()| ack.flush());
            }
            b"E" => break,
            _ => match Resource::parse(&line) {
                Some((b'+', resource)) => registered.push(resource),
                Some((b'-', resource)) => {
                    if let Some(at) = registered.iter().rposition(|r| *r == resource) {
                        registered.remove(at);
                    }
                }
                _ => {} // not ours to understand: ignored
            },
        }
    }
    // Newest first: a file inside a directory goes before the directory.
    for resource in registered.iter().rev() {
        if resource.remove() && !quietly {
            eprintln!(
                "resource tracker: process {owner} left {} behind; removed it",
                resource.describe()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_bad_ones_are_refused() {
        for resource in [
            Resource::File("/tmp/examples-lock-x".into()),
            Resource::Dir("/tmp/examples-abc".into()),
            Resource::SharedMemory("/examples-ipc-1-2".into()),
        ] {
            let line = resource.line(b'+').expect("a line");
            let parsed = Resource::parse(&line[..line.len() - 1]).expect("parses");
            assert_eq!(parsed, (b'+', resource));
        }
        assert_eq!(Resource::File("a\nb".into()).line(b'+'), None);
        assert_eq!(Resource::parse(b"+Xname"), None);
        assert_eq!(Resource::parse(b"+F"), None);
        assert_eq!(Resource::parse(b""), None);
    }

    #[test]
    fn the_tracker_removes_what_is_still_registered_at_the_end() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let kept = dir.path().join("kept");
        let leaked = dir.path().join("leaked");
        let inner = dir.path().join("inner");
        std::fs::write(&kept, "").expect("write");
        std::fs::write(&leaked, "").expect("write");
        std::fs::create_dir(&inner).expect("mkdir");
        std::fs::write(inner.join("file"), "").expect("write");
        let mut input = Vec::new();
        for (sign, resource) in [
            (b'+', Resource::File(kept.clone())),
            (b'+', Resource::File(leaked.clone())),
            (b'+', Resource::Dir(inner.clone())),
            (b'-', Resource::File(kept.clone())),
        ] {
            input.extend(resource.line(sign).expect("a line"));
        }
        input.extend(b"garbage\n+Q\n");
        track(&input[..], io::sink(), "1").expect("track");
        assert!(kept.exists(), "withdrawn: left alone");
        assert!(!leaked.exists() && !inner.exists(), "removed at the end");
    }
}
