//! `multiprocessing.Value` and `multiprocessing.Array`: numbers and characters in shared memory.
//!
//! [`Value::new`] creates a POSIX shared memory segment (the `shared_memory` crate:
//! `shm_open` + `mmap`) named `/examples-ipc-<pid>-<n>` — it shows up as
//! `/dev/shm/examples-ipc-…` while it exists — and maps it. Children reach the same bytes:
//!
//! - a **forked** child has the mapping already: fork copies the parent's address space, and a
//!   `MAP_SHARED` mapping stays shared;
//! - a **spawned** (or fork-served) child receives the value serialized as its segment's name and
//!   opens the segment by that name.
//!
//! A clone (`num.clone()`) is another handle to the same memory, not a copy of the number: pass
//! clones to children as Python passes the object itself.
//!
//! # Who removes the segment
//!
//! The process that created the value owns the segment: when its last handle is dropped, the
//! segment is unmapped and unlinked (`shm_unlink`), so nothing stays in `/dev/shm`. Drops run on a
//! normal return, on an `Err` returned from `main` and while a panic unwinds — so the owner should
//! be the long-lived parent, holding the value in `main`. Another process only unmaps: the owner
//! is recorded by pid, and a handle checks it when dropped, so that a *forked* child — whose
//! memory holds a copy of the owner's very handle — can never unlink the parent's segment,
//! whether it drops that copy or leaves through `_exit` without dropping anything. A segment is
//! left behind only if the owner is killed (SIGKILL, or a signal it does not handle): remove
//! `/dev/shm/examples-ipc-<pid>-…` by hand then — except that the creator registers every
//! segment with its resource tracker ([`pace::cleanup`]), which removes it in that case too.
//!
//! # What a handle from another process may claim
//!
//! A handle that arrives from another process is untrusted bytes: its segment's name, type
//! code and length are checked before anything is mapped — the name must be one of ours, the
//! type the one expected, and `length × size` must neither overflow nor exceed the mapping — so
//! that a crafted handle is an error, never an access outside the mapping.
//!
//! # Reading and writing, and the value's lock
//!
//! Each element is read and written with one atomic load or store, so a read never sees half a
//! write, whichever process writes. A read-modify-write (Python's `v.value += 1`) or a consistent
//! look at several elements needs the value's own lock, [`Value::get_lock`] — as in Python, where
//! `.value` takes the lock for that one access but `+=` is two accesses.
//!
//! The lock is [`examples_processes::Lock`], a `flock` on a small file, not a lock inside the
//! shared memory: the kernel releases a `flock` when its holder dies, whereas a mutex in shared
//! memory whose holder is killed stays locked forever (and the crate that offers one, `raw_sync`,
//! has undefined behaviour in its setup). Unlike Python's (an `RLock`), this lock is not
//! re-entrant: acquiring it twice in one thread waits forever.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicU32, Ordering};

use examples_processes::Lock;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use shared_memory::{Shmem, ShmemConf, ShmemError};

use crate::error::{Context, Error, Result};

/// The prefix of every segment's name: `/dev/shm/examples-ipc-<pid>-<n>`.
pub const OS_ID_PREFIX: &str = "examples-ipc-";

/// A C type that can live in shared memory: Python's type codes. Implemented for `i32` (`'i'`),
/// [`CChar`] (`'c'`) and `char` (`'u'`, a `wchar_t`: four bytes on Linux).
pub trait CType: Copy + Send + Sync + 'static + sealed::Sealed {
    /// Python's type code.
    const TYPECODE: char;
    /// The ctypes name, for `Debug`: `c_int`.
    const CTYPE: &'static str;
    /// Its size in bytes (also its alignment).
    const SIZE: usize;

    /// Reads the element at `cell`.
    ///
    /// # Safety
    /// `cell` is aligned to [`Self::SIZE`], valid for reads and writes of `SIZE` bytes for the
    /// whole call, and every access to those bytes, in any process, is atomic (through this
    /// trait).
    unsafe fn load(cell: *mut u8) -> Self;

    /// Writes the element at `cell`.
    ///
    /// # Safety
    /// As for [`load`](Self::load).
    unsafe fn store(cell: *mut u8, value: Self);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i32 {}
    impl Sealed for super::CChar {}
    impl Sealed for char {}
}

/// Python's `ctypes.c_char`, type code `'c'`: one byte. Python reads it back as a one-byte
/// `bytes` object and prints it as such: `b'a'`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CChar(pub u8);

/// `b'a'`, `b'\x00'`, `b"'"` — Python's `repr` of a one-byte `bytes`.
impl fmt::Display for CChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b'\'' => f.write_str("b\"'\""),
            b'\\' => f.write_str("b'\\\\'"),
            b'\n' => f.write_str("b'\\n'"),
            b'\r' => f.write_str("b'\\r'"),
            b'\t' => f.write_str("b'\\t'"),
            byte @ 0x20..=0x7e => write!(f, "b'{}'", char::from(byte)),
            byte => write!(f, "b'\\x{byte:02x}'"),
        }
    }
}

impl CType for i32 {
    const TYPECODE: char = 'i';
    const CTYPE: &'static str = "c_int";
    const SIZE: usize = 4;

    unsafe fn load(cell: *mut u8) -> Self {
        // SAFETY: the caller guarantees alignment, validity and atomic-only access (see the
        // trait); `AtomicI32` has the size and alignment of `i32`.
        unsafe { AtomicI32::from_ptr(cell.cast()) }.load(Ordering::SeqCst)
    }

    unsafe fn store(cell: *mut u8, value: Self) {
        // SAFETY: as in `load`.
        unsafe { AtomicI32::from_ptr(cell.cast()) }.store(value, Ordering::SeqCst);
    }
}

impl CType for CChar {
    const TYPECODE: char = 'c';
    const CTYPE: &'static str = "c_char";
    const SIZE: usize = 1;

    unsafe fn load(cell: *mut u8) -> Self {
        // SAFETY: the caller guarantees validity and atomic-only access; a byte is always aligned.
        CChar(unsafe { AtomicU8::from_ptr(cell) }.load(Ordering::SeqCst))
    }

    unsafe fn store(cell: *mut u8, value: Self) {
        // SAFETY: as in `load`.
        unsafe { AtomicU8::from_ptr(cell) }.store(value.0, Ordering::SeqCst);
    }
}

impl CType for char {
    const TYPECODE: char = 'u';
    const CTYPE: &'static str = "c_wchar";
    const SIZE: usize = 4;

    unsafe fn load(cell: *mut u8) -> Self {
        // SAFETY: the caller guarantees alignment, validity and atomic-only access; `AtomicU32`
        // has the size and alignment of `u32`.
        let code = unsafe { AtomicU32::from_ptr(cell.cast()) }.load(Ordering::SeqCst);
        // Only `store` writes here, and it writes chars; zeroed memory is '\0'.
        char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    unsafe fn store(cell: *mut u8, value: Self) {
        // SAFETY: as in `load`.
        unsafe { AtomicU32::from_ptr(cell.cast()) }.store(u32::from(value), Ordering::SeqCst);
    }
}

/// A mapped segment, shared by every handle of one value in this process.
struct Segment {
    shmem: Shmem,
    /// The process that created the segment, the only one that unlinks it.
    creator: Option<u32>,
    /// The creator's registration with its resource tracker; withdrawn after the unlink (fields
    /// drop after `drop` and in order: `shmem` unlinks first).
    _tracked: pace::cleanup::Registration,
}

// SAFETY: `Shmem` is a file descriptor and the address of a `MAP_SHARED` mapping. Neither is
// tied to the thread that made them: the mapping stays valid, for every thread, until the
// `Shmem` is dropped, which happens once, with the last `Arc<Segment>`.
unsafe impl Send for Segment {}
// SAFETY: shared access goes through `&Segment` only to the mapping's address, and every read
// and write of the mapped bytes is atomic (`CType::load`/`store`), so threads may share it.
unsafe impl Sync for Segment {}

impl Drop for Segment {
    fn drop(&mut self) {
        // A forked child holds a copy of the creator's handle: it must only unmap.
        if self.shmem.is_owner() && self.creator != Some(std::process::id()) {
            self.shmem.set_owner(false);
        }
    }
}

/// Elements of type `T` in one segment: what [`Value`] and [`Array`] are made of.
struct Cells<T: CType> {
    segment: Arc<Segment>,
    lock: Arc<Lock>,
    len: usize,
    _type: PhantomData<T>,
}

impl<T: CType> Clone for Cells<T> {
    fn clone(&self) -> Self {
        Cells {
            segment: Arc::clone(&self.segment),
            lock: Arc::clone(&self.lock),
            len: self.len,
            _type: PhantomData,
        }
    }
}

impl<T: CType> Cells<T> {
    /// A new segment holding `initial`.
    fn create(initial: &[T]) -> Result<Self> {
        let size = byte_len::<T>(initial.len())
            .ok_or_else(|| {
                Error::Usage(format!("{} elements do not fit in memory", initial.len()))
            })?
            .max(1);
        let (shmem, tracked) = create_segment(size)?;
        let os_id = shmem.get_os_id().to_string();
        let cells = Cells {
            segment: Arc::new(Segment {
                shmem,
                creator: Some(std::process::id()),
                _tracked: tracked,
            }),
            lock: Arc::new(Lock::new()?),
            len: initial.len(),
            _type: PhantomData,
        };
        debug_assert!(cells.segment.shmem.len() >= size, "{os_id} is too small");
        for (i, value) in initial.iter().enumerate() {
            cells.set(i, *value);
        }
        Ok(cells)
    }

    /// Opens the segment `os_id` that another process created — checking first what the other
    /// process claims (see the module docs).
    fn open(os_id: &str, typecode: char, len: usize, lock: Lock) -> Result<Self> {
        let refuse = |detail: String| Error::SharedMemory {
            context: format!("opening shared memory {os_id:?}"),
            detail,
        };
        if !is_our_name(os_id) {
            return Err(refuse(format!(
                "not the name of a segment of this library (/{OS_ID_PREFIX}<pid>-<n>)"
            )));
        }
        if typecode != T::TYPECODE {
            return Err(Error::Usage(format!(
                "shared memory {os_id} holds type '{typecode}', not '{}'",
                T::TYPECODE
            )));
        }
        let wanted = byte_len::<T>(len)
            .ok_or_else(|| refuse(format!("{len} × '{typecode}' is more bytes than there are")))?;
        let shmem = ShmemConf::new()
            .os_id(os_id)
            .open()
            .context(|| format!("opening shared memory {os_id}"))?;
        if shmem.len() < wanted {
            return Err(refuse(format!(
                "it has {} bytes, not the {wanted} of {len} × '{typecode}'",
                shmem.len()
            )));
        }
        Ok(Cells {
            segment: Arc::new(Segment {
                shmem,
                creator: None,
                _tracked: pace::cleanup::Registration::none(),
            }),
            lock: Arc::new(lock),
            len,
            _type: PhantomData,
        })
    }

    fn cell(&self, index: usize) -> *mut u8 {
        assert!(
            index < self.len,
            "index {index} out of range for {} elements (IndexError)",
            self.len
        );
        // In bounds: index < len, and len × SIZE bytes, which did not overflow, fit in the
        // mapping (both checked when the cells were made, in `create` or `open`).
        self.segment.shmem.as_ptr().wrapping_add(index * T::SIZE)
    }

    fn get(&self, index: usize) -> T {
        let cell = self.cell(index);
        // SAFETY: `cell` is inside the mapping, which lives as long as `self.segment`; the
        // mapping is page-aligned and elements sit at multiples of their size, so `cell` is
        // aligned; every access to the segment, in every process, goes through `CType`'s atomics.
        unsafe { T::load(cell) }
    }

    fn set(&self, index: usize, value: T) {
        let cell = self.cell(index);
        // SAFETY: as in `get`.
        unsafe { T::store(cell, value) }
    }

    fn os_id(&self) -> &str {
        self.segment.shmem.get_os_id()
    }

    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireOut {
            os_id: self.os_id(),
            typecode: T::TYPECODE,
            len: self.len,
            lock: &self.lock,
        }
        .serialize(serializer)
    }

    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireIn::deserialize(deserializer)?;
        Cells::open(&wire.os_id, wire.typecode, wire.len, wire.lock).map_err(|e| {
            // ipc-channel's format (postcard) drops a custom error's message on the way up, so a
            // child would only learn "Serialization/Deserialization error": say why here.
            eprintln!("process {}: {e}", std::process::id());
            serde::de::Error::custom(e)
        })
    }
}

/// `len` elements of `T` in bytes, if that fits in a `usize`.
fn byte_len<T: CType>(len: usize) -> Option<usize> {
    len.checked_mul(T::SIZE)
}

/// `/examples-ipc-<pid>-<n>`: a name [`create_segment`] makes, nothing else.
fn is_our_name(os_id: &str) -> bool {
    let Some(rest) = os_id
        .strip_prefix('/')
        .and_then(|id| id.strip_prefix(OS_ID_PREFIX))
    else {
        return false;
    };
    let Some((pid, n)) = rest.split_once('-') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    digits(pid) && digits(n)
}

/// How a value travels to a spawned process: the name of its segment, not its bytes.
#[derive(Serialize)]
struct WireOut<'a> {
    os_id: &'a str,
    typecode: char,
    len: usize,
    lock: &'a Lock,
}

#[derive(Deserialize)]
struct WireIn {
    os_id: String,
    typecode: char,
    len: usize,
    lock: Lock,
}

/// Creates a segment of `size` bytes under a fresh `/examples-ipc-<pid>-<n>` name, registered
/// with the resource tracker before it exists (see [`pace::cleanup`]): no kill can fall between
/// its creation and its registration.
fn create_segment(size: usize) -> Result<(Shmem, pace::cleanup::Registration)> {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let pid = std::process::id();
    // A name can be taken by a segment that an earlier process with our pid left behind.
    for _ in 0..1000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let os_id = format!("/{OS_ID_PREFIX}{pid}-{n}");
        let tracked = pace::cleanup::register(pace::cleanup::Resource::SharedMemory(os_id.clone()));
        match ShmemConf::new().size(size).os_id(&os_id).create() {
            // Not ours: a leftover of an earlier process with our pid. Withdrawn, so that the
            // tracker leaves it alone.
            Err(ShmemError::MappingIdExists) => drop(tracked),
            created => {
                return created
                    .map(|shmem| (shmem, tracked))
                    .context(|| format!("creating shared memory {os_id}"));
            }
        }
    }
    Err(Error::SharedMemory {
        context: "creating shared memory".into(),
        detail: format!("1000 names /{OS_ID_PREFIX}{pid}-… are all taken"),
    })
}

/// One number or character in shared memory (`multiprocessing.Value(typecode, value)`).
///
/// ```no_run
/// # use examples_ipc::{CChar, Value};
/// # fn main() -> examples_ipc::Result<()> {
/// let num = Value::<i32>::new(666)?; // Value('i', 666)
/// let byte = Value::new(CChar::default())?; // Value('c'): b'\x00'
/// num.set_value(888);
/// {
///     let _guard = num.get_lock().acquire()?; // with num.get_lock():
///     num.set_value(num.value() + 1);
/// }
/// assert_eq!(num.value(), 889);
/// # Ok(()) }
/// ```
pub struct Value<T: CType> {
    cells: Cells<T>,
}

impl<T: CType> Value<T> {
    /// A new value in a new shared memory segment, owned by this process.
    pub fn new(initial: T) -> Result<Self> {
        Ok(Value {
            cells: Cells::create(&[initial])?,
        })
    }

    /// Reads it (`v.value`).
    pub fn value(&self) -> T {
        self.cells.get(0)
    }

    /// Writes it (`v.value = x`).
    pub fn set_value(&self, value: T) {
        self.cells.set(0, value);
    }

    /// Its lock (`v.get_lock()`), for a read-modify-write: see the [module docs](self).
    pub fn get_lock(&self) -> &Lock {
        &self.cells.lock
    }

    /// The segment's name, `/examples-ipc-<pid>-<n>`.
    pub fn os_id(&self) -> &str {
        self.cells.os_id()
    }

    /// Python's type code: `'i'`, `'c'`, `'u'`.
    pub fn typecode(&self) -> char {
        T::TYPECODE
    }
}

impl<T: CType> Clone for Value<T> {
    /// Another handle to the same shared memory.
    fn clone(&self) -> Self {
        Value {
            cells: self.cells.clone(),
        }
    }
}

/// `Value('i', 888)`.
impl<T: CType + fmt::Debug> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value('{}', {:?})", T::TYPECODE, self.value())
    }
}

impl<T: CType> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.cells.serialize(serializer)
    }
}

impl<'de, T: CType> Deserialize<'de> for Value<T> {
    /// Opens the segment by its name: how a spawned child reaches the value.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Value {
            cells: Cells::deserialize(deserializer)?,
        })
    }
}

/// A fixed number of elements in shared memory (`multiprocessing.Array(typecode, [...])`).
///
/// Indexing out of range panics, as a slice's does (Python raises `IndexError`).
pub struct Array<T: CType> {
    cells: Cells<T>,
}

impl<T: CType> Array<T> {
    /// A new array holding `initial`, in a new segment owned by this process.
    pub fn new(initial: &[T]) -> Result<Self> {
        Ok(Array {
            cells: Cells::create(initial)?,
        })
    }

    /// `len(arr)`.
    pub fn len(&self) -> usize {
        self.cells.len
    }

    /// `len(arr) == 0`.
    pub fn is_empty(&self) -> bool {
        self.cells.len == 0
    }

    /// `arr[index]`.
    ///
    /// # Panics
    /// If `index >= len` (Python's `IndexError`).
    pub fn get(&self, index: usize) -> T {
        self.cells.get(index)
    }

    /// `arr[index] = value`.
    ///
    /// # Panics
    /// If `index >= len` (Python's `IndexError`).
    pub fn set(&self, index: usize, value: T) {
        self.cells.set(index, value);
    }

    /// `arr[:]`: a copy of every element, read one by one. Hold [`get_lock`](Self::get_lock)
    /// for a snapshot no writer can change halfway.
    pub fn to_vec(&self) -> Vec<T> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }

    /// Its lock (`arr.get_lock()`): see the [module docs](self).
    pub fn get_lock(&self) -> &Lock {
        &self.cells.lock
    }

    /// The segment's name, `/examples-ipc-<pid>-<n>`.
    pub fn os_id(&self) -> &str {
        self.cells.os_id()
    }
}

impl<T: CType> Clone for Array<T> {
    /// Another handle to the same shared memory.
    fn clone(&self) -> Self {
        Array {
            cells: self.cells.clone(),
        }
    }
}

/// `Array('i', [666, 22, 33, 44])`.
impl<T: CType + fmt::Debug> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Array('{}', {:?})", T::TYPECODE, self.to_vec())
    }
}

impl<T: CType> Serialize for Array<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.cells.serialize(serializer)
    }
}

impl<'de, T: CType> Deserialize<'de> for Array<T> {
    /// Opens the segment by its name: how a spawned child reaches the array.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Array {
            cells: Cells::deserialize(deserializer)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipc_channel::ipc;
    use std::path::{Path, PathBuf};

    #[test]
    fn only_the_names_this_library_makes_are_ours() {
        let twenty = "9".repeat(20);
        for ours in [
            "/examples-ipc-123-0",
            &format!("/examples-ipc-{twenty}-{twenty}"),
        ] {
            assert!(is_our_name(ours), "{ours}");
        }
        let too_long = "9".repeat(21);
        for other in [
            "/etc/passwd",
            "examples-ipc-123-0",
            "/examples-ipc-123",
            "/examples-ipc--0",
            "/examples-ipc-123-",
            "/examples-ipc-12x-0",
            "/examples-ipc-123-0x",
            "/examples-ipc-123-0-1",
            &format!("/examples-ipc-{too_long}-0"),
            &format!("/examples-ipc-1-{too_long}"),
        ] {
            assert!(!is_our_name(other), "{other}");
        }
    }

    fn shm_path(os_id: &str) -> PathBuf {
        Path::new("/dev/shm").join(os_id.trim_start_matches('/'))
    }

    #[test]
    fn a_byte_prints_as_python_bytes() {
        assert_eq!(CChar(b'a').to_string(), "b'a'");
        assert_eq!(CChar(0).to_string(), "b'\\x00'");
        assert_eq!(CChar(b'\'').to_string(), "b\"'\"");
        assert_eq!(CChar(b'\n').to_string(), "b'\\n'");
        assert_eq!(CChar(0xe6).to_string(), "b'\\xe6'");
    }

    #[test]
    fn the_owner_unlinks_its_segment_when_the_last_handle_goes() {
        let num = Value::<i32>::new(666).expect("create");
        let path = shm_path(num.os_id());
        let prefix = format!("/{OS_ID_PREFIX}{}-", std::process::id());
        assert!(num.os_id().starts_with(&prefix), "{}", num.os_id());
        assert!(
            path.exists(),
            "{} exists while the value lives",
            path.display()
        );
        let clone = num.clone();
        drop(num);
        assert!(path.exists(), "a clone keeps it");
        clone.set_value(888);
        assert_eq!(clone.value(), 888);
        assert_eq!(format!("{clone:?}"), "Value('i', 888)");
        drop(clone);
        assert!(!path.exists(), "{} is left behind", path.display());
    }

    #[test]
    fn the_creators_handle_in_another_process_does_not_unlink() {
        let num = Value::<i32>::new(5).expect("create");
        let path = shm_path(num.os_id());
        let os_id = num.os_id().to_string();
        // What a forked child holds: the creator's very handle, in a process with another pid.
        let mut segment = Arc::into_inner(num.cells.segment).expect("the only handle");
        assert!(segment.shmem.is_owner());
        segment.creator = Some(std::process::id().wrapping_add(1));
        segment._tracked = pace::cleanup::Registration::none();
        drop(segment);
        assert!(
            path.exists(),
            "a copy in another process unlinked the segment"
        );
        // Clean up as the real owner would.
        let mut shmem = ShmemConf::new().os_id(&os_id).open().expect("open");
        shmem.set_owner(true);
        drop(shmem);
        assert!(!path.exists());
    }

    #[test]
    fn an_empty_array_is_empty() {
        let arr = Array::<i32>::new(&[]).expect("create");
        assert_eq!((arr.len(), arr.is_empty()), (0, true));
        assert_eq!(format!("{arr:?}"), "Array('i', [])");
    }

    #[test]
    fn a_handle_sent_over_a_channel_opens_the_same_memory_and_does_not_unlink() {
        let arr = Array::<i32>::new(&[11, 22, 33, 44]).expect("create");
        let lock_file = arr.get_lock().path().to_path_buf();
        // What a spawned child does: receive the segment's name, open it.
        let (tx, rx) = ipc::channel::<Array<i32>>().expect("channel");
        tx.send(arr.clone()).expect("send");
        let opened = rx.recv().expect("receive and open");
        opened.set(0, 666);
        assert_eq!(arr.to_vec(), vec![666, 22, 33, 44]);
        assert_eq!((opened.len(), opened.is_empty()), (4, false));
        assert_eq!(format!("{opened:?}"), "Array('i', [666, 22, 33, 44])");
        let path = shm_path(arr.os_id());
        drop(opened);
        assert!(path.exists(), "only the creator unlinks");
        assert!(lock_file.exists(), "only the creator removes the lock file");
        drop(arr);
        assert!(!path.exists());
        assert!(!lock_file.exists());
    }

    #[test]
    fn chars_and_bytes_round_trip() {
        let c = Value::new(CChar::default()).expect("create");
        let u = Value::new('\0').expect("create");
        assert_eq!(c.value().to_string(), "b'\\x00'");
        c.set_value(CChar(b'a'));
        u.set_value('武');
        assert_eq!(
            (c.value().to_string(), u.value()),
            ("b'a'".to_string(), '武')
        );
        assert_eq!((c.typecode(), u.typecode()), ('c', 'u'));
    }

    #[test]
    fn the_wrong_type_or_a_removed_segment_is_an_error_not_garbage() {
        let num = Value::<i32>::new(1).expect("create");
        let (tx, rx) = ipc::channel::<Value<i32>>().expect("channel");
        tx.send(num.clone()).expect("send");
        assert!(rx.to_opaque().to::<Value<CChar>>().recv().is_err());
        let lock = |num: &Value<i32>| {
            let (tx, rx) = ipc::channel::<Value<i32>>().expect("channel");
            tx.send(num.clone()).expect("send");
            rx.recv().expect("receive").cells.lock
        };
        let Err(wrong) = Cells::<CChar>::open(num.os_id(), 'i', 1, take(lock(&num))) else {
            panic!("an i32 opened as a c_char");
        };
        assert!(
            wrong.to_string().contains("holds type 'i', not 'c'"),
            "{wrong}"
        );

        let os_id = num.os_id().to_string();
        let lock = take(lock(&num));
        let (tx, rx) = ipc::channel::<Value<i32>>().expect("channel");
        tx.send(num.clone()).expect("send");
        drop(num); // the last handle here: the segment is unlinked before the receiver opens it
        assert!(rx.recv().is_err());
        let Err(missing) = Cells::<i32>::open(&os_id, 'i', 1, lock) else {
            panic!("a removed segment opened");
        };
        assert!(
            missing.to_string().contains("opening shared memory"),
            "{missing}"
        );
    }

    /// What a process could send in place of a handle: any name, type code and length.
    #[derive(Serialize, Deserialize)]
    struct Forged {
        os_id: String,
        typecode: char,
        len: usize,
        lock: Lock,
    }

    fn receive_forged(forged: Forged) -> Result<Array<i32>, ipc_channel::IpcError> {
        let (tx, rx) = ipc::channel::<Forged>().expect("channel");
        tx.send(forged).expect("send");
        rx.to_opaque().to::<Array<i32>>().recv()
    }

    #[test]
    fn a_crafted_length_or_name_is_an_error_not_an_access_outside_the_mapping() {
        let arr = Array::<i32>::new(&[11, 22, 33, 44]).expect("create");
        // usize::MAX / 4 + 2 elements of 4 bytes wrap around to 4 bytes: the old check passed.
        for len in [usize::MAX / 4 + 2, usize::MAX, 5, 1 << 40] {
            let forged = Forged {
                os_id: arr.os_id().to_string(),
                typecode: 'i',
                len,
                lock: arr.get_lock().clone(),
            };
            assert!(receive_forged(forged).is_err(), "len {len} accepted");
        }
        for os_id in [
            "/etc-passwd",
            "/examples-ipc-1",
            "examples-ipc-1-2",
            "/examples-ipc-x-2",
        ] {
            let forged = Forged {
                os_id: os_id.to_string(),
                typecode: 'i',
                len: 1,
                lock: arr.get_lock().clone(),
            };
            assert!(receive_forged(forged).is_err(), "{os_id} accepted");
        }
        let honest = Forged {
            os_id: arr.os_id().to_string(),
            typecode: 'i',
            len: 4,
            lock: arr.get_lock().clone(),
        };
        assert_eq!(
            receive_forged(honest).expect("honest").to_vec(),
            [11, 22, 33, 44]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_to_a_handle_or_an_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)
        ) {
            let message = |bytes: &[u8]| ipc_channel::ipc::IpcMessage::from_data(bytes.to_vec());
            let _ = examples_processes::decode::<Array<i32>>(message(&bytes));
            let _ = examples_processes::decode::<Value<char>>(message(&bytes));
        }
    }

    /// The lock out of the only handle to it.
    fn take(lock: Arc<Lock>) -> Lock {
        Arc::into_inner(lock).expect("the only handle")
    }

    #[test]
    #[should_panic(expected = "index 4 out of range for 4 elements")]
    fn indexing_out_of_range_panics_like_a_slice() {
        let arr = Array::<i32>::new(&[0; 4]).expect("create");
        arr.set(4, 1);
    }
}
