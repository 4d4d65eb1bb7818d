//! Targets: the functions a process or a pool worker runs, found by name in a fresh process.
//!
//! A forked child is a copy of the parent and can call the target directly. A *spawned* child is
//! a new run of the same executable: it has none of the parent's memory, so it needs the target's
//! name and looks the function up. [`target!`](crate::target) gives a function that name and
//! registers it (with [`inventory`], before `main` runs), so that every process of the program
//! knows every target — what pickling a function by its qualified name does for Python.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ipc_channel::ipc::{OpaqueIpcReceiver, OpaqueIpcSender};
use serde::{Deserialize, Serialize};

/// What can travel between processes: serializable both ways, as `pickle` requires in Python.
pub trait Wire: Serialize + for<'de> Deserialize<'de> + Send + 'static {}

impl<T: Serialize + for<'de> Deserialize<'de> + Send + 'static> Wire for T {}

/// A function called with a tuple of arguments, like `Process(target=f, args=(a, b))`:
/// implemented for every `fn` of zero to four arguments.
pub trait Callable<Args, R>: Copy + Send + 'static {
    /// Calls the function with the tuple's elements as arguments.
    fn call(self, args: Args) -> R;
}

macro_rules! callable {
    ($($arg:ident),*) => {
        impl<F, R, $($arg,)*> Callable<($($arg,)*), R> for F
        where
            F: Fn($($arg),*) -> R + Copy + Send + 'static,
        {
            #[allow(non_snake_case)]
            fn call(self, ($($arg,)*): ($($arg,)*)) -> R {
                self($($arg),*)
            }
        }
    };
}

callable!();
callable!(T1);
callable!(T1, T2);
callable!(T1, T2, T3);
callable!(T1, T2, T3, T4);

/// A registered function: its name, and the function itself. Made by [`target!`](crate::target).
#[derive(Debug)]
pub struct Target<Args, R = ()> {
    name: &'static str,
    f: fn(Args) -> R,
}

impl<Args, R> Clone for Target<Args, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Args, R> Copy for Target<Args, R> {}

impl<Args, R> Target<Args, R> {
    #[doc(hidden)]
    pub const fn new(name: &'static str, f: fn(Args) -> R) -> Self {
        Target { name, f }
    }

    /// The name it is registered under (`crate::module::function`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Calls it here, in this process.
    pub fn call(&self, args: Args) -> R {
        (self.f)(args)
    }
}

/// A registered function, with its types erased: how a spawned process runs it.
#[doc(hidden)]
#[derive(Debug)]
pub struct Entry {
    pub name: &'static str,
    pub run: fn(Job) -> Result<(), String>,
}

inventory::collect!(Entry);

/// What a registered function is asked to do in a spawned process.
#[doc(hidden)]
#[derive(Debug)]
pub enum Job {
    /// Run as a `Process` target: receive the arguments, call, ignore the result.
    Process { args: OpaqueIpcReceiver },
    /// Run as a pool task: receive the arguments, call, send back the result (or the panic).
    Task {
        args: OpaqueIpcReceiver,
        reply: OpaqueIpcSender,
    },
}

/// The result a pool task sends back: its value, or the message of its panic.
pub(crate) type Reply<R> = Result<R, String>;

#[doc(hidden)]
pub fn run_entry<F, Args, R>(job: Job, f: F) -> Result<(), String>
where
    F: Callable<Args, R>,
    Args: Wire,
    R: Wire,
{
    match job {
        Job::Process { args } => {
            let args = args
                .to::<Args>()
                .recv()
                .map_err(|e| format!("receiving the target's arguments: {e}"))?;
            f.call(args);
            Ok(())
        }
        Job::Task { args, reply } => {
            let args = args
                .to::<Args>()
                .recv()
                .map_err(|e| format!("receiving the task's arguments: {e}"))?;
            let result = catch_unwind(AssertUnwindSafe(|| f.call(args))).map_err(panic_message);
            reply
                .to::<Reply<R>>()
                .send(result)
                .map_err(|e| format!("sending the task's result: {e}"))
        }
    }
}

/// The registered function called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Entry> {
    inventory::iter::<Entry>
        .into_iter()
        .find(|entry| entry.name == name)
}

/// The message a panic carried.
pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}
