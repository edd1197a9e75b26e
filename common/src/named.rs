//! Named shared memory: the counterpart of Python's `multiprocessing.shared_memory.SharedMemory`.
//!
//! A segment with a name in `/dev/shm` that any process can open. It is built on the
//! `shared_memory` crate, which is unmaintained since 2022 (it pins nix 0.23) and has two traps that
//! [`NamedSharedMemory`] defuses:
//!
//! - The crate's "owner" flag, which makes dropping a handle delete the name, is plain data, so
//!   `fork` copies it: a child that drops its copy deletes the parent's segment. Here no crate handle
//!   is ever an owner; the name is removed by the process that created it (checked by pid), or by
//!   [`NamedSharedMemory::unlink`].
//! - A name outlives every process that crashes before removing it. So remove it as soon as every
//!   process that needs it has attached (the mapping stays valid), and, for the window before
//!   that, register it with the [resource tracker](crate::tracker), which removes it if the
//!   program dies first:
//!   a [`SharedArray`](crate::shared::SharedArray) handed to a child does exactly that.
//!
//! The crate's handle is not `Send`; this one is (see the `SAFETY` note on it), so that a
//! [`SharedArray`](crate::shared::SharedArray) in named memory can be shared between threads.
//!
//! ```rust,standalone_crate
//! fn main() -> common::Result<()> {
//!     // The resource tracker is this executable run again, so `main` starts with the guard.
//!     common::roles::run_if_child(&[]);
//!     let segment = common::named::NamedSharedMemory::create(4096)?;
//!     let opened = common::named::NamedSharedMemory::open(segment.name())?;
//!     assert_eq!(opened.len(), 4096);
//!     segment.unlink()?; // Both mappings stay valid; the name is gone.
//!     Ok(())
//! }
//! ```
//!
//! Shown by: `shared-memory --named` (`examples-processes/shared-memory`).

use std::ptr::NonNull;

use crate::error::{Context, Error, Result};
use nix::errno::Errno;
use shared_memory::{Shmem, ShmemConf};

/// A named shared-memory segment, mapped into this process.
pub struct NamedSharedMemory {
    shmem: Shmem,
    /// The process that created the name, and so removes it when its handle is dropped.
    creator: Option<u32>,
    /// Set once the name was handed to a child, which removes it after attaching: the creator's
    /// drop must not remove it first (the tracker removes it if the child never attaches).
    handed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for NamedSharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamedSharedMemory")
            .field("name", &self.name())
            .field("len", &self.len())
            .finish()
    }
}

// SAFETY: the crate's `Shmem` is a descriptor and a `MAP_SHARED` mapping, both process-wide: no
// thread owns them. It is `!Send` only because it holds raw pointers. We read its address and
// length from any thread, never change it after creation, and drop (unmap) it once, when the last
// handle goes.
unsafe impl Send for NamedSharedMemory {}
// SAFETY: as above; `&self` methods only read the name, the address and the length.
unsafe impl Sync for NamedSharedMemory {}

impl NamedSharedMemory {
    /// Creates a zero-filled segment of `len` bytes under a fresh random name
    /// (Python's `SharedMemory(create=True, size=len)`).
    ///
    /// The name is registered with the [resource tracker](crate::tracker) before the segment
    /// exists, so it is removed however this program ends.
    pub fn create(len: usize) -> Result<Self> {
        let name = fresh_name();
        crate::tracker::register(&name)?;
        let created = ShmemConf::new().size(len.max(1)).os_id(&name).create();
        let mut shmem = match created {
            Ok(shmem) => shmem,
            Err(e) => {
                _ = crate::tracker::unregister(&name); // Nothing was made; nothing to remove.
                return Err(Error::other(
                    format!("creating a {len}-byte named shared memory segment"),
                    e,
                ));
            }
        };
        shmem.set_owner(false); // We remove the name ourselves; see the module docs.
        let segment = Self {
            shmem,
            creator: Some(std::process::id()),
            handed: std::sync::atomic::AtomicBool::new(false),
        };
        // `/dev/shm` hands out pages only when they are first written, and a write it has no room
        // for is a SIGBUS that kills the process with no message. Reserve every page now, so a
        // segment larger than the free space is this error instead (dropping `segment` removes
        // the name).
        segment.reserve()?;
        Ok(segment)
    }

    /// Allocates every page of the segment (`posix_fallocate`), or fails with `ENOSPC`.
    fn reserve(&self) -> Result<()> {
        use nix::fcntl::OFlag;
        use nix::sys::stat::Mode;
        let fd = nix::sys::mman::shm_open(self.name(), OFlag::O_RDWR, Mode::empty())
            .with_context(|| format!("opening named shared memory {}", self.name()))?;
        let len = self.len() as nix::libc::off_t;
        nix::fcntl::posix_fallocate(&fd, 0, len).with_context(|| {
            format!(
                "reserving {} bytes of /dev/shm for named shared memory {}",
                self.len(),
                self.name()
            )
        })
    }

    /// Opens the segment called `name` (Python's `SharedMemory(name=name)`).
    pub fn open(name: &str) -> Result<Self> {
        let shmem = ShmemConf::new()
            .os_id(name)
            .open()
            .map_err(|e| Error::os(format!("opening named shared memory {name}"), os_error(e)))?;
        Ok(Self {
            shmem,
            creator: None,
            handed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The segment's name, as `open` takes it (`/shmem_…`; the file is `/dev/shm/shmem_…`).
    pub fn name(&self) -> &str {
        self.shmem.get_os_id()
    }

    /// The segment's size in bytes.
    pub fn len(&self) -> usize {
        self.shmem.len()
    }

    /// Whether the segment is empty (never: a segment has at least one byte).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The start of the mapping; valid for `len()` bytes while `self` lives.
    #[inline]
    pub fn as_ptr(&self) -> NonNull<u8> {
        NonNull::new(self.shmem.as_ptr()).expect("a mapped segment is never at address 0")
    }

    /// Records that the name is on its way to a child process, which removes it once attached:
    /// from now on dropping this handle leaves the name alone.
    pub(crate) fn hand_over(&self) {
        self.handed
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Removes the name (Python's `unlink()`): no new process can open it, and the memory is freed
    /// once every mapping is gone. Mappings, this one included, stay valid. Removing it twice is fine.
    pub fn unlink(&self) -> Result<()> {
        match nix::sys::mman::shm_unlink(self.name()) {
            Ok(()) | Err(Errno::ENOENT) => Ok(()),
            Err(e) => {
                Err(e).with_context(|| format!("removing named shared memory {}", self.name()))
            }
        }
    }
}

impl Drop for NamedSharedMemory {
    fn drop(&mut self) {
        let handed = self.handed.load(std::sync::atomic::Ordering::Acquire);
        if self.creator == Some(std::process::id()) && !handed {
            // Nothing to do on failure: the only likely one, ENOENT, means it is already gone.
            if self.unlink().is_ok() {
                _ = crate::tracker::unregister(self.name()); // It would find nothing to remove.
            }
        }
    }
}

/// A name no other segment has: this process's id, a count, and the clock's nanoseconds.
fn fresh_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static MADE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "/shmem_rcn_{}_{}_{nanos:x}",
        std::process::id(),
        MADE.fetch_add(1, Relaxed)
    )
}

/// The crate's error as the OS error it carries (`Too many open files (os error 24)`), where it
/// carries one: its own text says only "Opening the shared memory failed, os error 24".
fn os_error(e: shared_memory::ShmemError) -> std::io::Error {
    use shared_memory::ShmemError::{MapCreateFailed, MapOpenFailed, UnknownOsError};
    match e {
        MapCreateFailed(n) | MapOpenFailed(n) | UnknownOsError(n) => {
            std::io::Error::from_raw_os_error(n as i32)
        }
        other => std::io::Error::other(other),
    }
}
