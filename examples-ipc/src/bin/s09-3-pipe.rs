//! §9.3 交换 — pipes: `parent_conn, child_conn = multiprocessing.Pipe()`.
//!
//! The child sleeps 1 s, sends `[111, 22, 33, 44]` and waits for an answer. The parent, blocked
//! in `recv()` meanwhile, prints `主进程接收： [111, 22, 33, 44]` and sends 666; the child prints
//! `子进程接收: 666`, sleeps 2 s and ends, and the program ends after it (the parent joins it at
//! the end of `main`, as Python does at exit).
//!
//! The space after `主进程接收：` is Python's: `print` puts one between its two arguments.
//!
//! Rust: `examples_ipc::pipe()` returns the two ends of a duplex pipe made of two ipc-channel
//! channels. `child_conn` *moves* into the child's arguments: the parent no longer has it, which
//! Python's advice to close the unused end asks for by hand. A pipe carries one type; the two
//! sides send a list and an int, so here it is `PyValue`, which prints as Python prints. If the
//! other end is gone, `recv` returns an error instead of blocking forever.
//!
//! Run it: `cargo run -p examples-ipc --bin s09-3-pipe` (prefix `EXAMPLES_START_METHOD=spawn`
//! or `=forkserver` to start the child another way; the notes use the default: fork, the
//! default on Linux in their Python — 3.14 switched to forkserver).

use examples_ipc::{Connection, PyValue, pipe};
use examples_processes::{Process, target};
use pace::OrFail;

fn task(conn: Connection<PyValue>) {
    pace::sleep(1.0);
    conn.send(vec![111, 22, 33, 44])
        .or_fail("the parent holds its end");
    // Waits here until the parent answers.
    let data = conn.recv().or_fail("the parent answers");
    println!("子进程接收: {data}");
    pace::sleep(2.0);
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    let (parent_conn, child_conn) = pipe::<PyValue>()?;

    let mut p = Process::new(target!(task), (child_conn,));
    p.start()?;

    // Waits here until the child has sent its list.
    let info = parent_conn.recv()?;
    println!("主进程接收： {info}");
    parent_conn.send(666)?;
    Ok(())
}
