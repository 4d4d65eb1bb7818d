//! The catalog: every example program, the single source of truth.
//!
//! `cargo xtask list`, `run`, `run-all`, the README's table and the consistency tests all read
//! this list. Each entry names the binary, its package, the section of the notes it mirrors, what
//! it shows, and how it runs unattended. Entries may stand in any order here: [`in_notes_order`]
//! sorts them by the section number in their names (`s09-1-…` is §9.1), keeping this order within
//! a section.

/// One example program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// The binary's name, `s<section>-<slug>`.
    pub name: &'static str,
    /// The package that owns it.
    pub package: &'static str,
    /// The section of the notes, `§5 线程锁`.
    pub section: &'static str,
    /// What it shows, in one line.
    pub summary: &'static str,
    /// How it runs unattended.
    pub run: Run,
    /// About how long its paced sleeps take at time scale 1, in seconds; its timeout under
    /// run-all grows with it.
    pub paced_secs: u32,
    /// It must run alone: it measures time, or needs a fixed resource.
    pub alone: bool,
    /// An extension: it shows more than its snippet (a forced race, the run without the lock),
    /// and this names the example that mirrors the snippet it extends. Extensions keep the
    /// snippet's program one-to-one with the notes.
    pub extends: Option<&'static str>,
}

/// How an example runs without a reader at the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// As is, stdin closed.
    Plain,
    /// With these arguments.
    Args(&'static [&'static str]),
    /// With this text typed at its prompt.
    Stdin(&'static str),
    /// A server: started with `--port 0`; once it prints the `127.0.0.1:PORT` it listens on,
    /// `client` runs against it (`--port PORT`, `stdin` typed at its prompt); then the server is
    /// stopped with SIGTERM and must exit 0.
    Server {
        client: &'static str,
        stdin: &'static str,
    },
    /// A client: `server` is started first, as for [`Run::Server`].
    Client {
        server: &'static str,
        stdin: &'static str,
    },
}

const THREADS: &str = "examples-threads";
const PROCESSES: &str = "examples-processes";
const ASYNC: &str = "examples-async";
const SOCKET: &str = "examples-socket";
const IPC: &str = "examples-ipc";

/// An example that runs as is, quickly, alongside the others.
const fn ex(
    name: &'static str,
    package: &'static str,
    section: &'static str,
    summary: &'static str,
) -> Example {
    Example {
        name,
        package,
        section,
        summary,
        run: Run::Plain,
        paced_secs: 0,
        alone: false,
        extends: None,
    }
}

impl Example {
    /// Its paced sleeps take about `secs` seconds at time scale 1.
    const fn paced(mut self, secs: u32) -> Self {
        self.paced_secs = secs;
        self
    }

    /// It runs unattended this way.
    const fn run(mut self, run: Run) -> Self {
        self.run = run;
        self
    }

    /// It must run alone.
    const fn alone(mut self) -> Self {
        self.alone = true;
        self
    }

    /// It extends the snippet that the example `snippet_program` mirrors.
    const fn extends(mut self, snippet_program: &'static str) -> Self {
        self.extends = Some(snippet_program);
        self
    }
}

/// Every example. Add a line here when you add a binary; the tests check both ways.
pub const CATALOG: &[Example] = &[
    // ── examples-threads ──────────────────────────────────────────────────────────────────
    ex(
        "s02-1-start-join",
        THREADS,
        "§2.1 线程常见方法",
        "t.start() returns at once; t.join() waits until the thread has finished",
    )
    .paced(1),
    ex(
        "s02-1-daemon",
        THREADS,
        "§2.1 线程常见方法",
        "a thread nobody joins is cut off when main returns (a daemon); a joined one finishes",
    )
    .paced(1),
    ex(
        "s02-1-thread-name",
        THREADS,
        "§2.1 线程常见方法",
        "ten threads named 日魔-0 … 日魔-9 each print the name of the thread they run on",
    ),
    ex(
        "s02-1-custom-thread",
        THREADS,
        "§2.1 线程常见方法",
        "a custom thread \"class\": a type with a run method, started on a thread by a trait",
    ),
    ex(
        "s03-cpu-bound",
        THREADS,
        "§3 GIL全局锁",
        "the accumulation on 1 thread, N threads and N processes: without a GIL, threads are as fast as processes",
    )
    .paced(9) // no sleeps, but its amount of work follows the time scale
    .alone(),
    ex(
        "s03-io-bound",
        THREADS,
        "§3 GIL全局锁",
        "five downloads (ureq) from a local video site, serially then one thread each: the waits overlap",
    )
    .paced(6),
    ex(
        "s04-thread-unsafe",
        THREADS,
        "§4 线程安全",
        "an unsynchronized counter does not compile; atomic load-then-store loses updates, fetch_add does not",
    ),
    ex(
        "s05-lock",
        THREADS,
        "§5 线程锁",
        "two threads each add 1 000 000 under a Mutex, which owns the number: 1000000, then 2000000",
    ),
    ex(
        "s05-rlock",
        THREADS,
        "§5 线程锁",
        "the same with a reentrant lock (parking_lot's ReentrantMutex); added, not in the snippet: its holder takes it again",
    ),
    ex(
        "s06-deadlock-self",
        THREADS,
        "§6 死锁",
        "a thread takes a plain lock twice and waits for itself (a timed acquire reports it); an RLock lets it in",
    )
    .paced(1),
    ex(
        "s06-deadlock-cycle",
        THREADS,
        "§6 死锁",
        "two threads each hold the lock the other wants: timed acquires report who holds what; one lock order fixes it",
    )
    .paced(1),
    ex(
        "s07-thread-pool",
        THREADS,
        "§7 线程池",
        "ten downloads (ureq) on a pool of four threads: submit, a done-callback per future, shutdown(True), then each result",
    )
    .paced(3),
    ex(
        "s07-callback-threads",
        THREADS,
        "§7 线程池",
        "where a done-callback runs: on the pool thread that ran the task, or at once on main if the task was already over",
    )
    .extends("s07-thread-pool"),
    ex(
        "s08-singleton",
        THREADS,
        "§8 单例模式",
        "constructing twice returns the first instance (a OnceLock static); one address printed twice",
    ),
    ex(
        "s08-singleton-threaded",
        THREADS,
        "§8 单例模式",
        "ten threads construct the singleton: a check, the class's RLock (ReentrantMutex), a second check; one address",
    ),
    ex(
        "s08-singleton-race",
        THREADS,
        "§8 单例模式",
        "the race the second check is for, forced with a latch: built once, nine threads stopped by the second check",
    )
    .extends("s08-singleton-threaded"),
    ex(
        "s08-singleton-oncelock",
        THREADS,
        "§8 单例模式",
        "OnceLock::get_or_init does the double-checked locking itself: ten threads at once, built once",
    )
    .extends("s08-singleton-threaded"),
    ex(
        "s11-3-singleton-new",
        THREADS,
        "§11.3 单例模式",
        "the singleton through __new__ with no arguments: a lock and two checks; obj1 is obj2 prints True",
    ),
    ex(
        "s11-3-singleton-module",
        THREADS,
        "§11.3 单例模式",
        "the module-level singleton: a LazyLock static built on first use, the same from two places",
    ),
    ex(
        "s11-2-concurrency-vs-parallelism",
        THREADS,
        "§11.2 并发和并行",
        "the accumulation serially, on N threads pinned to one CPU (concurrent), and on N CPUs (parallel), timed",
    )
    .paced(9) // no sleeps, but its amount of work follows the time scale
    .alone(),
    // ── examples-processes ────────────────────────────────────────────────────────────────
    ex(
        "s02-thread-vs-process",
        PROCESSES,
        "§2 多进程和多线程",
        "100 threads, then 100 processes per start method, started and joined: time per start beside the bare OS floor",
    )
    .alone(),
    ex(
        "s09-start-methods",
        PROCESSES,
        "§9 进程",
        "one target under fork, spawn and forkserver: only the forked child sees the parent's global and open file",
    ),
    ex(
        "s09-1-fork-unflushed",
        PROCESSES,
        "§9.1 案例",
        "fork copies a file's unflushed buffer: x1.txt ends 武沛齐 / alex / 武沛齐",
    ),
    ex(
        "s09-1-fork-flushed",
        PROCESSES,
        "§9.1 案例",
        "flushed before the fork, the buffer is not copied: x1.txt ends 武沛齐 / alex",
    ),
    ex(
        "s09-1-fork-lock",
        PROCESSES,
        "§9.1 案例",
        "fork copies a held lock: the child's ten threads wait until its main thread releases it",
    )
    .paced(12),
    ex(
        "s09-1-process-name",
        PROCESSES,
        "§9.1 案例",
        "a spawned process named 哈哈哈哈 counts its 11 threads and reads its own name",
    )
    .paced(3),
    ex(
        "s09-1-custom-process",
        PROCESSES,
        "§9.1 案例",
        "a process type with its own run(), sent to a spawned process",
    ),
    ex(
        "s09-1-cpu-count",
        PROCESSES,
        "§9.1 案例",
        "cpu_count(), and cpu_count() - 1 processes started",
    ),
    ex(
        "s09-4-process-lock",
        PROCESSES,
        "§9.4 进程锁",
        "ten spawned processes sell 10 tickets under a flock-based process lock; without it, updates are lost",
    )
    .paced(6),
    ex(
        "s09-5-process-pool",
        PROCESSES,
        "§9.5 进程池",
        "a pool of 4 worker processes runs 10 tasks; shutdown(wait) returns after all of them",
    )
    .paced(6),
    ex(
        "s09-5-pool-callback",
        PROCESSES,
        "§9.5 进程池",
        "50 tasks; every done-callback runs in the main process, one at a time (about 100 s)",
    )
    .paced(105),
    // ── examples-async ────────────────────────────────────────────────────────────────────
    ex(
        "s10-coroutine-switch",
        ASYNC,
        "§10 协程",
        "two coroutines on one thread take turns, switching at each IO wait (tokio, current-thread runtime)",
    ),
    ex(
        "s10-io-bound-async",
        ASYNC,
        "§10 协程",
        "§3's downloads by many tasks on one thread (hyper) vs one OS thread each (ureq): about the same time, 1 thread vs N",
    )
    .paced(2)
    .alone(),
    ex(
        "s10-executor-by-hand",
        ASYNC,
        "§10 协程",
        "what a runtime does underneath: a std-only executor polls two futures; a Waker re-queues them",
    ),
    // ── examples-socket ───────────────────────────────────────────────────────────────────
    ex(
        "s11-server",
        SOCKET,
        "§11 总结",
        "the socket server: one thread per connection, 收到收到 to each message, Q closes; stops on Ctrl-C/SIGTERM",
    )
    .run(Run::Server {
        client: "s11-client",
        stdin: "你好\n\n再见\nQ\n",
    }),
    ex(
        "s11-client",
        SOCKET,
        "§11 总结",
        "the client: >>> prompt, sends each line, prints the reply; an empty line re-prompts, end of input sends Q",
    )
    .run(Run::Client {
        server: "s11-server",
        stdin: "你好\n\nhello\n",
    }),
    ex(
        "s11-server-async",
        SOCKET,
        "§11 总结",
        "the same server on tokio: one task per connection, all on one thread",
    )
    .run(Run::Server {
        client: "s11-client",
        stdin: "你好\n\n再见\nq\n",
    }),
    // ── examples-ipc ──────────────────────────────────────────────────────────────────────
    ex(
        "s09-2-value",
        IPC,
        "§9.2 数据共享",
        "a child writes three Values in shared memory; the parent reads 888, b'a', 武",
    ),
    ex(
        "s09-2-array",
        IPC,
        "§9.2 数据共享",
        "a child sets arr[0] of a shared Array('i'); the parent prints [666, 22, 33, 44]",
    ),
    ex(
        "s09-2-manager",
        IPC,
        "§9.2 数据共享",
        "a Manager server process holds a dict and a list that a child changes through proxies",
    ),
    ex(
        "s09-3-queue",
        IPC,
        "§9.3 交换",
        "a child puts 0…9 into a Queue; after join the parent gets 0…4 in order; the rest are dropped",
    ),
    ex(
        "s09-3-pipe",
        IPC,
        "§9.3 交换",
        "a duplex Pipe: the child sends a list, the parent answers 666",
    )
    .paced(3),
    ex(
        "s09-5-pool-manager-lock",
        IPC,
        "§9.5 进程池",
        "ten pool tasks decrement f1.txt from 10 to 0 under a Manager RLock passed to the workers",
    )
    .paced(10),
];

/// The catalog in the notes' order: by section number, then as listed.
pub fn in_notes_order() -> Vec<&'static Example> {
    let mut all: Vec<&Example> = CATALOG.iter().collect();
    all.sort_by_key(|e| section_numbers(e.name));
    all
}

/// The section numbers a name starts with: `s09-1-fork` → `[9, 1]`, `s11-server` → `[11]`.
pub fn section_numbers(name: &str) -> Vec<u32> {
    name.strip_prefix('s')
        .unwrap_or(name)
        .split('-')
        .map_while(|part| part.parse().ok())
        .collect()
}

/// The example called `name`.
pub fn find(name: &str) -> Option<&'static Example> {
    CATALOG.iter().find(|e| e.name == name)
}

/// The catalog's names closest to `name`: those containing it or contained in it, then those
/// within a small edit distance; best first, at most five.
pub fn closest(name: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = CATALOG
        .iter()
        .filter_map(|e| {
            let distance = edit_distance(name, e.name);
            let related = e.name.contains(name) || name.contains(e.name);
            (related || distance <= (name.chars().count() / 3).max(2)).then_some((distance, e.name))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_sections() {
        assert_eq!(section_numbers("s02-1-start-join"), vec![2, 1]);
        assert_eq!(section_numbers("s02-thread-vs-process"), vec![2]);
        assert_eq!(section_numbers("s11-server"), vec![11]);
        assert_eq!(section_numbers("s11-3-singleton-module"), vec![11, 3]);
    }

    #[test]
    fn closest_names_suggest_the_intended_one() {
        assert_eq!(
            closest("s02-1-start-jion").first(),
            Some(&"s02-1-start-join")
        );
        assert!(closest("daemon").contains(&"s02-1-daemon"));
        assert!(closest("zzzzzzzzzzzzzzzz").is_empty());
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("锁", "线程锁"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
