//! A fixed-size thread pool whose `submit` returns a future — Python's
//! `concurrent.futures.ThreadPoolExecutor`, the pool of §7.
//!
//! The threads are the [`threadpool`] crate's; it runs closures but hands nothing back. Each
//! [`submit`](ThreadPool::submit) therefore opens a channel of its own: the worker sends the
//! task's outcome into it, and the returned [`Future`] receives it when someone asks for
//! [`result`](Future::result). As in Python:
//!
//! - `result()` blocks until the task has finished; a task that panicked gives an error (where
//!   Python's `result()` re-raises the task's exception); for a task that returns a `Result`,
//!   [`value`](Future::value) gives its value, or its error or panic as one error;
//! - a callback given to [`add_done_callback`](Future::add_done_callback) runs **on the worker
//!   thread** right after the task, or at once on the calling thread if the task has already
//!   finished;
//! - [`shutdown`](ThreadPool::shutdown) (Python's `pool.shutdown(True)`) waits until every task
//!   *and its callbacks* have run; the pool takes no task after it.
//!
//! ```
//! use examples_threads::pool::ThreadPool;
//!
//! let pool = ThreadPool::new(2, "worker");
//! let future = pool.submit(|| 6 * 7);
//! future.add_done_callback(|done| println!("done: {:?}", done.result()));
//! pool.shutdown();
//! assert_eq!(future.result(), Ok(&42));
//! ```

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// A fixed number of worker threads that run submitted tasks in submission order.
#[derive(Debug)]
pub struct ThreadPool {
    pool: threadpool::ThreadPool,
}

impl ThreadPool {
    /// A pool of `workers` threads (at least 1), each named `name`. The threads start at once and
    /// never more are created: tasks wait in a queue for a free worker.
    pub fn new(workers: usize, name: &str) -> Self {
        let pool = threadpool::Builder::new()
            .num_threads(workers.max(1))
            .thread_name(name.to_string())
            .build();
        ThreadPool { pool }
    }

    /// How many worker threads the pool has.
    pub fn workers(&self) -> usize {
        self.pool.max_count()
    }

    /// Queues `task`; returns at once with its [`Future`]. Python: `pool.submit(task, arg)` —
    /// the arguments travel in the closure: `pool.submit(move || task(arg))`.
    pub fn submit<T, F>(&self, task: F) -> Future<T>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (sender, receiver) = mpsc::channel();
        let future = Future {
            shared: Arc::new(Shared {
                receiver: Mutex::new(Some(receiver)),
                outcome: OnceLock::new(),
                callbacks: Mutex::new(Some(Vec::new())),
            }),
        };
        let on_worker = future.clone();
        self.pool.execute(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(task))
                .map_err(|payload| TaskPanicked(panic_message(payload.as_ref())));
            // The receiving half lives in the future, which `on_worker` keeps alive: this
            // cannot fail.
            let _ = sender.send(outcome);
            on_worker.run_callbacks();
        });
        future
    }

    /// Waits until every submitted task, and every callback they trigger, has run; then stops
    /// the workers. Python: `pool.shutdown(True)` (`wait=True`).
    pub fn shutdown(self) {
        self.pool.join();
        // Dropping the pool closes its queue: each worker ends once it sees that.
    }
}

/// The handle of a submitted task: its result, once it has one.
///
/// Clones share the task: each sees the same result.
pub struct Future<T> {
    shared: Arc<Shared<T>>,
}

/// A callback waiting for the task to finish.
type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

struct Shared<T> {
    /// The task's channel, until the first `result()` takes what it carries into `outcome`.
    receiver: Mutex<Option<Receiver<Result<T, TaskPanicked>>>>,
    outcome: OnceLock<Result<T, TaskPanicked>>,
    /// The callbacks to run when the task is done; `None` once they have run.
    callbacks: Mutex<Option<Vec<Callback<T>>>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Future")
            .field("done", &self.done())
            .finish_non_exhaustive()
    }
}

/// A task panicked instead of returning: its panic message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPanicked(pub String);

impl fmt::Display for TaskPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.0)
    }
}

impl std::error::Error for TaskPanicked {}

/// A task that returns a `Result` returned an error, or panicked: what Python's `result()` would
/// raise. Its text says which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailed(pub String);

impl fmt::Display for TaskFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TaskFailed {}

impl<V, E: fmt::Display> Future<Result<V, E>> {
    /// For a task that returns a `Result`: its value, waiting for it if the task has not finished;
    /// or — where Python's `result()` raises the task's exception — the task's error, or its
    /// panic, as one error. (`result()` gives the two apart.)
    pub fn value(&self) -> Result<&V, TaskFailed> {
        match self.result() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(TaskFailed(error.to_string())),
            Err(panicked) => Err(TaskFailed(panicked.to_string())),
        }
    }
}

impl<T> Future<T> {
    /// The task's return value, waiting for it if the task has not finished; an error if it
    /// panicked. Python: `future.result()`.
    pub fn result(&self) -> Result<&T, TaskPanicked> {
        self.shared
            .outcome
            .get_or_init(|| {
                let receiver = self
                    .shared
                    .receiver
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                match receiver.map(|r| r.recv()) {
                    Some(Ok(outcome)) => outcome,
                    // The worker dropped the task unrun: only if the pool itself went away.
                    _ => Err(TaskPanicked("the pool dropped the task unrun".into())),
                }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether the task has finished and its callbacks have run. Python: `future.done()`.
    pub fn done(&self) -> bool {
        self.lock_callbacks().is_none()
    }

    /// Runs `callback(&future)` when the task has finished: on the worker thread that ran it,
    /// or now, on this thread, if it has already finished. Python:
    /// `future.add_done_callback(done)`. A panicking callback is reported on stderr and
    /// otherwise ignored, as Python logs an exception raised in one.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static) {
        let mut callbacks = self.lock_callbacks();
        match callbacks.as_mut() {
            Some(waiting) => waiting.push(Box::new(callback)),
            None => {
                drop(callbacks);
                self.call(Box::new(callback));
            }
        }
    }

    fn lock_callbacks(&self) -> std::sync::MutexGuard<'_, Option<Vec<Callback<T>>>> {
        self.shared
            .callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// On the worker, after the task: runs the callbacks registered so far; later ones run at
    /// once where they are added.
    fn run_callbacks(&self) {
        let callbacks = self.lock_callbacks().take().unwrap_or_default();
        for callback in callbacks {
            self.call(callback);
        }
    }

    fn call(&self, callback: Callback<T>) {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| callback(self))) {
            eprintln!(
                "a done-callback panicked: {}",
                panic_message(payload.as_ref())
            );
        }
    }
}

/// The message of a panic payload (`panic!("…")` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(not a string)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Barrier;
    use std::thread;

    #[test]
    fn results_come_back_in_submission_order() {
        let pool = ThreadPool::new(3, "t-worker");
        let futures: Vec<Future<u32>> = (0..20).map(|i| pool.submit(move || i * i)).collect();
        pool.shutdown();
        let results: Vec<u32> = futures
            .iter()
            .map(|f| *f.result().expect("the task returned"))
            .collect();
        assert_eq!(results, (0..20).map(|i| i * i).collect::<Vec<_>>());
        // result() may be asked again.
        assert_eq!(futures[3].result(), Ok(&9));
    }

    #[test]
    fn result_waits_for_the_task() {
        let pool = ThreadPool::new(1, "t-worker");
        let (go, wait) = mpsc::channel::<()>();
        let future = pool.submit(move || {
            wait.recv().expect("the go signal");
            "finished"
        });
        assert!(!future.done());
        go.send(()).expect("the receiver waits");
        assert_eq!(future.result(), Ok(&"finished"));
        pool.shutdown();
        assert!(future.done());
    }

    #[test]
    fn callbacks_run_on_the_worker_and_shutdown_waits_for_them() {
        let pool = ThreadPool::new(2, "t-worker");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (go, wait) = mpsc::channel::<()>();
        // The task waits until its callback is registered: it must then run on the worker.
        let future = pool.submit(move || {
            wait.recv().expect("the go signal");
            5
        });
        let record = Arc::clone(&seen);
        future.add_done_callback(move |done| {
            let name = thread::current().name().map(str::to_string);
            record
                .lock()
                .expect("not poisoned")
                .push((name, *done.result().expect("the task returned")));
        });
        go.send(()).expect("the receiver waits");
        pool.shutdown();
        assert_eq!(
            *seen.lock().expect("not poisoned"),
            vec![(Some("t-worker".into()), 5)]
        );
    }

    #[test]
    fn a_callback_added_after_the_task_finished_runs_at_once_here() {
        let pool = ThreadPool::new(1, "t-worker");
        let future = pool.submit(|| 1);
        pool.shutdown();
        let (tx, rx) = mpsc::channel();
        future.add_done_callback(move |done| {
            tx.send((
                thread::current().id(),
                *done.result().expect("the task returned"),
            ))
            .expect("the receiver waits");
        });
        assert_eq!(rx.try_recv(), Ok((thread::current().id(), 1)));
    }

    #[test]
    fn a_panicking_task_is_an_error_and_the_pool_goes_on() {
        let pool = ThreadPool::new(1, "t-worker");
        let bad = pool.submit(|| -> u8 { panic!("boom") });
        let good = pool.submit(|| 2u8);
        pool.shutdown();
        assert_eq!(bad.result(), Err(TaskPanicked("boom".into())));
        assert!(
            bad.result()
                .expect_err("it panicked")
                .to_string()
                .contains("boom")
        );
        assert_eq!(good.result(), Ok(&2));
    }

    #[test]
    fn value_is_the_value_or_the_error_or_the_panic() {
        let pool = ThreadPool::new(1, "t-worker");
        let good = pool.submit(|| Ok::<u8, String>(3));
        let failed = pool.submit(|| Err::<u8, String>("下载失败".into()));
        let panicked = pool.submit(|| -> Result<u8, String> { panic!("boom") });
        pool.shutdown();
        assert_eq!(good.value(), Ok(&3));
        assert_eq!(failed.value(), Err(TaskFailed("下载失败".into())));
        assert_eq!(
            panicked.value(),
            Err(TaskFailed("the task panicked: boom".into()))
        );
    }

    #[test]
    fn a_panicking_callback_does_not_stop_the_others() {
        let pool = ThreadPool::new(1, "t-worker");
        let (go, wait) = mpsc::channel::<()>();
        let future = pool.submit(move || wait.recv().expect("the go signal"));
        let (tx, rx) = mpsc::channel();
        future.add_done_callback(|_| panic!("callback fails"));
        future.add_done_callback(move |_| tx.send("second ran").expect("the receiver waits"));
        go.send(()).expect("the receiver waits");
        pool.shutdown();
        assert_eq!(rx.try_recv(), Ok("second ran"));
    }

    #[test]
    fn never_more_threads_than_workers() {
        let pool = ThreadPool::new(2, "t-worker");
        assert_eq!(pool.workers(), 2);
        // Both workers meet at the barrier, so both are certainly used.
        let barrier = Arc::new(Barrier::new(2));
        let futures: Vec<_> = (0..10)
            .map(|i| {
                let barrier = Arc::clone(&barrier);
                pool.submit(move || {
                    if i < 2 {
                        barrier.wait();
                    }
                    thread::current().id()
                })
            })
            .collect();
        pool.shutdown();
        let threads: BTreeSet<String> = futures
            .iter()
            .map(|f| format!("{:?}", f.result().expect("the task returned")))
            .collect();
        assert_eq!(threads.len(), 2);
    }
}
