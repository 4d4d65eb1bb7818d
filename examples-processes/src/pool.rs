//! `concurrent.futures.ProcessPoolExecutor`, with real worker processes.
//!
//! [`ProcessPoolExecutor::new`]`(n)` spawns `n` workers: fresh runs of this executable (through
//! [`init`](crate::init), in the pool-worker role) that receive jobs — a registered task's name,
//! its arguments, a channel for the result — and run them one at a time.
//!
//! In the parent, one *dispatcher* thread hands queued tasks to idle workers and collects the
//! results; it sets each [`Future`]'s result at once, and passes its done-callbacks to one
//! *callback* thread, which runs them one at a time, in this process. That is how Python does
//! it — and why the notes point out that a process pool's callbacks run in the main process,
//! unlike a thread pool's, which run on the worker thread.
//!
//! A worker that dies — a crash, an abort, a `kill` — closes its channels; the dispatcher sees it,
//! and, as Python's `BrokenProcessPool`, fails every running and queued future with
//! [`PoolError::Broken`] naming the worker and how it died, stops the other workers, and refuses
//! new tasks. Nothing waits forever.
//!
//! Workers are stopped with an explicit message, as Python's pool sends each worker `None`: a
//! child forked from the pool's process holds copies of the workers' job channels, so waiting
//! for those channels to close would wait for that child too.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::{fmt, io};

use ipc_channel::ipc::{
    self, IpcMessage, IpcReceiver, IpcReceiverSet, IpcSelectionResult, IpcSender,
    OpaqueIpcReceiver, OpaqueIpcSender,
};
use serde::{Deserialize, Serialize};

use crate::error::{Context, Error, Result};
use crate::launch::{self, Spawned, describe_exit};
use crate::protocol::Role;
use crate::state::{ChildRecord, Identity, state};
use crate::target::{self, Job, Reply, Target, Wire};

/// Why a future has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// A worker process died: every running and queued task failed with it, and the pool takes
    /// no more (Python's `BrokenProcessPool`).
    Broken(String),
    /// The task panicked in its worker (Python re-raises the task's exception); the message.
    Panicked(String),
    /// `submit` after `shutdown`.
    Shutdown,
    /// The task could not be handed over or its result not read.
    Channel(String),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Broken(why) => write!(f, "BrokenProcessPool: {why}"),
            PoolError::Panicked(message) => write!(f, "the task panicked: {message}"),
            PoolError::Shutdown => write!(f, "cannot submit a task after shutdown"),
            PoolError::Channel(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for PoolError {}

/// What a worker receives from its pool.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToWorker {
    /// Run a registered task: its name, where its arguments come from, where its result goes.
    Job {
        task: String,
        args: OpaqueIpcReceiver,
        reply: OpaqueIpcSender,
    },
    /// Finish: the pool is shutting down.
    Stop,
}

/// A worker's loop: run each job it receives until the pool says stop — or, if the pool's
/// process is gone, until the channel closes.
pub(crate) fn work(jobs: IpcReceiver<ToWorker>) -> Result<()> {
    loop {
        let (task, args, reply) = match jobs.recv() {
            Ok(ToWorker::Job { task, args, reply }) => (task, args, reply),
            Ok(ToWorker::Stop) | Err(_) => return Ok(()),
        };
        let entry = target::find(&task).ok_or_else(|| {
            Error::channel(
                "finding the task",
                format!("`{task}` is not registered in this executable"),
            )
        })?;
        (entry.run)(Job::Task { args, reply }).map_err(|e| Error::channel("running a task", e))?;
    }
}

/// The result of a submitted task, to come (`concurrent.futures.Future`).
pub struct Future<R> {
    inner: Arc<FutureInner<R>>,
}

type Callback<R> = Box<dyn FnOnce(&Future<R>) + Send>;

struct FutureInner<R> {
    slot: Mutex<Slot<R>>,
    done: Condvar,
}

struct Slot<R> {
    result: Option<Result<R, PoolError>>,
    callbacks: Vec<Callback<R>>,
}

impl<R> Clone for Future<R> {
    fn clone(&self) -> Self {
        Future {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<R> fmt::Debug for Future<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.done() { "finished" } else { "pending" };
        write!(f, "<Future state={state}>")
    }
}

impl<R> Future<R> {
    fn new() -> Self {
        Future {
            inner: Arc::new(FutureInner {
                slot: Mutex::new(Slot {
                    result: None,
                    callbacks: Vec::new(),
                }),
                done: Condvar::new(),
            }),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot<R>> {
        self.inner
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The task has finished, one way or the other (`future.done()`).
    pub fn done(&self) -> bool {
        self.slot().result.is_some()
    }

    /// Runs `callback(&future)` once the task has finished (`future.add_done_callback(fn)`): on
    /// the pool's callback thread in this process, one callback at a time — or at once, here, if
    /// the task has already finished.
    ///
    /// A callback that panics is reported (by the panic hook, on stderr) and goes no further,
    /// wherever it runs: the next callbacks run, and the caller goes on — as Python logs an
    /// exception raised in a callback.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<R>) + Send + 'static) {
        let mut slot = self.slot();
        if slot.result.is_some() {
            drop(slot);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| callback(self)));
        } else {
            slot.callbacks.push(Box::new(callback));
        }
    }

    /// Sets the result; returns the callbacks to run.
    fn complete(&self, result: Result<R, PoolError>) -> Vec<Box<dyn FnOnce() + Send>>
    where
        R: Send + 'static,
    {
        let callbacks = {
            let mut slot = self.slot();
            if slot.result.is_some() {
                return Vec::new();
            }
            slot.result = Some(result);
            std::mem::take(&mut slot.callbacks)
        };
        self.inner.done.notify_all();
        callbacks
            .into_iter()
            .map(|callback| {
                let future = self.clone();
                Box::new(move || callback(&future)) as Box<dyn FnOnce() + Send>
            })
            .collect()
    }
}

impl<R: Clone> Future<R> {
    /// Waits for the task and returns its value (`future.result()`).
    pub fn result(&self) -> Result<R, PoolError> {
        let mut slot = self.slot();
        loop {
            if let Some(result) = &slot.result {
                return result.clone();
            }
            slot = self
                .inner
                .done
                .wait(slot)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A task waiting for a worker, with its types erased.
trait Queued: Send {
    /// Hands the task to a worker; returns where its result will arrive, and what to do with it.
    /// If it cannot, the task's future fails with the error, whose callbacks come back to run.
    fn dispatch(self: Box<Self>, worker: &IpcSender<ToWorker>) -> Result<Running, Failed>;
    /// Fails the task without running it; returns its callbacks.
    fn fail(self: Box<Self>, error: PoolError) -> Vec<Box<dyn FnOnce() + Send>>;
}

/// A task that could not be handed to a worker: why, and its future's callbacks.
struct Failed {
    error: PoolError,
    callbacks: Vec<Box<dyn FnOnce() + Send>>,
}

/// A dispatched task: the receiver of its result, and what to do with the result.
struct Running {
    result: OpaqueIpcReceiver,
    complete: Completion,
}

/// Sets a future's result from the message that carried it; returns the callbacks to run.
type Completion =
    Box<dyn FnOnce(Result<IpcMessage, PoolError>) -> Vec<Box<dyn FnOnce() + Send>> + Send>;

struct Task<Args, R> {
    name: &'static str,
    args: Args,
    future: Future<R>,
}

impl<Args: Wire, R: Wire> Queued for Task<Args, R> {
    fn dispatch(self: Box<Self>, worker: &IpcSender<ToWorker>) -> Result<Running, Failed> {
        let Task { name, args, future } = *self;
        let handed = || -> Result<IpcReceiver<Reply<R>>, String> {
            // Channels are made only now, so that queued tasks hold no file descriptors.
            let (args_tx, args_rx) = ipc::channel::<Args>().map_err(|e| e.to_string())?;
            let (reply_tx, reply_rx) = ipc::channel::<Reply<R>>().map_err(|e| e.to_string())?;
            worker
                .send(ToWorker::Job {
                    task: name.to_string(),
                    args: args_rx.to_opaque(),
                    reply: reply_tx.to_opaque(),
                })
                .map_err(|e| e.to_string())?;
            args_tx.send(args).map_err(|e| e.to_string())?;
            Ok(reply_rx)
        };
        let reply_rx = match handed() {
            Ok(reply_rx) => reply_rx,
            Err(e) => {
                let error = PoolError::Channel(format!("handing a task to a worker: {e}"));
                let callbacks = future.complete(Err(error.clone()));
                return Err(Failed { error, callbacks });
            }
        };
        Ok(Running {
            result: reply_rx.to_opaque(),
            complete: Box::new(move |message| {
                let result = message.and_then(|message| {
                    crate::protocol::decode::<Reply<R>>(message)
                        .map_err(|e| PoolError::Channel(format!("reading a task's result: {e}")))?
                        .map_err(PoolError::Panicked)
                });
                future.complete(result)
            }),
        })
    }

    fn fail(self: Box<Self>, error: PoolError) -> Vec<Box<dyn FnOnce() + Send>> {
        self.future.complete(Err(error))
    }
}

/// What the pool's handle and its dispatcher share.
struct Queue {
    tasks: VecDeque<Box<dyn Queued>>,
    shutdown: bool,
    broken: Option<String>,
}

struct Shared {
    queue: Mutex<Queue>,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pool of worker processes (`concurrent.futures.ProcessPoolExecutor`).
pub struct ProcessPoolExecutor {
    shared: Arc<Shared>,
    wake: IpcSender<()>,
    pids: Vec<u32>,
    dispatcher: Option<JoinHandle<()>>,
    callbacks: Option<JoinHandle<()>>,
}

impl fmt::Debug for ProcessPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<ProcessPoolExecutor workers={:?}>", self.pids)
    }
}

/// A worker, as the dispatcher tracks it.
struct Worker {
    record: Arc<ChildRecord>,
    jobs: Option<IpcSender<ToWorker>>,
    busy: bool,
}

/// The pool's workers, stopped and reaped when dropped — on every path: the end of the
/// dispatcher, and a [`ProcessPoolExecutor::new`] that fails half-way.
struct Workers(Vec<Worker>);

impl Drop for Workers {
    fn drop(&mut self) {
        stop_workers(&mut self.0);
    }
}

impl ProcessPoolExecutor {
    /// Starts `max_workers` worker processes (spawned) and the threads that feed them. Zero
    /// workers is an error, as Python's `ValueError`.
    pub fn new(max_workers: usize) -> Result<Self> {
        if !state().initialized {
            return Err(Error::NotInitialized);
        }
        if max_workers == 0 {
            return Err(Error::Value("max_workers must be greater than 0"));
        }
        let mut set = IpcReceiverSet::new().context(|| "creating a receiver set".to_string())?;
        // From here on, every `?` drops `workers`, which stops and reaps those started so far.
        let mut workers = Workers(Vec::new());
        let mut sentinels = HashMap::new();
        for n in 1..=max_workers {
            let identity = Identity {
                name: format!("SpawnProcess-{n}"),
                class: "SpawnProcess",
            };
            let Spawned {
                record,
                sentinel,
                channel,
            } = launch::spawn_child::<()>(identity, Role::PoolWorker, None)?;
            workers.0.push(Worker {
                record,
                jobs: Some(channel.to_opaque().to()),
                busy: false,
            });
            let id = set
                .add(sentinel)
                .context(|| "watching a worker".to_string())?;
            sentinels.insert(id, workers.0.len() - 1);
        }
        let pids = workers
            .0
            .iter()
            .map(|w| w.record.pid.as_raw().unsigned_abs())
            .collect();
        let (wake, woken) = ipc::channel::<()>().context(|| "creating a channel".to_string())?;
        set.add(woken)
            .context(|| "watching a channel".to_string())?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                shutdown: false,
                broken: None,
            }),
        });
        let (to_callbacks, callback_jobs) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let callbacks = thread::Builder::new()
            .name("pool-callbacks".into())
            .spawn(move || {
                for callback in callback_jobs {
                    // A panicking callback is reported (by the panic hook) and the next runs,
                    // as Python logs an exception raised in a callback and goes on.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback));
                }
            })
            .context(|| "starting the callback thread".to_string())?;
        let dispatcher = Dispatcher {
            shared: Arc::clone(&shared),
            set,
            workers,
            sentinels,
            running: HashMap::new(),
            callbacks: to_callbacks,
        };
        // Should the thread fail to start, the closure is dropped, and with it the workers.
        let dispatcher = thread::Builder::new()
            .name("pool-dispatcher".into())
            .spawn(move || dispatcher.run())
            .context(|| "starting the dispatcher thread".to_string())?;
        Ok(ProcessPoolExecutor {
            shared,
            wake,
            pids,
            dispatcher: Some(dispatcher),
            callbacks: Some(callbacks),
        })
    }

    /// The workers' pids.
    pub fn worker_pids(&self) -> &[u32] {
        &self.pids
    }

    /// Queues `task(*args)` for a worker and returns its [`Future`] (`pool.submit(fn, *args)`).
    pub fn submit<Args: Wire, R: Wire>(
        &self,
        task: Target<Args, R>,
        args: Args,
    ) -> Result<Future<R>, PoolError> {
        let future = Future::new();
        {
            let mut queue = self.shared.queue();
            if let Some(why) = &queue.broken {
                return Err(PoolError::Broken(why.clone()));
            }
            if queue.shutdown {
                return Err(PoolError::Shutdown);
            }
            queue.tasks.push_back(Box::new(Task {
                name: task.name(),
                args,
                future: future.clone(),
            }));
        }
        // The dispatcher may have ended (a broken pool); the queued task is failed then.
        if self.wake.send(()).is_err() {
            self.fail_queued();
        }
        Ok(future)
    }

    /// Stops taking tasks (`pool.shutdown(wait)`). With `wait`, returns once every queued task
    /// has run, its callbacks too, and the workers have exited; without, returns at once.
    pub fn shutdown(&mut self, wait: bool) {
        self.shared.queue().shutdown = true;
        let _ = self.wake.send(());
        if wait {
            if let Some(dispatcher) = self.dispatcher.take() {
                let _ = dispatcher.join();
            }
            if let Some(callbacks) = self.callbacks.take() {
                let _ = callbacks.join();
            }
        }
    }

    fn fail_queued(&self) {
        let mut queue = self.shared.queue();
        let why = queue
            .broken
            .clone()
            .unwrap_or_else(|| "the pool's dispatcher has stopped".to_string());
        for task in queue.tasks.drain(..) {
            for callback in task.fail(PoolError::Broken(why.clone())) {
                callback();
            }
        }
    }
}

impl Drop for ProcessPoolExecutor {
    /// The end of a `with ProcessPoolExecutor() as pool:` block: `shutdown(wait=True)`.
    fn drop(&mut self) {
        self.shutdown(true);
    }
}

struct Dispatcher {
    shared: Arc<Shared>,
    set: IpcReceiverSet,
    workers: Workers,
    /// sentinel id → worker
    sentinels: HashMap<u64, usize>,
    /// result id → (worker, completion)
    running: HashMap<u64, (usize, Completion)>,
    callbacks: mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl Dispatcher {
    fn run(mut self) {
        if let Err(why) = self.serve() {
            self.break_pool(why);
        }
        stop_workers(&mut self.workers.0);
    }

    /// Dispatches and collects until shut down; `Err` with the reason when the pool breaks.
    fn serve(&mut self) -> Result<(), String> {
        loop {
            self.dispatch()?;
            {
                let queue = self.shared.queue();
                if queue.shutdown && queue.tasks.is_empty() && self.running.is_empty() {
                    return Ok(());
                }
            }
            let events = self
                .set
                .select()
                .map_err(|e| format!("the pool's dispatcher cannot wait for events: {e}"))?;
            for event in events {
                match event {
                    IpcSelectionResult::MessageReceived(id, message) => {
                        if let Some((worker, complete)) = self.running.remove(&id) {
                            self.workers.0[worker].busy = false;
                            self.run_callbacks(complete(Ok(message)));
                        }
                    }
                    IpcSelectionResult::ChannelClosed(id) => {
                        if let Some(&worker) = self.sentinels.get(&id) {
                            return Err(self.died(worker));
                        }
                        if let Some((worker, _)) = self.running.get(&id) {
                            // Its result channel closed without a result: the worker is gone.
                            let worker = *worker;
                            return Err(self.died(worker));
                        }
                        // A wake channel or an answered task's channel closing: nothing to do.
                    }
                }
            }
        }
    }

    /// Gives queued tasks to idle workers.
    fn dispatch(&mut self) -> Result<(), String> {
        while let Some(worker) = self
            .workers
            .0
            .iter()
            .position(|w| !w.busy && w.jobs.is_some())
        {
            let Some(task) = self.shared.queue().tasks.pop_front() else {
                return Ok(());
            };
            let Some(jobs) = &self.workers.0[worker].jobs else {
                return Ok(());
            };
            let watched = task.dispatch(jobs).and_then(|running| {
                // The worker has the task now: busy, so that a pool that breaks kills it
                // rather than waiting for a task whose result nobody will collect.
                self.workers.0[worker].busy = true;
                watch(running, |result| self.set.add_opaque(result))
            });
            match watched {
                Ok((id, complete)) => {
                    self.running.insert(id, (worker, complete));
                }
                Err(Failed { error, callbacks }) => {
                    self.run_callbacks(callbacks);
                    return Err(format!(
                        "{error} (worker {})",
                        self.workers.0[worker].record.pid
                    ));
                }
            }
        }
        Ok(())
    }

    /// Describes the death of `worker`, reaping it.
    fn died(&mut self, worker: usize) -> String {
        let record = Arc::clone(&self.workers.0[worker].record);
        // Its channels closed because it is exiting: reaping it takes no longer than that.
        let exit = record.wait();
        if matches!(exit, Ok(code) if code == -libc::SIGPIPE) && pace::output::stdout_is_closed() {
            // It printed into the pipe we share, whose reader is gone (`| head`): the program
            // ends as one that meets the closed pipe itself, not with a broken pool.
            pace::output::end_as_by_sigpipe();
        }
        let how = exit.map_or_else(|e| e.to_string(), describe_exit);
        self.workers.0[worker].jobs = None;
        format!(
            "a process in the process pool was terminated abruptly while the future was running \
             or pending: worker {} died ({how})",
            record.pid
        )
    }

    /// Fails every running and queued task with `why`, and refuses new ones.
    fn break_pool(&mut self, why: String) {
        let queued: Vec<Box<dyn Queued>> = {
            let mut queue = self.shared.queue();
            queue.broken = Some(why.clone());
            queue.tasks.drain(..).collect()
        };
        let running: Vec<Completion> = self.running.drain().map(|(_, (_, c))| c).collect();
        for complete in running {
            self.run_callbacks(complete(Err(PoolError::Broken(why.clone()))));
        }
        for task in queued {
            self.run_callbacks(task.fail(PoolError::Broken(why.clone())));
        }
    }

    fn run_callbacks(&self, callbacks: Vec<Box<dyn FnOnce() + Send>>) {
        for callback in callbacks {
            // The callback thread outlives the dispatcher; if it is gone, so is the program.
            let _ = self.callbacks.send(callback);
        }
    }
}

/// Starts watching a dispatched task's result channel with `add`. Should that fail, the task's
/// future fails at once — it is in no list the dispatcher fails when the pool breaks, so nothing
/// else would ever complete it, and `result()` would wait forever — and its callbacks come back
/// to be run.
fn watch(
    running: Running,
    add: impl FnOnce(OpaqueIpcReceiver) -> io::Result<u64>,
) -> Result<(u64, Completion), Failed> {
    let Running { result, complete } = running;
    match add(result) {
        Ok(id) => Ok((id, complete)),
        Err(e) => {
            let error = PoolError::Channel(format!("watching a task's result: {e}"));
            let callbacks = complete(Err(error.clone()));
            Err(Failed { error, callbacks })
        }
    }
}

/// Stops the workers: tells each idle one to finish, kills each busy one — it runs a task
/// whose result nobody will collect (the pool broke) — and reaps them all. Doing it again does
/// nothing more.
fn stop_workers(workers: &mut [Worker]) {
    for worker in workers.iter_mut() {
        if let Some(jobs) = worker.jobs.take()
            && !worker.busy
        {
            // Not closing the channel: a child forked from this process may hold a copy of it.
            // A worker that is gone cannot receive this; it is reaped below all the same.
            let _ = jobs.send(ToWorker::Stop);
        }
    }
    for worker in workers.iter() {
        // A worker that died was reaped already (see `died`): `kill` leaves its pid alone.
        if worker.busy
            && let Err(e) = worker.record.kill()
        {
            eprintln!("killing pool worker {}: {e}", worker.record.pid);
        }
        if let Err(e) = worker.record.wait() {
            eprintln!("reaping pool worker {}: {e}", worker.record.pid);
        }
    }
}

impl From<io::Error> for PoolError {
    fn from(e: io::Error) -> Self {
        PoolError::Channel(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::within_10_s;

    #[test]
    fn a_future_prints_whether_it_has_finished() {
        let future = Future::<u32>::new();
        assert_eq!(format!("{future:?}"), "<Future state=pending>");
        for callback in future.complete(Ok(1)) {
            callback();
        }
        assert_eq!(format!("{future:?}"), "<Future state=finished>");
    }

    #[test]
    fn a_completed_future_gives_its_result_and_runs_its_callbacks_once() {
        within_10_s(|| {
            let future = Future::<u32>::new();
            let (called, was_called) = mpsc::channel();
            future.add_done_callback(move |f| {
                let _ = called.send(f.result());
            });
            for callback in future.complete(Ok(7)) {
                callback();
            }
            // A second result is refused: the first stands, and no callback runs again.
            assert!(future.complete(Err(PoolError::Shutdown)).is_empty());
            assert_eq!(future.result(), Ok(7));
            assert_eq!(was_called.try_recv(), Ok(Ok(7)));
            assert!(was_called.try_recv().is_err(), "the callback ran once");
        });
    }

    #[test]
    fn a_task_whose_result_cannot_be_watched_fails_its_future_and_runs_its_callbacks() {
        within_10_s(|| {
            let future = Future::<u32>::new();
            let (called, was_called) = mpsc::channel();
            future.add_done_callback(move |f| {
                let _ = called.send(f.done());
            });
            let task: Box<dyn Queued> = Box::new(Task {
                name: "a task",
                args: (1_u32,),
                future: future.clone(),
            });
            // A worker's job channel; no worker process is needed to hand the task over.
            let (worker, _jobs) = ipc::channel::<ToWorker>().expect("a channel");
            let Ok(running) = task.dispatch(&worker) else {
                panic!("the task is handed over");
            };
            let Err(Failed { error, callbacks }) =
                watch(running, |_| Err(io::Error::other("no more watches")))
            else {
                panic!("the watch fails");
            };
            assert!(error.to_string().contains("no more watches"), "{error}");
            for callback in callbacks {
                callback();
            }
            // Would wait forever if the future had been left incomplete.
            let result = future.result();
            assert!(
                matches!(&result, Err(PoolError::Channel(why)) if why.contains("no more watches")),
                "{result:?}"
            );
            assert_eq!(was_called.try_recv(), Ok(true), "its callback ran");
        });
    }
}
