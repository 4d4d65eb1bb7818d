//! §2.1 线程常见方法 — setting and reading a thread's name (线程名称的设置和获取).
//!
//! The snippet starts ten threads named `日魔-0` … `日魔-9`, each running a task (with the
//! argument 11) that prints the name of the thread it runs on.
//!
//! Rust: the name is given before the thread starts, to `thread::Builder::name` — there is no
//! `setName` on a running thread. `thread::current().name()` is `threading.current_thread()
//! .getName()`; it is an `Option`, since a thread may have no name. Python waits for its threads
//! at exit; in Rust `main` joins them, or they would be cut off when it returns. The ten names
//! come out in whatever order the threads run, as in Python.
//!
//! Run it: `cargo run -p examples-threads --bin s02-1-thread-name`.

use std::thread;

use pace::Report;

fn task(_arg: u32) {
    // the thread running this code — whichever of the ten it is
    let name = thread::current().name().unwrap_or("(无名线程)").to_string();
    println!("{name}");
}

fn main() -> Result<(), Report> {
    pace::init();
    let mut threads = Vec::new();
    for i in 0..10 {
        let t = thread::Builder::new()
            .name(format!("日魔-{i}")) // t.setName('日魔-{}'.format(i))
            .spawn(|| task(11))?; // t.start()
        threads.push(t);
    }
    for t in threads {
        t.join().map_err(|_| "线程 panic 了")?;
    }
    Ok(())
}
