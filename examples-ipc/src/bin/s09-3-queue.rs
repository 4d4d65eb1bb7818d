//! §9.3 交换 — queues: `multiprocessing.Queue()`.
//!
//! A child process puts 0 to 9 into a queue and ends. The parent joins it, prints `主进程`, then
//! gets five items: 0, 1, 2, 3, 4 — in the order they were put. The other five are still in the
//! queue when the program ends; they are dropped with it, and nothing waits for them.
//!
//! Rust: `examples_ipc::Queue` is built on ipc-channel channels between processes. The child
//! gets `queue.sender()?`, a handle that can only put: a channel's receiving end cannot be copied
//! into another process (sending it moves it), so the queue itself — the end that gets — stays
//! in the process that created it. Python lets any process get; here that is the parent, which
//! is what the snippet does. A queue carries one type, `i32` here. And where Python's `get`
//! would wait forever if every producer had died, this one returns an error.
//!
//! Run it: `cargo run -p examples-ipc --bin s09-3-queue` (prefix `EXAMPLES_START_METHOD=spawn`
//! or `=forkserver` to start the child another way; the notes use the default: fork, the
//! default on Linux in their Python — 3.14 switched to forkserver).

use examples_ipc::{Queue, QueueSender};
use examples_processes::{Process, target};
use pace::OrFail;

fn task(q: QueueSender<i32>) {
    for i in 0..10 {
        q.put(i).or_fail("the parent holds the queue");
    }
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let queue = Queue::<i32>::new()?;

    let mut p = Process::new(target!(task), (queue.sender()?,));
    p.start()?;
    p.join()?;

    println!("主进程");
    println!("{}", queue.get()?);
    println!("{}", queue.get()?);
    println!("{}", queue.get()?);
    println!("{}", queue.get()?);
    println!("{}", queue.get()?);
    Ok(())
}
