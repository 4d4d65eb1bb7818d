//! A lock that knows its name and who holds it, and gives up waiting after a timeout — so that a
//! deadlock (§6 死锁) can be seen and reported while it happens, and the program still ends.
//!
//! Python's `lock.acquire()` in a deadlock waits forever; so does `Mutex::lock`. A waiter that
//! instead stops after a while ([`NamedLock::lock_within`], built on `parking_lot`'s
//! `try_lock_for`) learns *that* it is stuck, and, because the lock records the name of the
//! thread holding it, *on whom*: [`Blocked`] says "thread 1 waited 1 s for lock B, held by
//! thread 2". That is what a deadlock detector reports, without parking_lot's
//! `deadlock_detection` feature (which would slow down every parking_lot lock of the workspace).
//!
//! The lock is not reentrant: a thread that holds it and asks again waits for itself.
//!
//! ```
//! use std::time::Duration;
//! use examples_threads::named_lock::NamedLock;
//!
//! let a = NamedLock::new("锁A");
//! let held = a.lock();
//! let blocked = a.lock_within(Duration::from_millis(10)).unwrap_err();
//! assert_eq!(blocked.lock, "锁A");
//! assert_eq!(blocked.holder, std::thread::current().name().map(String::from));
//! drop(held);
//! assert!(a.lock_within(Duration::from_millis(10)).is_ok());
//! ```

use std::fmt;
use std::sync::PoisonError;
use std::thread;
use std::time::Duration;

/// A non-reentrant lock with a name, which records the name of the thread holding it.
#[derive(Debug)]
pub struct NamedLock {
    name: &'static str,
    lock: parking_lot::Mutex<()>,
    /// The name of the holding thread, set right after locking and cleared right before
    /// unlocking; only ever read for reports.
    holder: std::sync::Mutex<Option<String>>,
}

/// Holding a [`NamedLock`]; dropping it unlocks.
#[derive(Debug)]
pub struct NamedGuard<'a> {
    owner: &'a NamedLock,
    _guard: parking_lot::MutexGuard<'a, ()>,
}

/// A timed wait for a lock that ended without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The lock waited for.
    pub lock: &'static str,
    /// The thread that held it when the wait gave up (`None`: unnamed, or released just then).
    pub holder: Option<String>,
    /// The thread that waited.
    pub waiter: Option<String>,
    /// How long it waited.
    pub waited: Duration,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |n: &Option<String>| n.clone().unwrap_or_else(|| "(无名线程)".into());
        write!(
            f,
            "{} 等了 {:.2} 秒仍拿不到 {}，它在 {} 手上",
            name(&self.waiter),
            self.waited.as_secs_f64(),
            self.lock,
            name(&self.holder)
        )
    }
}

impl std::error::Error for Blocked {}

impl NamedLock {
    /// An unlocked lock called `name`.
    pub const fn new(name: &'static str) -> Self {
        NamedLock {
            name,
            lock: parking_lot::Mutex::new(()),
            holder: std::sync::Mutex::new(None),
        }
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The name of the thread holding it now, if any.
    pub fn holder(&self) -> Option<String> {
        self.holder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits as long as it takes: Python's `lock.acquire()`. Only for code that cannot deadlock.
    pub fn lock(&self) -> NamedGuard<'_> {
        let guard = self.lock.lock();
        self.held(guard)
    }

    /// Waits at most `timeout`; if the lock is still taken then, says by whom.
    pub fn lock_within(&self, timeout: Duration) -> Result<NamedGuard<'_>, Blocked> {
        match self.lock.try_lock_for(timeout) {
            Some(guard) => Ok(self.held(guard)),
            None => Err(Blocked {
                lock: self.name,
                holder: self.holder(),
                waiter: thread::current().name().map(String::from),
                waited: timeout,
            }),
        }
    }

    fn held<'a>(&'a self, guard: parking_lot::MutexGuard<'a, ()>) -> NamedGuard<'a> {
        *self.holder.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(thread::current().name().unwrap_or("(无名线程)").to_string());
        NamedGuard {
            owner: self,
            _guard: guard,
        }
    }
}

impl Drop for NamedGuard<'_> {
    fn drop(&mut self) {
        // Runs before the fields drop: the holder is cleared while the lock is still held.
        *self
            .owner
            .holder
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    const SHORT: Duration = Duration::from_millis(20);

    #[test]
    fn records_the_holder_while_held() {
        let lock = NamedLock::new("L");
        assert_eq!(lock.holder(), None);
        thread::scope(|s| {
            thread::Builder::new()
                .name("holder".into())
                .spawn_scoped(s, || {
                    let _held = lock.lock();
                    assert_eq!(lock.holder().as_deref(), Some("holder"));
                })
                .expect("spawn");
        });
        assert_eq!(lock.holder(), None);
    }

    #[test]
    fn a_second_thread_is_told_who_holds_it() {
        let lock = NamedLock::new("L");
        let both = Barrier::new(2);
        thread::scope(|s| {
            thread::Builder::new()
                .name("first".into())
                .spawn_scoped(s, || {
                    let _held = lock.lock();
                    both.wait(); // the other tries now
                    both.wait(); // … and has given up
                })
                .expect("spawn");
            thread::Builder::new()
                .name("second".into())
                .spawn_scoped(s, || {
                    both.wait();
                    let blocked = lock.lock_within(SHORT).expect_err("the lock is held");
                    both.wait();
                    assert_eq!(
                        blocked,
                        Blocked {
                            lock: "L",
                            holder: Some("first".into()),
                            waiter: Some("second".into()),
                            waited: SHORT,
                        }
                    );
                    assert!(blocked.to_string().contains("first 手上"), "{blocked}");
                })
                .expect("spawn");
        });
        assert!(lock.lock_within(SHORT).is_ok(), "released after the scope");
    }
}
