//! §10 协程 — what a coroutine runtime does underneath: a minimal executor, std only.
//!
//! The notes call a coroutine "user-space context switching inside one thread". In Rust the
//! switching is no magic of the language: an `async fn` compiles to a state machine, a
//! [`Future`], and something must *poll* it. Polling runs it up to its next `.await` that cannot
//! finish yet; there it returns `Poll::Pending` — the coroutine has given the thread back — after
//! handing its [`Waker`] to whatever it waits for. When that thing is ready it calls
//! `waker.wake()`, and the task is polled again, resuming just after the `.await`.
//!
//! The executor below is all of that in a few lines: a run queue (a channel of tasks), a loop
//! that takes the next task and polls it, and a waker that puts its task back at the end of the
//! queue (std's [`Wake`] trait turns an `Arc<Task>` into a `Waker`, no `unsafe` needed). Two
//! coroutines await [`YieldNow`], a wait that is over at once, so they switch at every step —
//! the same alternation as `s10-coroutine-switch` shows on tokio.
//!
//! Python: asyncio's event loop is this loop, with `epoll` to learn which socket is ready. A real
//! executor (tokio) also sleeps in `epoll` when no task is ready, and its wakers are called by
//! that IO driver; ours never has to sleep, because every wait is over at once.
//!
//! Run it: `cargo run -p examples-async --bin s10-executor-by-hand`.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use pace::Report;

/// A spawned coroutine: its future (gone once finished) and the way back into the run queue.
struct Task {
    name: &'static str,
    future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
    run_queue: Sender<Arc<Task>>,
}

impl Wake for Task {
    /// Waking a task puts it back at the end of the run queue.
    fn wake(self: Arc<Self>) {
        let run_queue = self.run_queue.clone();
        // If the executor has gone there is nobody left to run it: nothing to do.
        let _ = run_queue.send(self);
    }
}

/// A wait that is over at once: the first poll asks to be woken and returns `Pending` — which
/// hands the thread to the next task — the second returns `Ready`.
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Real IO would keep the waker and call it when the socket is ready; we are ready now.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

async fn coroutine(name: &str, steps: u32) {
    for step in 1..=steps {
        println!("  {name}：第 {step} 步，然后 await");
        YieldNow { yielded: false }.await;
    }
    println!("  {name}：结束");
}

fn main() -> Result<(), Report> {
    pace::init();
    let (run_queue, next_task) = mpsc::channel::<Arc<Task>>();

    // Spawning = wrapping the future in a task and queueing it. Nothing has run yet.
    for name in ["协程1", "协程2"] {
        run_queue.send(Arc::new(Task {
            name,
            future: Mutex::new(Some(Box::pin(coroutine(name, 3)))),
            run_queue: run_queue.clone(),
        }))?;
    }

    // The event loop: take the next ready task, poll it, until every task has finished.
    let mut unfinished = 2;
    while unfinished > 0 {
        // A task is always queued here: each one that is not finished has woken itself.
        let task = next_task.recv()?;
        // Only this loop locks it; a panic in `poll` would end the program, never poison it.
        let mut slot = task.future.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(future) = slot.as_mut() else {
            continue; // woken after it had finished: nothing left to run
        };
        println!("执行器：poll {}", task.name);
        let waker = Waker::from(Arc::clone(&task));
        match future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Pending => println!(
                "执行器：{} 返回 Pending，它的 waker 已把它排回队尾",
                task.name
            ),
            Poll::Ready(()) => {
                println!("执行器：{} 返回 Ready，完成", task.name);
                *slot = None;
                unfinished -= 1;
            }
        }
    }
    println!("执行器：所有任务完成");
    Ok(())
}
