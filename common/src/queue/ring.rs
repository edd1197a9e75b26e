//! The large-message path of a queue: a ring of shared memory beside the pipe.
//!
//! A pipe copies every byte twice (into the kernel, out of it), 64 KiB at a time with a wake-up
//! for each piece. A message of [`RING_MIN`] bytes or more is instead copied once into a ring of
//! memory that every writer and the reader map (a `memfd`, handed to a child with the writer, so
//! it has no name and nothing can leak), and only a 45-byte *marker* frame crosses the pipe: where
//! the bytes are, how many, where the ring is free again once they are read, and how long the
//! whole message is. The reader copies them out when `get` takes the marker, straight into the
//! message's one allocation (a message larger than half the ring crosses in pieces, each copied
//! once into place). Pages are faulted in once, on first use, then reused.
//!
//! **Why every guarantee stays.** The marker travels through the same pipe, under the same lock,
//! as every other frame: order, no interleaving, a dead writer read as EOF, all as before. Writers
//! reserve ring space under the queue's lock; a writer that finds no room waits for the reader to
//! release some, woken by an eventfd the reader writes to (only when a writer said it waits), or
//! by the pipe itself when the reader is gone (`POLLERR`): an event, never a poll tick. Joining a
//! child before draining still cannot deadlock: while the parent waits for the child it drains the
//! pipe, and copies out, releasing their space, the messages the markers point at. A writer that
//! dies after reserving and before its marker only leaves a gap that the next marker's release
//! covers. The reader releases space in the order the markers arrive, which is the order the
//! space was reserved. A message larger than the whole ring takes the pipe.
//!
//! The argument for each of these, step by step, is `RING.md` beside this file; the handshake
//! between a waiting writer and the reader is `handshake.rs`, whose loom model `make loom` checks.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::memfd::{MFdFlags, memfd_create};
use nix::sys::mman::{MapFlags, MmapAdvise, ProtFlags, mmap, munmap};

use super::handshake;
use crate::error::{Context, Error, Result};

/// Messages of at least this many bytes take the ring. Chosen by `make bench`'s size sweep: at
/// 16 KiB the pipe cost 5–7× ipc-channel (a 16 KiB write is four pipe pages, and writer and reader
/// then contend for the pipe's lock), the ring about 1.2×; at 1 KiB one pipe write is cheaper
/// than a copy into the ring plus a marker.
pub(crate) const RING_MIN: usize = 16 * 1024;

/// Room in the ring for messages in flight; a larger message crosses in pieces of half of it.
/// Chosen by sweeps of 7 interleaved samples against ipc-channel, pinned to one core, where writer
/// and reader take turns: 512 KiB stays in the core's 2 MiB L2 cache across both copies, and a new
/// queue faults in 128 pages. A 4 MiB ring cost 1.2–1.7× ipc-channel from 16 KiB to 4 MiB, 512
/// KiB 0.66–1.04×; 256 KiB and 128 KiB rings were up to 12% and 36% slower than 512 KiB (more
/// turns). Spread over two cores, 512 KiB was 0.44–0.67× ipc-channel at every size, 4 MiB
/// 0.47–0.91×.
const CAPACITY: usize = 512 << 10;

/// From this many bytes a message's allocation asks for transparent huge pages: 512 times fewer
/// page faults while it is first written. 32 MiB is the largest mmap threshold glibc's malloc
/// moves to by itself (`DEFAULT_MMAP_THRESHOLD_MAX`), so such an allocation is a mapping of its
/// own, and the advice ends with it (it never marks the heap that later, small allocations
/// share). Measured at 32 and 64 MiB, pinned: 0.62–0.63× ipc-channel with the advice, 1.01–1.08×
/// without.
const HUGE_MIN: usize = 32 << 20;

/// From this many bytes, and below [`HUGE_MIN`], a message's allocation is faulted in by one
/// `madvise(MADV_POPULATE_WRITE)` before its pieces are copied in, instead of one page fault per
/// 4 KiB page as the copy first touches it. Measured pinned against ipc-channel (32 MiB a sample,
/// 9 samples, three or four runs each): at 16 MiB 0.85–0.90× with it, 0.95–0.99× without; at 8 MiB
/// 0.91–0.96× against 0.99–1.00×; at 4 MiB no difference (0.96–0.99× and 0.97–1.00×); at 1 MiB
/// it cost, 0.95–1.01× against 0.88–0.93×, since a freed allocation of that size is reused with
/// its pages still in. Not with huge pages: there each fault already fills 2 MiB, and faulting in
/// a whole 64 MiB message first made the reader zero it all while the writer, on the other core,
/// waited for room in the ring (`make bench`, spread: 64 MiB took 81 ms a message against
/// 32–35 ms).
const POPULATE_MIN: usize = 8 << 20;

/// The head, tail and waiting counters, each on a cache line of its own, before the data.
const HEADER: usize = 192;
const HEAD: usize = 0;
const TAIL: usize = 64;
const WAITING: usize = 128;

/// What a marker frame's payload holds: the kind, the data's offset and length, the position up
/// to which the ring is free once the data is read, where in its message this piece goes, and
/// the whole message's length (so the reader allocates it once, and copies each piece once).
pub(crate) const MARKER_LEN: usize = 1 + 8 + 8 + 8 + 8 + 8;

/// The largest piece of a message the ring takes at once: a message larger than this crosses in
/// pieces, one marker each, all under the writer's lock, so no other message comes between them.
pub(crate) const PIECE: usize = CAPACITY / 2;

/// How the bytes in the ring are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `Vec<u8>` message's own bytes (the last piece of them).
    Bytes = 1,
    /// An encoded message (postcard), as a pipe frame would carry it (the last piece of it).
    Encoded = 2,
    /// A piece of a `Vec<u8>` message; more follow.
    BytesPart = 3,
    /// A piece of an encoded message; more follow.
    EncodedPart = 4,
}

impl Kind {
    /// The kind of the piece at `at` of a message of `total` bytes, `len` long.
    pub(crate) fn piece(self, at: usize, len: usize, total: usize) -> Kind {
        match (self, at + len < total) {
            (Kind::Bytes | Kind::BytesPart, true) => Kind::BytesPart,
            (Kind::Bytes | Kind::BytesPart, false) => Kind::Bytes,
            (Kind::Encoded | Kind::EncodedPart, true) => Kind::EncodedPart,
            (Kind::Encoded | Kind::EncodedPart, false) => Kind::Encoded,
        }
    }
}

/// What a marker says: where a piece of a message lies in the ring, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) kind: Kind,
    offset: usize,
    len: usize,
    /// Released up to here once read.
    end: u64,
    /// Where in its message this piece goes.
    pub(crate) position: usize,
    /// The whole message's length.
    pub(crate) total: usize,
}

impl Piece {
    /// Reads a marker's payload, refusing one no writer could have sent.
    pub(crate) fn of(marker: &[u8]) -> Result<Piece> {
        let corrupt = || Error::Protocol(format!("a corrupt ring marker: {marker:?}"));
        if marker.len() != MARKER_LEN {
            return Err(corrupt());
        }
        let field = |at: usize| u64::from_le_bytes(marker[at..at + 8].try_into().expect("8 bytes"));
        let kind = match marker[0] {
            1 => Kind::Bytes,
            2 => Kind::Encoded,
            3 => Kind::BytesPart,
            4 => Kind::EncodedPart,
            _ => return Err(corrupt()),
        };
        let size = |at| usize::try_from(field(at)).map_err(|_| corrupt());
        let piece = Piece {
            kind,
            offset: size(1)?,
            len: size(9)?,
            end: field(17),
            position: size(25)?,
            total: size(33)?,
        };
        let inside = piece
            .offset
            .checked_add(piece.len)
            .is_some_and(|last| last <= CAPACITY);
        let within = piece
            .position
            .checked_add(piece.len)
            .is_some_and(|last| last <= piece.total);
        if !inside || !within {
            return Err(corrupt());
        }
        Ok(piece)
    }
}

/// The ring of one queue, as one process holds it.
#[derive(Debug)]
pub(crate) struct Ring {
    file: OwnedFd,
    /// Written by the reader when it frees space while a writer waits for some.
    space: EventFd,
    /// Mapped on first use: a writer that only sends small messages never maps it.
    mapping: OnceLock<Mapping>,
}

#[derive(Debug)]
struct Mapping {
    base: NonNull<u8>,
}

// SAFETY: the mapping is `MAP_SHARED` memory that stays at this address until `drop`; threads and
// processes touch it only through the two atomic counters and through copies into regions that
// the queue's protocol gives one side at a time (see the module docs).
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: exactly the mapping `Ring::mapped` made; nothing borrowed from it outlives us.
        _ = unsafe { munmap(self.base.cast(), HEADER + CAPACITY) }; // Nothing to do on failure.
    }
}

/// The one allocation of a ring message of `total` bytes, empty, into which its pieces are copied.
pub(crate) fn allocation(total: usize) -> Result<Vec<u8>> {
    let mut message = Vec::new();
    message
        .try_reserve_exact(total)
        .map_err(|e| Error::Protocol(format!("a ring message of {total} bytes: {e}")))?;
    if total >= HUGE_MIN {
        advise(&mut message, MmapAdvise::MADV_HUGEPAGE);
    } else if total >= POPULATE_MIN {
        advise(&mut message, MmapAdvise::MADV_POPULATE_WRITE);
    }
    Ok(message)
}

/// Gives the kernel `advice` about the whole pages of `message`'s capacity: only ever a hint, and
/// nothing is lost where it is refused (`MADV_HUGEPAGE` without transparent huge pages,
/// `MADV_POPULATE_WRITE` before Linux 5.14, a part smaller than one page).
fn advise(message: &mut Vec<u8>, advice: MmapAdvise) {
    let Some((first, whole_pages)) = whole_pages(message) else {
        return;
    };
    // SAFETY: `first..last` is whole pages inside this vector's own allocation, which nothing else
    // uses; either advice changes how the kernel backs them (huge pages, or faulted in now rather
    // than one by one at first write), never their contents.
    _ = unsafe {
        nix::sys::mman::madvise(
            NonNull::new(first as *mut std::ffi::c_void).expect("inside an allocation"),
            whole_pages,
            advice,
        )
    }; // Only a hint (see above).
}

/// Where the whole pages of `message`'s unused capacity start, and how many bytes they span;
/// `None` if not one page fits.
fn whole_pages(message: &mut Vec<u8>) -> Option<(usize, usize)> {
    let page = page_size();
    let spare = message.spare_capacity_mut();
    let start = spare.as_mut_ptr() as usize;
    let first = start.next_multiple_of(page);
    let last = (start + spare.len()) / page * page;
    let len = last.checked_sub(first).filter(|len| *len > 0)?;
    Some((first, len))
}

fn page_size() -> usize {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map_or(4096, |size| size as usize)
}

impl Ring {
    /// A new ring (no page of it is allocated until used).
    pub(crate) fn new() -> Result<Ring> {
        let file = memfd_create(c"queue-ring", MFdFlags::MFD_CLOEXEC)
            .context("creating a queue's ring")?;
        nix::unistd::ftruncate(&file, (HEADER + CAPACITY) as i64)
            .context("sizing a queue's ring")?;
        let space =
            EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
                .context("creating a queue ring's eventfd")?;
        Ok(Ring::from_files(file, space.into()))
    }

    /// The ring behind `file` and its eventfd `space`, handed over by another process.
    pub(crate) fn from_files(file: OwnedFd, space: OwnedFd) -> Ring {
        Ring {
            file,
            // SAFETY: `space` is the eventfd `Ring::new` made, handed to this process with the
            // ring; nothing else owns it.
            space: unsafe { EventFd::from_owned_fd(space) },
            mapping: OnceLock::new(),
        }
    }

    /// The ring's memory file and eventfd, to hand to a child.
    pub(crate) fn files(&self) -> [BorrowedFd<'_>; 2] {
        [self.file.as_fd(), self.space.as_fd()]
    }

    fn mapped(&self) -> Result<&Mapping> {
        if let Some(mapping) = self.mapping.get() {
            return Ok(mapping);
        }
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        let size = std::num::NonZeroUsize::new(HEADER + CAPACITY).expect("not zero");
        // SAFETY: a fresh shared mapping of a file of exactly `size` bytes; it aliases no Rust
        // object, and is only accessed as the module docs describe.
        let base = unsafe { mmap(None, size, prot, MapFlags::MAP_SHARED, &self.file, 0) }
            .context("mapping a queue's ring")?;
        let mapping = Mapping { base: base.cast() };
        // Another thread may have mapped it meanwhile: then ours is unmapped on drop.
        Ok(self.mapping.get_or_init(|| mapping))
    }

    fn counter(mapping: &Mapping, at: usize) -> &AtomicU64 {
        let cell = mapping.base.as_ptr().wrapping_add(at).cast::<AtomicU64>();
        // SAFETY: `at` is 0, 64 or 128, inside the header, 8-byte aligned (the mapping is page
        // aligned); the file was zero-filled, a valid `AtomicU64`; it lives as long as `mapping`.
        unsafe { &*cell }
    }

    /// Copies `bytes` into the ring and returns the marker that says where they are, waiting for
    /// room if need be; `None` for a message larger than the whole ring. `pipe` is the queue's
    /// write end: it reports the reader's end (`POLLERR`), which ends a wait with an error. Call
    /// it holding the queue's lock: writers reserve in turn, and only one ever waits.
    pub(crate) fn write(
        &self,
        kind: Kind,
        bytes: &[u8],
        (position, total): (usize, usize),
        pipe: BorrowedFd<'_>,
    ) -> Result<Option<[u8; MARKER_LEN]>> {
        let len = bytes.len();
        if len > CAPACITY {
            return Ok(None);
        }
        let mapping = self.mapped()?;
        let (head, tail) = (Self::counter(mapping, HEAD), Self::counter(mapping, TAIL));
        let reserved = head.load(Ordering::Relaxed); // Only writers, under the lock, move it.
        let at = (reserved % CAPACITY as u64) as usize;
        // A message never wraps: one that would is placed at the start, the end left unused.
        let (offset, taken) = if at + len <= CAPACITY {
            (at, len)
        } else {
            (0, CAPACITY - at + len)
        };
        // Room once the reader has released up to `needed`.
        let needed = (reserved + taken as u64).saturating_sub(CAPACITY as u64);
        if tail.load(Ordering::Acquire) < needed {
            self.wait_for(mapping, needed, pipe)?;
        }
        let to = mapping.base.as_ptr().wrapping_add(HEADER + offset);
        // SAFETY: `offset..offset + len` lies inside the data area, and is free: the reader
        // released it (or never had it), and no other writer reserves while we hold the lock.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), to, len) };
        let end = reserved + taken as u64;
        head.store(end, Ordering::Relaxed);
        let mut marker = [0u8; MARKER_LEN];
        marker[0] = kind as u8;
        marker[1..9].copy_from_slice(&(offset as u64).to_le_bytes());
        marker[9..17].copy_from_slice(&(len as u64).to_le_bytes());
        marker[17..25].copy_from_slice(&end.to_le_bytes());
        marker[25..33].copy_from_slice(&(position as u64).to_le_bytes());
        marker[33..41].copy_from_slice(&(total as u64).to_le_bytes());
        Ok(Some(marker))
    }

    /// Appends to `out` the bytes `piece` points at, then releases their space (and any gap
    /// before them) to the writers.
    pub(crate) fn read(&self, piece: &Piece, out: &mut Vec<u8>) -> Result<()> {
        let mapping = self.mapped()?;
        out.try_reserve(piece.len).map_err(|e| {
            Error::Protocol(format!("a ring message of {} bytes: {e}", piece.total))
        })?;
        let from = mapping.base.as_ptr().wrapping_add(HEADER + piece.offset);
        let to = out.spare_capacity_mut();
        // SAFETY: the writer filled `offset..offset + len` before sending the marker (the pipe
        // orders the two), and keeps off it until we release it below; `to` has room for `len`
        // bytes (reserved above), and the two do not overlap (one is ours, one is shared).
        unsafe { std::ptr::copy_nonoverlapping(from, to.as_mut_ptr().cast::<u8>(), piece.len) };
        // SAFETY: the `len` bytes after the vector's length were just initialized by the copy.
        unsafe { out.set_len(out.len() + piece.len) };
        let waker = Space {
            space: &self.space,
            pipe: None,
        };
        handshake::release(
            Self::counter(mapping, TAIL),
            Self::counter(mapping, WAITING),
            piece.end,
            &waker,
        )
    }

    /// Waits until the reader has released the ring up to `needed`, or is gone.
    fn wait_for(&self, mapping: &Mapping, needed: u64, pipe: BorrowedFd<'_>) -> Result<()> {
        let waker = Space {
            space: &self.space,
            pipe: Some(pipe),
        };
        handshake::wait_for(
            Self::counter(mapping, TAIL),
            Self::counter(mapping, WAITING),
            needed,
            &waker,
        )
    }
}

/// The ring's wake-up ([`handshake::Wakeup`]): its eventfd, and for a writer the queue's pipe,
/// which reports the reader's end (`POLLERR`) so that a wait ends with an error, not forever.
struct Space<'a> {
    space: &'a EventFd,
    pipe: Option<BorrowedFd<'a>>,
}

impl handshake::Wakeup for Space<'_> {
    fn wake(&self) -> Result<()> {
        self.space
            .write(1)
            .context("waking a writer waiting for ring space")?;
        Ok(())
    }

    fn sleep(&self) -> Result<()> {
        let fds = std::iter::once(self.space.as_fd()).chain(self.pipe);
        let ready = crate::wait::readable(fds, None, "ring space")?.unwrap_or_default();
        if ready.get(1).copied().unwrap_or(false) {
            return Err(Error::Closed("the queue's reader is gone".into()));
        }
        Ok(())
    }

    fn reset(&self) {
        _ = self.space.read(); // EAGAIN: nothing to reset.
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::*;

    #[test]
    fn space_is_reused_in_order_and_a_gone_reader_ends_a_wait() {
        let ring = Ring::new().unwrap();
        let (read_end, write_end) = nix::unistd::pipe().unwrap();
        let pipe = write_end.as_fd();
        const QUARTER: usize = CAPACITY / 4;
        let quarter = |i: u8| vec![i; QUARTER];
        let whole = |len| (0, len);
        let put = |i: u8| {
            let marker = ring.write(Kind::Bytes, &quarter(i), whole(QUARTER), pipe);
            Piece::of(&marker.unwrap().unwrap()).unwrap()
        };
        let read = |piece: &Piece| {
            let mut out = Vec::new();
            ring.read(piece, &mut out).unwrap();
            out
        };
        // Four messages of a quarter of the ring fill it (each written before any is read); read
        // two, and two more fit.
        let pieces: Vec<_> = (0..4).map(put).collect();
        for (i, piece) in pieces.iter().enumerate().take(2) {
            assert_eq!(
                (piece.kind, piece.position, piece.total),
                (Kind::Bytes, 0, QUARTER)
            );
            assert_eq!(read(piece), quarter(i as u8));
        }
        put(4);
        put(5);
        // Larger than the whole ring: the pipe's job (the queue sends such a message in pieces).
        let huge = vec![0u8; CAPACITY + 1];
        let too_large = ring.write(Kind::Bytes, &huge, whole(huge.len()), pipe);
        assert!(too_large.unwrap().is_none());
        // The ring is full again (2 to 5): a writer waits, until the reader is gone.
        drop(read_end);
        let err = ring
            .write(Kind::Bytes, &quarter(6), whole(QUARTER), pipe)
            .unwrap_err();
        assert!(matches!(err, Error::Closed(_)), "{err}");
        assert_eq!(read(&pieces[2]), quarter(2), "not overwritten");
    }

    #[test]
    fn only_a_large_message_asks_for_huge_pages() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage").exists() {
            return; // A kernel without them refuses the advice; nothing to see.
        }
        // The flags of the mapping that holds `message`'s capacity, from /proc/self/smaps.
        let flags = |message: &Vec<u8>| {
            let at = message.as_ptr() as usize + message.capacity() / 2;
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
            let mut inside = false;
            for line in smaps.lines() {
                if let Some((range, _)) = line.split_once(' ')
                    && let Some((start, end)) = range.split_once('-')
                    && let (Ok(start), Ok(end)) = (
                        usize::from_str_radix(start, 16),
                        usize::from_str_radix(end, 16),
                    )
                {
                    inside = (start..end).contains(&at);
                } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                    return flags
                        .split_whitespace()
                        .map(String::from)
                        .collect::<Vec<_>>();
                }
            }
            panic!("no mapping holds {at:#x}");
        };
        let large = allocation(HUGE_MIN).unwrap();
        assert!(large.is_empty() && large.capacity() >= HUGE_MIN);
        assert!(
            flags(&large).contains(&"hg".to_string()),
            "{:?}",
            flags(&large)
        );
        let smaller = allocation(HUGE_MIN / 2).unwrap();
        assert!(!flags(&smaller).contains(&"hg".to_string()));
    }

    #[test]
    fn a_message_of_eight_mebibytes_or_more_is_faulted_in_before_its_copy() {
        // How many of the whole pages of `message`'s capacity are in memory (`mincore`).
        let resident = |message: &mut Vec<u8>| {
            let (first, len) = whole_pages(message).expect("pages");
            let mut pages = vec![0u8; len / page_size()];
            // SAFETY: `first..first + len` is whole pages inside this vector's allocation, and
            // `pages` has one byte for each of them.
            let done = unsafe { nix::libc::mincore(first as *mut _, len, pages.as_mut_ptr()) };
            assert_eq!(done, 0, "{}", std::io::Error::last_os_error());
            (pages.iter().filter(|p| *p & 1 == 1).count(), pages.len())
        };
        let (inside, all) = resident(&mut allocation(POPULATE_MIN).unwrap());
        assert_eq!(inside, all, "only {inside} of {all} pages faulted in");
    }

    #[test]
    fn a_marker_no_writer_could_send_is_refused() {
        let mut marker = [0u8; MARKER_LEN];
        marker[0] = 1;
        marker[9..17].copy_from_slice(&10u64.to_le_bytes()); // 10 bytes ...
        marker[33..41].copy_from_slice(&5u64.to_le_bytes()); // ... of a 5-byte message
        assert!(Piece::of(&marker).is_err());
        marker[33..41].copy_from_slice(&10u64.to_le_bytes());
        assert!(Piece::of(&marker).is_ok());
        marker[1..9].copy_from_slice(&(CAPACITY as u64).to_le_bytes()); // past the ring's end
        assert!(Piece::of(&marker).is_err());
        assert!(Piece::of(&marker[..MARKER_LEN - 1]).is_err());
    }

    #[test]
    fn the_pieces_of_a_message_say_which_is_last() {
        let total = 3 * PIECE + 1;
        let kinds: Vec<Kind> = (0..4)
            .map(|i| Kind::Bytes.piece(i * PIECE, PIECE.min(total - i * PIECE), total))
            .collect();
        let part = Kind::BytesPart;
        assert_eq!(kinds, [part, part, part, Kind::Bytes]);
        assert_eq!(Kind::Encoded.piece(0, 10, 10), Kind::Encoded);
    }
}
