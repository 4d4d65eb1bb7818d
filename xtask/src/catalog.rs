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
    /// The code block of the notes it mirrors, and how `cargo xtask compare` runs that block
    /// beside it (see [`Pairing`]).
    pub pairing: Pairing,
}

/// What an example mirrors in the notes, and how its snippet runs beside it.
///
/// The notes are the reader's; nothing here holds their text. A block is named by its section
/// and its place in the section ([`Snippet::Block`]); `cargo xtask compare` reads it from the
/// reader's copy at run time. The pairing test checks every locator against the notes, and that
/// every code block is claimed by an example or listed in [`NOT_PROGRAMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pairing {
    /// The code block, or the passage, it mirrors.
    pub snippet: Snippet,
    /// Why it claims a block that another example claims too (an extension needs no reason:
    /// it claims its snippet program's block).
    pub shared: Option<&'static str>,
    /// How `python3` runs the block.
    pub python: Python,
    /// Files the block needs in its working directory, made fresh for each run (for both sides).
    pub files: &'static [(&'static str, Content)],
    /// What is typed at the program's prompt (for both sides), when it reads stdin.
    pub input: Option<&'static str>,
    /// Its output shows process ids: numbers of this run's pids are compared as `<pid1>`,
    /// `<pid2>`, … in the order they first appear.
    pub pids: bool,
    /// Lines the snippet prints that the program does not, each with its reason.
    pub declared: &'static [Declared],
}

/// The part of the notes an example mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snippet {
    /// Not paired yet: the pairing test fails until it is.
    Unpaired,
    /// Code block `ordinal` (from 1) of section `section` (`"9.1"`).
    Block {
        /// The section's number.
        section: &'static str,
        /// The block's place in the section, from 1.
        ordinal: usize,
    },
    /// No code block: a workload or a passage the notes only describe in words, under the
    /// heading of section `section`.
    Passage {
        /// The section's number.
        section: &'static str,
    },
}

/// How `cargo xtask compare` runs the snippet with `python3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Python {
    /// As written (through the project's prelude, which scales `time.sleep`).
    AsWritten,
    /// A fragment: the project's own `completion` (Python source) runs first and defines what
    /// the fragment uses; then the fragment runs in the same namespace. `why` says what the
    /// completion adds. The completion is the project's text, never the notes'.
    Completed {
        /// The project's Python that makes the fragment run.
        completion: &'static str,
        /// What it adds, and why.
        why: &'static str,
    },
    /// It cannot run as written, for this reason.
    NotRunnable(&'static str),
}

/// A file prepared in the working directory of both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// This text.
    Text(&'static str),
    /// Code block `n` of the same section, read from the notes (a module the snippet imports).
    Block(usize),
}

/// A declared difference: lines the snippet prints that the program does not, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// Python's warnings of this category (`DeprecationWarning`): the warning's line and the
    /// source line Python quotes under it.
    Warning {
        /// The warning's category.
        category: &'static str,
        /// Why Rust has no such line.
        why: &'static str,
    },
    /// Lines that are a whole number from `low` to `high`: a value that depends on how the
    /// snippet's threads happen to interleave.
    Between {
        /// The smallest value.
        low: u64,
        /// The largest value.
        high: u64,
        /// Why the value varies in Python.
        why: &'static str,
    },
    /// Normalized lines that contain this text.
    Lines {
        /// A part of the line, after normalization.
        containing: &'static str,
        /// Why Rust prints something else.
        why: &'static str,
    },
}

/// A code block of the notes that no example mirrors, because it is no program: prose or a
/// list set in a code fence, a reminder, a table. `section` and `ordinal` locate it as in
/// [`Snippet::Block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAProgram {
    /// The section's number.
    pub section: &'static str,
    /// The block's place in the section, from 1.
    pub ordinal: usize,
    /// What it is instead.
    pub why: &'static str,
}

const UNPAIRED: Pairing = Pairing {
    snippet: Snippet::Unpaired,
    shared: None,
    python: Python::AsWritten,
    files: &[],
    input: None,
    pids: false,
    declared: &[],
};

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
        pairing: UNPAIRED,
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

/// Pairing: the builders below set [`Example::pairing`].
impl Example {
    /// It mirrors code block `ordinal` (from 1) of section `section` (`"9.1"`).
    const fn mirrors(mut self, section: &'static str, ordinal: usize) -> Self {
        self.pairing.snippet = Snippet::Block { section, ordinal };
        self
    }

    /// It mirrors no code block: a passage or workload of section `section`, in words only.
    const fn passage(mut self, section: &'static str) -> Self {
        self.pairing.snippet = Snippet::Passage { section };
        self
    }

    /// It claims a block another example claims too, for this reason.
    #[allow(dead_code)] // kept for the next block that two programs mirror
    const fn shares(mut self, why: &'static str) -> Self {
        self.pairing.shared = Some(why);
        self
    }

    /// Its block is a fragment that the project's `completion` makes runnable.
    const fn completed(mut self, completion: &'static str, why: &'static str) -> Self {
        self.pairing.python = Python::Completed { completion, why };
        self
    }

    /// Its block cannot run as written, for this reason.
    #[allow(dead_code)] // kept for the next block that cannot run
    const fn not_runnable(mut self, why: &'static str) -> Self {
        self.pairing.python = Python::NotRunnable(why);
        self
    }

    /// Files its block needs in the working directory.
    const fn files(mut self, files: &'static [(&'static str, Content)]) -> Self {
        self.pairing.files = files;
        self
    }

    /// What compare types at its prompt (both sides).
    const fn input(mut self, input: &'static str) -> Self {
        self.pairing.input = Some(input);
        self
    }

    /// Its output shows process ids.
    const fn pids(mut self) -> Self {
        self.pairing.pids = true;
        self
    }

    /// Lines of its snippet that it does not print, with their reasons.
    const fn declares(mut self, declared: &'static [Declared]) -> Self {
        self.pairing.declared = declared;
        self
    }
}

/// What compare types into the §11 client, both sides: no empty line (the notes' client would
/// send zero bytes and wait forever for a reply), and `Q` at the end (it dies of `EOFError` at
/// the end of its input).
const SESSION: &str = "你好\n再见\nQ\n";

/// §5's snippets print the number after releasing the lock: what they print first depends on
/// how far the other thread has got by then.
const NUM_AFTER_RELEASE: &[Declared] = &[Declared::Between {
    low: 1_000_000,
    high: 2_000_000,
    why: "the snippet prints num after releasing the lock, so the other thread may already have added to it (1063113 on a busy machine); the program prints it before the release: 1000000, then 2000000",
}];

/// Every example. Add a line here when you add a binary; the tests check both ways.
pub const CATALOG: &[Example] = &[
    // ── examples-threads ──────────────────────────────────────────────────────────────────
    ex(
        "s02-1-start-join",
        THREADS,
        "§2.1 线程常见方法",
        "t.start() returns at once; t.join() waits until the thread has finished",
    )
    .paced(1)
    .passage("2.1"),
    ex(
        "s02-1-daemon",
        THREADS,
        "§2.1 线程常见方法",
        "a thread nobody joins is cut off when main returns (a daemon); a joined one finishes",
    )
    .paced(1)
    .passage("2.1"),
    ex(
        "s02-1-thread-name",
        THREADS,
        "§2.1 线程常见方法",
        "ten threads named 日魔-0 … 日魔-9 each print the name of the thread they run on",
    )
    .mirrors("2.1", 2)
        .declares(&[Declared::Warning {
            category: "DeprecationWarning",
            why: "Python 3.10 deprecated setName()/getName() for the name attribute; a Rust thread's name is given to thread::Builder once, with nothing to deprecate",
        }]),
    ex(
        "s02-1-custom-thread",
        THREADS,
        "§2.1 线程常见方法",
        "a custom thread \"class\": a type with a run method, started on a thread by a trait",
    )
    .mirrors("2.1", 3),
    ex(
        "s03-cpu-bound",
        THREADS,
        "§3 GIL全局锁",
        "the accumulation on 1 thread, N threads and N processes: without a GIL, threads are as fast as processes",
    )
    .paced(9) // no sleeps, but its amount of work follows the time scale
    .alone()
    .passage("3"),
    ex(
        "s03-io-bound",
        THREADS,
        "§3 GIL全局锁",
        "five downloads (ureq) from a local video site, serially then one thread each: the waits overlap",
    )
    .paced(6)
    .passage("3"),
    ex(
        "s04-thread-unsafe",
        THREADS,
        "§4 线程安全",
        "an unsynchronized counter does not compile; atomic load-then-store loses updates, fetch_add does not",
    )
    .passage("4"),
    ex(
        "s05-lock",
        THREADS,
        "§5 线程锁",
        "two threads each add 1 000 000 under a Mutex, which owns the number: 1000000, then 2000000",
    )
    .mirrors("5", 1)
    .declares(NUM_AFTER_RELEASE),
    ex(
        "s05-rlock",
        THREADS,
        "§5 线程锁",
        "the same with a reentrant lock (parking_lot's ReentrantMutex); added, not in the snippet: its holder takes it again",
    )
    .mirrors("5", 2)
    .declares(NUM_AFTER_RELEASE),
    ex(
        "s06-deadlock-self",
        THREADS,
        "§6 死锁",
        "a thread takes a plain lock twice and waits for itself (a timed acquire reports it); an RLock lets it in",
    )
    .paced(1)
    .passage("6"),
    ex(
        "s06-deadlock-cycle",
        THREADS,
        "§6 死锁",
        "two threads each hold the lock the other wants: timed acquires report who holds what; one lock order fixes it",
    )
    .paced(1)
    .passage("6"),
    ex(
        "s07-thread-pool",
        THREADS,
        "§7 线程池",
        "ten downloads (ureq) on a pool of four threads: submit, a done-callback per future, shutdown(True), then each result",
    )
    .paced(3)
    .mirrors("7", 1)
        .completed(
            include_str!("../python/completions/s07_thread_pool.py"),
            "the fragment uses a pool, a task and a url it does not define: the completion downloads from a local video site, as the program does, on a pool that takes tasks again after each shutdown",
        ),
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
    )
    .mirrors("8", 1),
    ex(
        "s08-singleton-threaded",
        THREADS,
        "§8 单例模式",
        "ten threads construct the singleton: a check, the class's RLock (ReentrantMutex), a second check; one address",
    )
    .mirrors("8", 2),
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
    )
    .mirrors("11.3", 1),
    ex(
        "s11-3-singleton-module",
        THREADS,
        "§11.3 单例模式",
        "the module-level singleton: a LazyLock static built on first use, the same from two places",
    )
    .mirrors("11.3", 3)
        .files(&[("xx.py", Content::Block(2))])
        .declares(&[Declared::Lines {
            containing: "<xx.Singleton object",
            why: "the snippet imports the module as xx (the file the notes call utils.py is written as xx.py so that the import runs); the program's module is utils",
        }]),
    ex(
        "s11-2-concurrency-vs-parallelism",
        THREADS,
        "§11.2 并发和并行",
        "the accumulation serially, on N threads pinned to one CPU (concurrent), and on N CPUs (parallel), timed",
    )
    .paced(9) // no sleeps, but its amount of work follows the time scale
    .alone()
    .passage("11.2"),
    // ── examples-processes ────────────────────────────────────────────────────────────────
    ex(
        "s02-thread-vs-process",
        PROCESSES,
        "§2 多进程和多线程",
        "100 threads, then 100 processes per start method, started and joined: time per start beside the bare OS floor",
    )
    .alone()
    .passage("2"),
    ex(
        "s09-start-methods",
        PROCESSES,
        "§9 进程",
        "one target under fork, spawn and forkserver: only the forked child sees the parent's global and open file",
    )
    .mirrors("9", 2),
    ex(
        "s09-1-fork-unflushed",
        PROCESSES,
        "§9.1 案例",
        "fork copies a file's unflushed buffer: x1.txt ends 武沛齐 / alex / 武沛齐",
    )
    .mirrors("9.1", 1),
    ex(
        "s09-1-fork-flushed",
        PROCESSES,
        "§9.1 案例",
        "flushed before the fork, the buffer is not copied: x1.txt ends 武沛齐 / alex",
    )
    .mirrors("9.1", 2),
    ex(
        "s09-1-fork-lock",
        PROCESSES,
        "§9.1 案例",
        "fork copies a held lock: the child's ten threads wait until its main thread releases it",
    )
    .paced(12)
    .mirrors("9.1", 3),
    ex(
        "s09-1-fork-refused",
        PROCESSES,
        "§9.1 案例",
        "fork while a second thread holds a lock: refused with an error naming spawn and forkserver; spawn runs",
    )
    .extends("s09-1-fork-lock"),
    ex(
        "s09-1-process-name",
        PROCESSES,
        "§9.1 案例",
        "a spawned process named 哈哈哈哈 counts its 11 threads and reads its own name",
    )
    .paced(3)
    .mirrors("9.1", 4).pids(),
    ex(
        "s09-1-custom-process",
        PROCESSES,
        "§9.1 案例",
        "a process type with its own run(), sent to a spawned process",
    )
    .mirrors("9.1", 5),
    ex(
        "s09-1-cpu-count",
        PROCESSES,
        "§9.1 案例",
        "cpu_count(), and cpu_count() - 1 processes started",
    )
    .mirrors("9.1", 7)
        .completed(
            include_str!("../python/completions/s09_1_cpu_count.py"),
            "the fragment starts processes with a target it leaves open, xxxx: the completion's target prints the child's pid and its parent's, as the program's children do",
        )
        .pids(),
    ex(
        "s09-4-process-lock",
        PROCESSES,
        "§9.4 进程锁",
        "ten spawned processes sell 10 tickets under a flock-based process lock: f1.txt ends at 0",
    )
    .paced(5)
    .mirrors("9.4", 1)
    .files(&[("f1.txt", Content::Text("10"))])
    .pids(),
    ex(
        "s09-4-without-lock",
        PROCESSES,
        "§9.4 进程锁",
        "the same ten without the lock, forced to all read before any writes: nine sales lost, f1.txt ends at 9",
    )
    .paced(1)
    .extends("s09-4-process-lock"),
    ex(
        "s09-4-without-join",
        PROCESSES,
        "§9.4 进程锁",
        "why the parent joins: the lock's file goes with the lock at the end of main, before late children open it",
    )
    .paced(5)
    .extends("s09-4-process-lock"),
    ex(
        "s09-5-process-pool",
        PROCESSES,
        "§9.5 进程池",
        "a pool of 4 worker processes runs 10 tasks; shutdown(wait) returns after all of them",
    )
    .paced(6)
    .mirrors("9.5", 1),
    ex(
        "s09-5-pool-callback",
        PROCESSES,
        "§9.5 进程池",
        "50 tasks; every done-callback runs in the main process, one at a time (about 100 s)",
    )
    .paced(105)
    .mirrors("9.5", 2),
    // ── examples-async ────────────────────────────────────────────────────────────────────
    ex(
        "s10-coroutine-switch",
        ASYNC,
        "§10 协程",
        "two coroutines on one thread take turns, switching at each IO wait (tokio, current-thread runtime)",
    )
    .passage("10"),
    ex(
        "s10-io-bound-async",
        ASYNC,
        "§10 协程",
        "§3's downloads by many tasks on one thread (hyper) vs one OS thread each (ureq): about the same time, 1 thread vs N",
    )
    .paced(2)
    .alone()
    .passage("10"),
    ex(
        "s10-executor-by-hand",
        ASYNC,
        "§10 协程",
        "what a runtime does underneath: a std-only executor polls two futures; a Waker re-queues them",
    )
    .passage("10"),
    // ── examples-socket ───────────────────────────────────────────────────────────────────
    ex(
        "s11-server",
        SOCKET,
        "§11 总结",
        "the socket server: one thread per connection, 收到收到 to each message, Q closes; limits on connections, idle time and message size; stops on Ctrl-C/SIGTERM",
    )
    .run(Run::Server {
        client: "s11-client",
        stdin: "你好\n\n再见\nQ\n",
    })
    .mirrors("11", 1).input(SESSION),
    ex(
        "s11-client",
        SOCKET,
        "§11 总结",
        "the client: >>> prompt, sends each line, prints the reply; an empty line re-prompts, end of input sends Q; a silent server is given up after --timeout",
    )
    .run(Run::Client {
        server: "s11-server",
        stdin: "你好\n\nhello\n",
    })
    .mirrors("11", 2)
    .input(SESSION),
    ex(
        "s11-server-async",
        SOCKET,
        "§11 总结",
        "the same server on tokio: one task per connection, all on one thread; the same limits and flags",
    )
    .extends("s11-server")
    .run(Run::Server {
        client: "s11-client",
        stdin: "你好\n\n再见\nq\n",
    })
    .input(SESSION),
    // ── examples-ipc ──────────────────────────────────────────────────────────────────────
    ex(
        "s09-2-value",
        IPC,
        "§9.2 数据共享",
        "a child writes three Values in shared memory; the parent reads 888, b'a', 武",
    )
    .mirrors("9.2", 2),
    ex(
        "s09-2-array",
        IPC,
        "§9.2 数据共享",
        "a child sets arr[0] of a shared Array('i'); the parent prints [666, 22, 33, 44]",
    )
    .mirrors("9.2", 3),
    ex(
        "s09-2-manager",
        IPC,
        "§9.2 数据共享",
        "a Manager server process holds a dict and a list that a child changes through proxies",
    )
    .mirrors("9.2", 4),
    ex(
        "s09-3-queue",
        IPC,
        "§9.3 交换",
        "a child puts 0…9 into a Queue; after join the parent gets 0…4 in order; the rest are dropped",
    )
    .mirrors("9.3", 1),
    ex(
        "s09-3-pipe",
        IPC,
        "§9.3 交换",
        "a duplex Pipe: the child sends a list, the parent answers 666",
    )
    .paced(3)
    .mirrors("9.3", 2),
    ex(
        "s09-5-pool-manager-lock",
        IPC,
        "§9.5 进程池",
        "ten pool tasks decrement f1.txt from 10 to 0 under a Manager RLock passed to the workers",
    )
    .paced(10)
    .mirrors("9.5", 3).files(&[("f1.txt", Content::Text("10"))]),
];

/// The code blocks of the notes that are no program, each with what it is instead. With the
/// examples' pairings they cover every code block of the notes (the pairing test checks both).
pub const NOT_PROGRAMS: &[NotAProgram] = &[
    NotAProgram {
        section: "1",
        ordinal: 1,
        why: "definitions of a thread and a process, prose set in a code fence",
    },
    NotAProgram {
        section: "2",
        ordinal: 1,
        why: "a statement (processes cost more than threads) and two imports: prose in a code fence; s02-thread-vs-process measures the statement",
    },
    NotAProgram {
        section: "2.1",
        ordinal: 1,
        why: "the fenced list of the thread methods start, join and setDaemon, in prose; s02-1-start-join and s02-1-daemon show them",
    },
    NotAProgram {
        section: "3",
        ordinal: 1,
        why: "when to use processes and when threads, in prose; it names the two workloads that s03-cpu-bound and s03-io-bound run",
    },
    NotAProgram {
        section: "6",
        ordinal: 1,
        why: "the two cases of deadlock, in words; s06-deadlock-self and s06-deadlock-cycle show one each",
    },
    NotAProgram {
        section: "9",
        ordinal: 1,
        why: "a one-line reminder that process code runs under if __name__ == '__main__'",
    },
    NotAProgram {
        section: "9.1",
        ordinal: 6,
        why: "an expression to evaluate at the prompt, cpu_count(); as a script it prints nothing. The next block uses it, and s09-1-cpu-count prints it",
    },
    NotAProgram {
        section: "9.2",
        ordinal: 1,
        why: "the table of ctypes type codes that Value and Array take",
    },
    NotAProgram {
        section: "10",
        ordinal: 1,
        why: "what a coroutine is, in prose; the s10 programs show it",
    },
    NotAProgram {
        section: "10",
        ordinal: 2,
        why: "coroutines, threads and processes compared, in prose",
    },
    NotAProgram {
        section: "11.2",
        ordinal: 1,
        why: "where concurrency shows in Python, one sentence",
    },
    NotAProgram {
        section: "11.2",
        ordinal: 2,
        why: "where parallelism shows in Python, one sentence",
    },
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
