//! §9.2 数据共享 — server process: `with Manager() as manager:`, a managed dict and list.
//!
//! The manager starts a server process that holds a dict and a list. A child process gets the
//! two proxies and changes the objects through them — three keys of three types in the dict, 666
//! appended to the list. Once the child has been joined, the parent prints both, as the server
//! now has them: `{1: '1', '2': 2, 0.25: None}` and `[666]`. At the end of the block the server
//! is shut down.
//!
//! Rust: `examples_ipc::Manager::new()` starts a real server process (this executable again, by
//! spawn); the dict and list live only there. `d` and `l` are proxies: each call is a request
//! to the server over the calling thread's connection to it (a pair of pipes, as Python's is a
//! socket), and a failed one is an error — e.g. when the server has died — so the calls return
//! `Result`. Python's dict takes keys and values of any type;
//! here they are `PyValue`s (None, bool, int, float, str, list, dict), which print as Python's.
//! `print(d)` asks the server for the dict; here `d.copy()?` does that visibly. The `with` block
//! is a scope: dropping `manager` shuts the server down and reaps it.
//!
//! Run it: `cargo run -p examples-ipc --bin s09-2-manager` (prefix `EXAMPLES_START_METHOD=spawn`
//! or `=forkserver` to start the child another way; the notes use the default: fork, the
//! default on Linux in their Python — 3.14 switched to forkserver).

use examples_ipc::{DictProxy, ListProxy, Manager, PyValue};
use examples_processes::{Process, target};
use pace::OrFail;

fn f(d: DictProxy, l: ListProxy) {
    // A failed request panics here: in a child, that is Python's uncaught exception (exit code 1).
    d.set(1, "1").or_fail("d[1] = '1'");
    d.set("2", 2).or_fail("d['2'] = 2");
    d.set(0.25, PyValue::None).or_fail("d[0.25] = None");
    l.append(666).or_fail("l.append(666)");
}

fn main() -> Result<(), pace::Report> {
    let _main = examples_processes::init(); // if __name__ == '__main__':

    {
        let manager = Manager::new()?; // with Manager() as manager:
        let d = manager.dict()?;
        let l = manager.list()?;

        let mut p = Process::new(target!(f), (d.clone(), l.clone()));
        p.start()?;
        p.join()?;

        println!("{}", d.copy()?); // print(d)
        println!("{}", l.copy()?); // print(l)
    } // the end of the with block: the server is shut down
    Ok(())
}
