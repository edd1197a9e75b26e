//! Memory shared between processes: the counterparts of `multiprocessing.Value` and `Array`.
//!
//! Python backs `Value('d', 0.0)` and `Array('i', range(5))` with a file it creates in `/dev/shm`
//! (or a temporary directory) and unlinks at once, then maps `MAP_SHARED`: nameless from then on.
//! [`SharedValue`] and [`SharedArray`] do the same with a `memfd`, which never has a name, so
//! nothing can leak, even if every process is killed with SIGKILL. [`SharedArray::named`] puts the
//! elements in [named shared memory](crate::named) instead.
//!
//! A clone is another handle on the same memory, as a Python name is another reference to the
//! same `Value`. Pass one in the argument of [`process::start`](crate::process::start), as Python
//! passes `args=(num, arr)`: it crosses to the child as its memory file (`handoff`, inside it),
//! under every start method; named memory crosses as its name, and the child, once attached,
//! removes the name, so a crash of either process leaves nothing in `/dev/shm`.
//!
//! Elements are read and written through atomics (acquire loads, release stores: plain moves on
//! x86), so every access is safe Rust and never tears.
//! What atomics do not make safe is a read-modify-write spread over two calls
//! (`a.set(i, a.get(i) + 1)`): hold [`SharedArray::lock`] around it, as Python's
//! `with a.get_lock():`. The lock is a robust, re-entrant process-shared mutex, as a
//! [`ProcessLock`] is, released by the kernel if its holder dies. It lives in the same memory file
//! as the elements, just before them, so a value and its lock share one cache line: a locked
//! update moves one line between processes, not two. (Python keeps the two apart: the `RLock` of
//! a `Value` is a semaphore of its own. Named memory does too here, since other programs read it
//! from its first byte.)
//!
//! ```rust,standalone_crate
//! use common::process::{self, StartMethod};
//! use common::shared::SharedValue;
//! use common::target::Target;
//!
//! fn set_pi(value: SharedValue<f64>) {
//!     value.set(3.1415);
//! }
//! const SET_PI: Target<SharedValue<f64>, ()> = common::target!(set_pi);
//!
//! fn main() -> common::Result<()> {
//!     common::roles::run_if_child(&[&SET_PI]);
//!     let value = SharedValue::new(0.0)?;
//!     process::start(StartMethod::Fork, &SET_PI, value.clone())?.join()?;
//!     assert_eq!(value.get(), 3.1415); // The child's write, seen here.
//!     // Threads share it too (it is `Sync`); an update spread over two calls holds the lock.
//!     std::thread::scope(|s| {
//!         s.spawn(|| {
//!             let _held = value.lock().unwrap();
//!             value.set(value.get() * 2.0);
//!         });
//!     });
//!     assert_eq!(value.get(), 6.283);
//!     Ok(())
//! }
//! ```
//!
//! Shown by: `shared-memory` and `process-lock` (`examples-processes/`).

use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64};

use crate::error::{Context, Error, Result};
use nix::sys::memfd::{MFdFlags, memfd_create};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::handoff::{Handed, Received};
use crate::lock::{ProcessLock, ProcessLockGuard, SharedMutex};
use crate::named::NamedSharedMemory;

/// A type that can live in shared memory: its values are held in an atomic of the same size.
pub trait Shareable: Copy + sealed::Sealed {
    /// The atomic that holds one value.
    #[doc(hidden)]
    type Cell: Sync;
    /// Reads a value.
    #[doc(hidden)]
    fn load(cell: &Self::Cell) -> Self;
    /// Writes a value.
    #[doc(hidden)]
    fn store(cell: &Self::Cell, value: Self);
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! shareable {
    ($($t:ty => $cell:ty, $to:expr, $from:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        impl Shareable for $t {
            type Cell = $cell;
            #[inline]
            fn load(cell: &$cell) -> $t {
                $from(cell.load(Acquire))
            }
            #[inline]
            fn store(cell: &$cell, value: $t) {
                cell.store($to(value), Release)
            }
        }
    )*};
}

shareable! {
    i32 => AtomicI32, std::convert::identity, std::convert::identity;
    u32 => AtomicU32, std::convert::identity, std::convert::identity;
    i64 => AtomicI64, std::convert::identity, std::convert::identity;
    u64 => AtomicU64, std::convert::identity, std::convert::identity;
    f32 => AtomicU32, f32::to_bits, f32::from_bits;
    f64 => AtomicU64, f64::to_bits, f64::from_bits;
}

/// A fixed-length array in memory shared with child processes (Python's `multiprocessing.Array`).
///
/// A clone is another handle on the same memory. It is `Send` and `Sync`, so the threads of one
/// process share it as Python's threads share an `Array`; a read-modify-write still takes
/// [`lock`](SharedArray::lock), whichever thread or process does it.
#[derive(Debug)]
pub struct SharedArray<T: Shareable> {
    inner: Arc<Inner>,
    _values: PhantomData<T>,
}

impl<T: Shareable> Clone for SharedArray<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            _values: PhantomData,
        }
    }
}

#[derive(Debug)]
struct Inner {
    memory: Memory,
    len: usize,
}

/// The bytes an anonymous memory file keeps for its lock before the elements: a mutex, rounded up
/// to the largest cell's alignment. The first elements share its cache line.
const LOCK_ROOM: usize = size_of::<nix::libc::pthread_mutex_t>().next_multiple_of(8);

/// What crosses to a child: the counterpart of what Python pickles for a `Value` or `Array`. `F`
/// is a descriptor's form: `Handed` as the parent sends it, `Received` as the child takes it.
#[derive(Debug, Serialize, Deserialize)]
struct Handle<F> {
    memory: Source<F>,
    len: usize,
}

#[derive(Debug, Serialize, Deserialize)]
enum Source<F> {
    /// The anonymous memory file, its lock at the start.
    File(F),
    /// The name of the named memory, and its lock's memory file.
    Name(String, F),
}

/// Where the elements and their lock live.
#[derive(Debug)]
enum Memory {
    /// A mapping of an anonymous memory file, which we unmap on drop: the lock's mutex at the
    /// start, the elements [`LOCK_ROOM`] bytes on.
    Anonymous {
        file: OwnedFd,
        start: NonNull<u8>,
        size: usize,
        mutex: SharedMutex,
    },
    /// Named memory, the elements from its first byte, and a lock of its own.
    Named(NamedSharedMemory, ProcessLock),
}

impl<T: Shareable> SharedArray<T> {
    /// Anonymous shared memory holding `values` (Python's `Array('i', values)`). An absurd
    /// number of values is an error, not a panic.
    pub fn new(values: impl IntoIterator<Item = T>) -> Result<Self> {
        let values = collect(values)?;
        let file = memfd_create(c"shared-array", MFdFlags::MFD_CLOEXEC)
            .context("creating shared memory")?;
        let size = anonymous_size::<T>(values.len())?;
        nix::unistd::ftruncate(&file, size.get() as i64).context("sizing shared memory")?;
        let memory = Memory::new_anonymous(file, size)?;
        Self::filled(memory, values)
    }

    /// Named shared memory holding `values` (Python's `SharedMemory` with the values copied in).
    pub fn named(values: impl IntoIterator<Item = T>) -> Result<Self> {
        let values = collect(values)?;
        let memory = Memory::Named(
            NamedSharedMemory::create(byte_size::<T>(values.len())?.get())?,
            ProcessLock::new()?,
        );
        Self::filled(memory, values)
    }

    fn filled(memory: Memory, values: Vec<T>) -> Result<Self> {
        let array = Self {
            inner: Arc::new(Inner {
                memory,
                len: values.len(),
            }),
            _values: PhantomData,
        };
        for (cell, value) in array.cells().iter().zip(values) {
            T::store(cell, value);
        }
        Ok(array)
    }

    /// In a child process, maps the memory a parent handed over. Named memory is opened by its
    /// name, as an unrelated process would, and the name is then removed (see the module docs).
    fn from_handle(handle: Handle<Received>) -> Result<Self> {
        let memory = match handle.memory {
            Source::File(Received(fd)) => {
                Memory::attach_anonymous(fd, anonymous_size::<T>(handle.len)?)?
            }
            Source::Name(name, Received(lock)) => {
                let opened = NamedSharedMemory::open(&name)?;
                opened.unlink()?;
                if opened.len() < byte_size::<T>(handle.len)?.get() {
                    return Err(Error::Protocol(format!(
                        "named shared memory {name} is too small"
                    )));
                };
                Memory::Named(opened, ProcessLock::from_file(lock)?)
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                memory,
                len: handle.len,
            }),
            _values: PhantomData,
        })
    }

    /// The name of named shared memory (as `/dev/shm` lists it, after the `/`); `None` for
    /// anonymous memory, which has none.
    pub fn name(&self) -> Option<&str> {
        match &self.inner.memory {
            Memory::Named(named, _) => Some(named.name().trim_start_matches('/')),
            Memory::Anonymous { .. } => None,
        }
    }

    /// The number of elements (Python's `len(a)`).
    pub fn len(&self) -> usize {
        self.inner.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.inner.len == 0
    }

    /// Element `index` (Python's `a[index]`). Panics if out of range, as slice indexing does.
    pub fn get(&self, index: usize) -> T {
        T::load(&self.cells()[index])
    }

    /// Sets element `index` (Python's `a[index] = value`). Panics if out of range.
    pub fn set(&self, index: usize, value: T) {
        T::store(&self.cells()[index], value);
    }

    /// A copy of every element (Python's `a[:]`).
    pub fn to_vec(&self) -> Vec<T> {
        self.cells().iter().map(T::load).collect()
    }

    /// Takes the array's lock (Python's `with a.get_lock():`); held until the guard is dropped.
    pub fn lock(&self) -> Result<ProcessLockGuard<'_>> {
        match &self.inner.memory {
            Memory::Anonymous { mutex, .. } => mutex.lock(),
            Memory::Named(_, lock) => lock.lock(),
        }
    }

    fn cells(&self) -> &[T::Cell] {
        let start = match &self.inner.memory {
            // After the lock: `anonymous_size` kept `LOCK_ROOM` bytes for it, a multiple of 8.
            Memory::Anonymous { start, .. } => start.as_ptr().wrapping_add(LOCK_ROOM),
            Memory::Named(named, _) => named.as_ptr().as_ptr(),
        };
        // SAFETY: `start` is 8-byte aligned (a page, or `LOCK_ROOM` past one), followed by at
        // least `len` cells of the mapping (`byte_size`), zero-filled by the kernel (a valid value
        // for every atomic), which lives as long as `self`. Other processes touch it only through
        // the same atomic cells.
        unsafe { std::slice::from_raw_parts(start.cast::<T::Cell>(), self.inner.len) }
    }
}

/// An array crosses to a child as its memory file (or name) and its lock's file (`handoff`).
impl<T: Shareable> Serialize for SharedArray<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const WHAT: &str = "shared memory";
        let memory = match &self.inner.memory {
            Memory::Anonymous { file, .. } => Source::File(Handed(file.as_fd(), WHAT)),
            Memory::Named(named, lock) => {
                named.hand_over(); // The child removes the name once attached.
                Source::Name(named.name().to_owned(), Handed(lock.file(), WHAT))
            }
        };
        let len = self.inner.len;
        Handle { memory, len }.serialize(serializer)
    }
}

impl<'de, T: Shareable> Deserialize<'de> for SharedArray<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let handle = Handle::<Received>::deserialize(deserializer)?;
        Self::from_handle(handle).map_err(|e| crate::handoff::decode_error::<D::Error>(&e))
    }
}

// SAFETY: the memory is a `MAP_SHARED` mapping that stays valid, at the same address, for as long
// as `Memory` lives, whichever thread holds it; it is only ever read and written through atomic
// cells (see `SharedArray::cells`), which is what other processes do at the same moment anyway.
// Unmapping happens once, in `drop`, when no handle is left.
unsafe impl Send for Memory {}
// SAFETY: as above: shared references only hand out atomic cells, safe to use from many threads.
unsafe impl Sync for Memory {}

impl Memory {
    /// Maps a new anonymous memory file of `size` bytes and sets up the lock at its start.
    fn new_anonymous(file: OwnedFd, size: NonZeroUsize) -> Result<Self> {
        let start = Self::map(&file, size)?;
        // SAFETY: the start of the fresh mapping: zero-filled, page aligned, shared with nobody
        // yet, `LOCK_ROOM` bytes kept for the mutex (`anonymous_size`); it stays mapped for as
        // long as the `Memory` that holds the mutex lives.
        match unsafe { SharedMutex::init(start.cast()) } {
            Ok(mutex) => Ok(Self::anonymous(file, start, size, mutex)),
            Err(e) => {
                // SAFETY: the mapping just made, which nothing else uses.
                _ = unsafe { munmap(start.cast(), size.get()) };
                Err(e)
            }
        }
    }

    /// Maps the anonymous memory file `file`, of `size` bytes, that another process made.
    fn attach_anonymous(file: OwnedFd, size: NonZeroUsize) -> Result<Self> {
        let start = Self::map(&file, size)?;
        // SAFETY: the start of a memory file `new_anonymous` made, whose mutex it set up; it
        // stays mapped for as long as the `Memory` that holds the mutex lives.
        let mutex = unsafe { SharedMutex::attach(start.cast()) };
        Ok(Self::anonymous(file, start, size, mutex))
    }

    fn anonymous(
        file: OwnedFd,
        start: NonNull<u8>,
        size: NonZeroUsize,
        mutex: SharedMutex,
    ) -> Self {
        Memory::Anonymous {
            file,
            start,
            size: size.get(),
            mutex,
        }
    }

    fn map(file: &OwnedFd, size: NonZeroUsize) -> Result<NonNull<u8>> {
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: a fresh shared mapping of a file sized to `size` bytes: it aliases no Rust
        // object, and we hand out only atomic cells inside it, and the mutex to pthread.
        let start = unsafe { mmap(None, size, prot, MapFlags::MAP_SHARED, file, 0) }
            .context("mapping shared memory")?;
        Ok(start.cast())
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        if let Memory::Anonymous { start, size, .. } = self {
            // SAFETY: `start` and `size` are exactly the mapping made in `map_anonymous`; the cells
            // borrowed from it cannot outlive `self`.
            _ = unsafe { munmap(start.cast(), *size) }; // Failure would mean it is not mapped.
        }
    }
}

/// The size of an anonymous memory file: its lock, then `len` elements.
fn anonymous_size<T: Shareable>(len: usize) -> Result<NonZeroUsize> {
    let bytes = byte_size::<T>(len)?.get().checked_add(LOCK_ROOM);
    bytes.and_then(NonZeroUsize::new).ok_or_else(|| {
        Error::refused(
            crate::error::Refusal::Invalid,
            format!("a shared array of {len} elements does not fit in memory"),
        )
    })
}

fn byte_size<T: Shareable>(len: usize) -> Result<NonZeroUsize> {
    let bytes = len.checked_mul(size_of::<T::Cell>()).ok_or_else(|| {
        Error::refused(
            crate::error::Refusal::Invalid,
            format!("a shared array of {len} elements does not fit in memory"),
        )
    })?;
    Ok(NonZeroUsize::new(bytes).unwrap_or(NonZeroUsize::MIN)) // mmap refuses zero bytes.
}

/// The values, in a vector whose space is reserved first: too many of them is an error, where
/// `collect` would panic (capacity overflow) or abort (allocation failure).
fn collect<T: Shareable>(values: impl IntoIterator<Item = T>) -> Result<Vec<T>> {
    let values = values.into_iter();
    let least = values.size_hint().0;
    byte_size::<T>(least)?;
    let mut out = Vec::new();
    out.try_reserve_exact(least).map_err(|e| {
        Error::refused(
            crate::error::Refusal::Invalid,
            format!("a shared array of {least} elements: {e}"),
        )
    })?;
    out.extend(values);
    Ok(out)
}

/// One value in memory shared with child processes (Python's `multiprocessing.Value`).
///
/// A clone is another handle on the same memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SharedValue<T: Shareable>(SharedArray<T>);

impl<T: Shareable> SharedValue<T> {
    /// Anonymous shared memory holding `value` (Python's `Value('d', value)`).
    pub fn new(value: T) -> Result<Self> {
        SharedArray::new([value]).map(Self)
    }

    /// Named shared memory holding `value`.
    pub fn named(value: T) -> Result<Self> {
        SharedArray::named([value]).map(Self)
    }

    /// The value (Python's `v.value`).
    pub fn get(&self) -> T {
        self.0.get(0)
    }

    /// Sets the value (Python's `v.value = value`).
    pub fn set(&self, value: T) {
        self.0.set(0, value);
    }

    /// Takes the value's lock (Python's `with v.get_lock():`).
    pub fn lock(&self) -> Result<ProcessLockGuard<'_>> {
        self.0.lock()
    }
}
