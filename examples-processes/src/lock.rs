//! A lock between processes: `multiprocessing.Lock`, on `flock(2)`.
//!
//! The lock is a file; acquiring it is taking an exclusive `flock` on a fresh open of that file
//! (std's `File::lock`). The kernel keeps the lock for the open file, so every acquisition — by
//! another process, or another thread of this one — waits its turn; and it drops the lock when
//! the file is closed, which happens when its holder exits *or dies*. A process killed while
//! holding the lock cannot leave it held forever — the failure a lock in shared memory has.
//!
//! A [`Lock`] travels to spawned children as the path of its file (it is serializable); a forked
//! child has it already. A clone is one more handle to the same lock, for handing one lock to
//! several processes. The process that created it removes the file when it drops the original
//! — and, should it be killed first, its resource tracker does ([`pace::cleanup`]).
//!
//! So the file exists as long as the original: a child that opens the lock after the creator
//! has dropped it (the end of `main`, before the children were joined) finds no file, and its
//! `acquire` fails — which is why §9.4's parent joins its children.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Context, Result};

/// A lock shared by processes (`multiprocessing.Lock()`).
#[derive(Debug, Serialize)]
pub struct Lock {
    path: PathBuf,
    /// Only the creator removes the file; a copy in another process does not.
    #[serde(skip)]
    owner: Option<u32>,
    /// The tracker's registration of the file, withdrawn after the creator removes it.
    #[serde(skip)]
    _tracked: pace::cleanup::Registration,
}

/// The prefix of every lock file's name.
const PREFIX: &str = "examples-lock-";

/// A lock from another process: its path is checked — an absolute path to a file named as this
/// module names lock files — so that a crafted message cannot make `acquire` open any file.
impl<'de> Deserialize<'de> for Lock {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            path: PathBuf,
        }
        let Wire { path } = Wire::deserialize(deserializer)?;
        let named = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with(PREFIX));
        if !path.is_absolute() || !named {
            return Err(serde::de::Error::custom(format!(
                "{} is not a lock file of this library",
                path.display()
            )));
        }
        Ok(Lock {
            path,
            owner: None,
            _tracked: pace::cleanup::Registration::none(),
        })
    }
}

/// Holds the lock until dropped (the end of a `with lock:` block).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl Lock {
    /// A new lock: a fresh file in the temporary directory.
    pub fn new() -> Result<Self> {
        let (path, tracked) = pace::cleanup::temp_file(PREFIX)
            .map_err(|e| crate::Error::io("creating a lock file", e))?;
        Ok(Lock {
            path,
            owner: Some(std::process::id()),
            _tracked: tracked,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits until the lock is free and takes it (`lock.acquire()`).
    pub fn acquire(&self) -> Result<LockGuard> {
        let file = OpenOptions::new()
            .read(true)
            .open(&self.path)
            .context(|| format!("opening the lock file {}", self.path.display()))?;
        file.lock()
            .context(|| format!("locking {}", self.path.display()))?;
        Ok(LockGuard { file })
    }
}

/// Another handle to the same lock, as when Python hands one lock to several processes: each
/// `Process::new(target, (lock.clone(),))` gets its own. Only the original removes the lock file
/// when dropped, so keep it until the processes are done with the lock.
impl Clone for Lock {
    fn clone(&self) -> Self {
        Lock {
            path: self.path.clone(),
            owner: None,
            _tracked: pace::cleanup::Registration::none(),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Closing the file would not release the lock while a copy of its descriptor lives on
        // (in a child forked while the lock was held); unlocking releases it for every copy.
        let _ = self.file.unlock();
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.owner == Some(std::process::id()) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_is_the_same_lock_and_only_the_original_removes_the_file() {
        let lock = Lock::new().expect("a lock");
        let clone = lock.clone();
        assert_eq!(clone.path(), lock.path());
        let held = clone.acquire().expect("the clone takes the lock");
        let other = File::open(lock.path()).expect("open the lock file");
        assert!(
            other.try_lock().is_err(),
            "the lock is held through the clone"
        );
        drop(held);
        assert!(other.try_lock().is_ok(), "released with the clone's guard");
        other.unlock().expect("unlock");
        drop(clone);
        assert!(lock.path().exists(), "dropping a clone keeps the file");
        let path = lock.path().to_path_buf();
        drop(lock);
        assert!(!path.exists(), "dropping the original removes it");
    }

    #[test]
    fn dropping_the_guard_releases_the_lock_even_where_its_descriptor_lives_on() {
        let lock = Lock::new().expect("a lock");
        let guard = lock.acquire().expect("take the lock");
        // What a child forked while the lock was held would have: a copy of the descriptor, on
        // the same open file — which keeps a lock the kernel drops only when the last copy closes.
        let copy = guard.file.try_clone().expect("dup the descriptor");
        drop(guard);
        let other = File::open(lock.path()).expect("open the lock file");
        assert!(
            other.try_lock().is_ok(),
            "the lock is still held after its guard was dropped"
        );
        drop(copy);
    }
}
