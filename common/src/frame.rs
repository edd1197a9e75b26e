//! Length-prefixed postcard frames: how values cross a process boundary.
//!
//! Python pickles what it sends to another process; we serialize with serde + postcard and put the
//! length in front (4 bytes, little-endian) so the reader knows where one value ends.
//!
//! **Bytes go as bytes.** serde sees a `Vec<u8>` as a sequence of `u8` and handles it one byte at
//! a time (~1 ns each: a millisecond per MiB). Postcard writes a byte sequence and a byte string
//! identically (a varint length, then the bytes), so [`encode_message`] and [`decode_message`] send
//! a message whose type *is* `Vec<u8>` as one copy, and the bytes on the wire are the same.
//! Fields inside a message use `#[serde(with = "serde_bytes")]` for the same effect.
//!
//! ```
//! let mut wire = Vec::new();
//! common::frame::write(&mut wire, &(7u32, "seven"))?;
//! let back: Option<(u32, String)> = common::frame::read(&mut wire.as_slice())?;
//! assert_eq!(back, Some((7, "seven".to_owned())));
//! # Ok::<(), common::Error>(())
//! ```
//!
//! Used by every program that sends values between processes (`queue-ipc`, `pipe-ipc`,
//! `process-pool`).

use std::any::{Any, TypeId};
use std::io::{ErrorKind, Read, Write};

use crate::error::{Context, Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame a reader accepts, so that a corrupt length cannot ask for terabytes.
pub const MAX_FRAME: usize = 1 << 30;

pub(crate) const HEADER: usize = 4;

/// Serializes `value` into one frame: its length, then its postcard bytes.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut frame = Vec::new();
    encode_into(value, &mut frame)?;
    Ok(frame)
}

/// Appends the postcard bytes of `value` to `out`.
///
/// Postcard's own `Vec` output copies each varint with a `memcpy` call; for the one- to ten-byte
/// pieces a number becomes, pushing the bytes is several times faster.
pub fn append<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<()> {
    postcard::serialize_with_flavor(value, Append(out)).context("serializing a message")
}

struct Append<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        if bytes.len() <= 16 {
            bytes.iter().for_each(|&b| self.0.push(b));
        } else {
            self.0.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Serializes `value` as one frame into `frame`, replacing what it held but keeping its capacity.
pub fn encode_into<T: Serialize + ?Sized>(value: &T, frame: &mut Vec<u8>) -> Result<()> {
    frame.clear();
    frame.extend_from_slice(&[0; HEADER]);
    append(value, frame)?;
    seal(frame)
}

// ---- The one frame layer: every stream of this crate (a pipe, a queue, a pool worker's socket,
// the hand-off of a child's argument) writes its length this way and reads it back here. ----

/// The header of a frame whose payload is `len` bytes; over [`MAX_FRAME`] is an error.
pub(crate) fn header(len: usize) -> Result<[u8; HEADER]> {
    if len > MAX_FRAME {
        return Err(Error::TooLarge {
            len,
            limit: MAX_FRAME,
        });
    }
    Ok((len as u32).to_le_bytes())
}

/// Fills in the header of `frame`, which starts with [`HEADER`] bytes of room for it.
pub(crate) fn seal(frame: &mut [u8]) -> Result<()> {
    let header = header(frame.len() - HEADER)?;
    frame[..HEADER].copy_from_slice(&header);
    Ok(())
}

/// The payload length a header announces; over [`MAX_FRAME`] means the stream is corrupt (or
/// not ours), and nothing is allocated for it.
pub(crate) fn announced(header: [u8; HEADER]) -> Result<usize> {
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_FRAME {
        return Err(Error::Protocol(format!("corrupt message: length {len}")));
    }
    Ok(len)
}

/// Reads one frame's payload into `buffer` (grown as needed, never shrunk, so a stream of large
/// frames does not page-fault anew); returns its length, or `None` if the stream ended before the
/// frame began: closed, or reset by a peer that is gone (which is how a socket whose peer died
/// with unread data ends).
pub(crate) fn read_into(from: &mut impl Read, buffer: &mut Vec<u8>) -> Result<Option<usize>> {
    let mut header = [0; HEADER];
    match from.read_exact(&mut header) {
        Ok(()) => {}
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e).context("reading a message header"),
    }
    let len = announced(header)?;
    read_payload(from, len, buffer)?;
    Ok(Some(len))
}

/// Reads the `len`-byte payload of a frame whose header was read, into `buffer[..len]`.
pub(crate) fn read_payload(from: &mut impl Read, len: usize, buffer: &mut Vec<u8>) -> Result<()> {
    if buffer.len() < len {
        buffer.resize(len, 0);
    }
    from.read_exact(&mut buffer[..len])
        .context("the sender stopped in the middle of a message")
}

/// [`encode_into`], with `Vec<u8>` sent as bytes (see the module docs).
pub fn encode_message<T: Serialize + 'static>(value: &T, frame: &mut Vec<u8>) -> Result<()> {
    match (value as &dyn Any).downcast_ref::<Vec<u8>>() {
        Some(bytes) => encode_into(serde_bytes::Bytes::new(bytes), frame),
        None => encode_into(value, frame),
    }
}

/// Decodes one frame's payload, with `Vec<u8>` read as bytes (see the module docs).
pub fn decode_message<T: DeserializeOwned + 'static>(payload: &[u8]) -> Result<T> {
    if TypeId::of::<T>() == TypeId::of::<Vec<u8>>() {
        let bytes: serde_bytes::ByteBuf =
            postcard::from_bytes(payload).context("decoding a message")?;
        let boxed: Box<dyn Any> = Box::new(bytes.into_vec());
        return Ok(*boxed.downcast::<T>().expect("T is Vec<u8>"));
    }
    postcard::from_bytes(payload).context("decoding a message")
}

/// Appends a batch of items: a varint count, then the items. Numbers (`u64`, `i64`, `u32`,
/// `i32`, `f64`, `f32`, `i128`, `u128`) go as fixed-width little-endian values, which both sides copy rather than
/// encode (postcard's varints cost a few nanoseconds each); anything else as postcard. Both ends
/// know the item type, so they always agree on the form: read it back with [`BatchReader`].
pub fn append_batch<T: Serialize + 'static>(items: &[T], out: &mut Vec<u8>) -> Result<()> {
    append(&items.len(), out)?;
    if plain_number::<T>() {
        // SAFETY: `T` is one of the number types `plain_number` lists: no padding, every byte
        // initialized, so its slice can be read as `size_of_val(items)` bytes. On a
        // little-endian machine they are already the little-endian values `append_item` writes.
        let bytes =
            unsafe { std::slice::from_raw_parts(items.as_ptr().cast::<u8>(), size_of_val(items)) };
        out.extend_from_slice(bytes);
        return Ok(());
    }
    items.iter().try_for_each(|item| append_item(item, out))
}

/// Whether `T` is a number a batch carries as its fixed-width little-endian bytes, on a machine
/// whose own order is little-endian: then a whole batch is one copy each way.
fn plain_number<T: 'static>() -> bool {
    let id = TypeId::of::<T>();
    cfg!(target_endian = "little")
        && [
            TypeId::of::<u64>(),
            TypeId::of::<i64>(),
            TypeId::of::<u32>(),
            TypeId::of::<i32>(),
            TypeId::of::<f64>(),
            TypeId::of::<f32>(),
            TypeId::of::<i128>(),
            TypeId::of::<u128>(),
        ]
        .contains(&id)
}

/// Appends one item of a batch whose count was written already (see [`append_batch`]).
#[inline]
pub fn append_item<T: Serialize + 'static>(item: &T, out: &mut Vec<u8>) -> Result<()> {
    if !plain_number::<T>() {
        return append_encoded_item(item, out);
    }
    // SAFETY: as in `append_batch`: a plain number's bytes, all initialized, already in the
    // little-endian order the batch carries.
    let bytes = unsafe {
        std::slice::from_raw_parts(std::ptr::from_ref(item).cast::<u8>(), size_of::<T>())
    };
    out.extend_from_slice(bytes);
    Ok(())
}

/// [`append_item`] for an item that is not a plain number (kept apart, so that the plain path
/// inlines into a caller's loop).
fn append_encoded_item<T: Serialize + 'static>(item: &T, out: &mut Vec<u8>) -> Result<()> {
    macro_rules! fixed {
        ($($t:ty)*) => {$(
            if let Some(number) = (item as &dyn Any).downcast_ref::<$t>() {
                out.extend_from_slice(&number.to_le_bytes());
                return Ok(());
            }
        )*};
    }
    fixed! { u64 i64 u32 i32 f64 f32 i128 u128 }
    append(item, out)
}

/// Reads back, one item at a time, a batch written by [`append_batch`].
pub struct BatchReader<'a, T> {
    rest: &'a [u8],
    left: usize,
    _items: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T: DeserializeOwned + 'static> BatchReader<'a, T> {
    /// A reader of the batch at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        let (left, rest) = postcard::take_from_bytes::<usize>(bytes).context("decoding a batch")?;
        Ok(Self {
            rest,
            left,
            _items: std::marker::PhantomData,
        })
    }

    /// How many items are left.
    pub fn len(&self) -> usize {
        self.left
    }

    /// Whether no item is left.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// The next item, or `None` after the last.
    #[inline]
    pub fn next_item(&mut self) -> Result<Option<T>> {
        if self.left == 0 {
            return Ok(None);
        }
        if !plain_number::<T>() {
            return self.next_decoded();
        }
        self.left -= 1;
        let (bytes, rest) = self
            .rest
            .split_at_checked(size_of::<T>())
            .context("a batch ended early")?;
        self.rest = rest;
        // SAFETY: `T` is a plain number type (`plain_number`): any `size_of::<T>()` bytes are a
        // valid value, in this machine's (little-endian) order, as `append_item` wrote it; `bytes`
        // holds exactly that many, read unaligned.
        Ok(Some(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() }))
    }

    /// [`next_item`](Self::next_item) for an item that is not a plain number (kept apart, so
    /// that the plain path inlines into a caller's loop).
    fn next_decoded(&mut self) -> Result<Option<T>> {
        self.left -= 1;
        let mut item: Option<T> = None;
        macro_rules! fixed {
            ($($t:ty)*) => {$(
                if let Some(slot) = (&mut item as &mut dyn Any).downcast_mut::<Option<$t>>() {
                    let (bytes, rest) = self
                        .rest
                        .split_first_chunk::<{ size_of::<$t>() }>()
                        .context("a batch ended early")?;
                    *slot = Some(<$t>::from_le_bytes(*bytes));
                    self.rest = rest;
                    return Ok(item);
                }
            )*};
        }
        fixed! { u64 i64 u32 i32 f64 f32 i128 u128 }
        let (value, rest) =
            postcard::take_from_bytes::<T>(self.rest).context("decoding a batch")?;
        self.rest = rest;
        Ok(Some(value))
    }

    /// Every item left, in a vector.
    pub fn collect_all(self) -> Result<Vec<T>> {
        let mut items = Vec::new();
        self.read_all_into(&mut items)?;
        Ok(items)
    }

    /// Appends every item left to `out`: a batch of plain numbers in one copy.
    pub fn read_all_into(mut self, out: &mut Vec<T>) -> Result<()> {
        if plain_number::<T>() {
            let len = self
                .left
                .checked_mul(size_of::<T>())
                .filter(|&len| len <= self.rest.len())
                .context("a batch ended early")?;
            out.reserve(self.left);
            let to = out.spare_capacity_mut();
            // SAFETY: `to` has room for `left` items, `len` bytes (reserved above), and `rest`
            // holds `len` bytes (checked above); the two do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(self.rest.as_ptr(), to.as_mut_ptr().cast::<u8>(), len)
            };
            // SAFETY: `T` is a plain number type (`plain_number`): any bytes are a valid value,
            // in this machine's (little-endian) order, as `append_batch` wrote them; the `left`
            // items after the length were just initialized by the copy.
            unsafe { out.set_len(out.len() + self.left) };
            return Ok(());
        }
        out.reserve(self.left.min(self.rest.len()));
        while let Some(item) = self.next_item()? {
            out.push(item);
        }
        Ok(())
    }
}

/// Writes `value` as one frame.
pub fn write<T: Serialize + ?Sized>(to: &mut impl Write, value: &T) -> Result<()> {
    to.write_all(&encode(value)?).context("writing a message")
}

/// Reads one frame; `None` if the stream ended before it (closed, or reset by a peer that is
/// gone).
pub fn read<T: DeserializeOwned>(from: &mut impl Read) -> Result<Option<T>> {
    let mut payload = Vec::new();
    let Some(len) = read_into(from, &mut payload)? else {
        return Ok(None);
    };
    postcard::from_bytes(&payload[..len])
        .context("decoding a message")
        .map(Some)
}

/// Bytes read from a stream and not yet decoded: frames are taken off the front without moving
/// the rest (the space is reused once everything is taken, or when a read needs room).
#[derive(Debug, Default)]
pub struct FrameBuffer {
    /// Always fully initialized; `start..end` holds the unread bytes.
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl FrameBuffer {
    /// Whether no byte is waiting.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether a whole frame is waiting.
    pub fn has_frame(&self) -> Result<bool> {
        Ok(self.frame_end()?.is_some())
    }

    /// Reads once from `from` into the buffer, making room for at least the frame in progress.
    /// Returns what `read` returned.
    pub fn read_from(&mut self, from: &mut impl Read) -> std::io::Result<usize> {
        self.read_some(from).map(|(read, _)| read)
    }

    /// [`read_from`](Self::read_from), also saying whether the read filled all the room it was
    /// offered: from a pipe, a read that did not has taken everything the pipe held.
    pub fn read_some(&mut self, from: &mut impl Read) -> std::io::Result<(usize, bool)> {
        let waiting = self.end - self.start;
        let wanted = match self.data.get(self.start..self.start + HEADER) {
            Some(header) => {
                match u32::from_le_bytes(header.try_into().expect("4 bytes")) as usize {
                    // A corrupt length is reported by `take`; never grow for it.
                    len if len > MAX_FRAME => waiting + 64 * 1024,
                    len => (HEADER + len).max(waiting + 64 * 1024),
                }
            }
            None => waiting + 64 * 1024,
        };
        if self.data.len() - self.start < wanted {
            // Move what is waiting to the front; grow if that is not enough.
            self.data.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, waiting);
            if self.data.len() < wanted {
                self.data.resize(wanted.next_power_of_two(), 0);
            }
        }
        let room = self.data.len() - self.end;
        let read = from.read(&mut self.data[self.end..])?;
        self.end += read;
        Ok((read, read == room))
    }

    /// Takes one whole frame off the front, if one is there.
    pub fn take<T: DeserializeOwned + 'static>(&mut self) -> Result<Option<T>> {
        match self.take_raw()? {
            None => Ok(None),
            Some(Taken::Message(payload)) => decode_message(payload).map(Some),
            Some(Taken::Marker(_)) => Err(Error::Protocol(
                "a ring marker on a stream that has no ring".into(),
            )),
        }
    }

    /// Takes one whole frame off the front, if one is there, undecoded: a message's payload, or
    /// the payload of a marker frame (a queue's large-message path).
    pub(crate) fn take_raw(&mut self) -> Result<Option<Taken<'_>>> {
        let Some(end) = self.frame_end()? else {
            return Ok(None);
        };
        let header = u32::from_le_bytes(
            self.data[self.start..self.start + HEADER]
                .try_into()
                .expect("4 bytes"),
        );
        let payload = self.start + HEADER..end;
        self.start = end;
        if self.start == self.end {
            (self.start, self.end) = (0, 0); // Still holds the bytes: nothing is read until later.
        }
        let bytes = &self.data[payload];
        Ok(Some(if header & MARKER_FLAG != 0 {
            Taken::Marker(bytes)
        } else {
            Taken::Message(bytes)
        }))
    }

    fn frame_end(&self) -> Result<Option<usize>> {
        let Some(header) = self.data[self.start..self.end].first_chunk::<HEADER>() else {
            return Ok(None);
        };
        let end = self.start + HEADER + payload_len(*header)?;
        Ok((end <= self.end).then_some(end))
    }
}

/// A frame as [`FrameBuffer::take_raw`] gives it.
pub(crate) enum Taken<'a> {
    /// A message's payload.
    Message(&'a [u8]),
    /// A marker's payload: where a queue's ring holds the message.
    Marker(&'a [u8]),
}

/// The high bit of a frame's length marks a marker frame (a frame's length never reaches it:
/// [`MAX_FRAME`] is 2³⁰).
pub(crate) const MARKER_FLAG: u32 = 1 << 31;

/// A marker frame for `payload`: the header with [`MARKER_FLAG`], then the payload.
pub(crate) fn marker_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER + payload.len());
    frame.extend_from_slice(&(payload.len() as u32 | MARKER_FLAG).to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

fn payload_len(header: [u8; HEADER]) -> Result<usize> {
    let len = (u32::from_le_bytes(header) & !MARKER_FLAG) as usize;
    if len > MAX_FRAME {
        return Err(Error::Protocol(format!(
            "corrupt message: length {len} exceeds the {MAX_FRAME}-byte limit"
        )));
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_of_numbers_is_copied_whole_and_read_back_the_same_as_any_other() {
        fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug + 'static>(
            items: &[T],
        ) -> Vec<T> {
            let mut bytes = Vec::new();
            append_batch(items, &mut bytes).unwrap();
            BatchReader::<T>::new(&bytes)
                .unwrap()
                .collect_all()
                .unwrap()
        }
        let numbers: Vec<i64> = vec![-1, 0, i64::MAX, i64::MIN, 7];
        assert_eq!(round_trip(&numbers), numbers);
        assert_eq!(round_trip(&[1.5f64, -0.0, f64::MAX]), [1.5, -0.0, f64::MAX]);
        assert_eq!(round_trip(&[u128::MAX, 1]), [u128::MAX, 1]);
        let words = ["a".to_owned(), String::new(), "ccc".to_owned()];
        assert_eq!(round_trip(&words), words);
        // The same bytes one item at a time as in one copy: 8 bytes an i64, little-endian.
        let mut bytes = Vec::new();
        append_batch(&numbers, &mut bytes).unwrap();
        assert_eq!(bytes.len(), 1 + 8 * numbers.len());
        assert_eq!(bytes[1..9], (-1i64).to_le_bytes());
        // A batch cut short is an error, not a read past its end.
        let cut = BatchReader::<i64>::new(&bytes[..bytes.len() - 1]).unwrap();
        assert!(cut.collect_all().is_err());
    }

    /// A reader that fails with `kind` at once.
    struct Failing(std::io::ErrorKind);

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
    }

    #[test]
    fn a_closed_or_reset_stream_is_an_end_and_other_errors_are_errors() {
        let mut buffer = Vec::new();
        for gone in [
            std::io::ErrorKind::UnexpectedEof,
            std::io::ErrorKind::ConnectionReset,
        ] {
            assert!(matches!(
                read_into(&mut Failing(gone), &mut buffer),
                Ok(None)
            ));
        }
        assert!(read_into(&mut &[][..], &mut buffer).unwrap().is_none());
        let other = read_into(
            &mut Failing(std::io::ErrorKind::PermissionDenied),
            &mut buffer,
        );
        assert!(other.is_err());
        // A corrupt length is refused before anything is allocated for it.
        let corrupt = read_into(&mut &u32::MAX.to_le_bytes()[..], &mut buffer).unwrap_err();
        assert_eq!(corrupt.to_string(), "corrupt message: length 4294967295");
        assert!(buffer.is_empty());
    }

    #[test]
    fn frames_round_trip_whole_and_in_pieces() {
        let mut stream = Vec::new();
        write(&mut stream, "hello").unwrap();
        write(&mut stream, &vec![1i64, -2, 3]).unwrap();
        let mut reader = stream.as_slice();
        assert_eq!(
            read::<String>(&mut reader).unwrap().as_deref(),
            Some("hello")
        );
        assert_eq!(read::<Vec<i64>>(&mut reader).unwrap(), Some(vec![1, -2, 3]));
        assert_eq!(read::<String>(&mut reader).unwrap(), None);

        let mut buffer = FrameBuffer::default();
        buffer.read_from(&mut &stream[..3]).unwrap();
        assert_eq!(buffer.take::<String>().unwrap(), None);
        buffer.read_from(&mut &stream[3..]).unwrap();
        assert_eq!(buffer.take::<String>().unwrap().as_deref(), Some("hello"));
        assert_eq!(buffer.take::<Vec<i64>>().unwrap(), Some(vec![1, -2, 3]));
        assert!(buffer.is_empty());
    }

    #[test]
    fn bytes_take_the_fast_path_with_the_same_wire_format() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut fast = Vec::new();
        encode_message(&bytes, &mut fast).unwrap();
        assert_eq!(
            fast,
            encode(&bytes).unwrap(),
            "same bytes as serde's sequence"
        );
        assert_eq!(decode_message::<Vec<u8>>(&fast[HEADER..]).unwrap(), bytes);
    }

    #[test]
    fn batches_of_numbers_and_of_other_values_round_trip() {
        let mut out = Vec::new();
        append_batch(&[1u64, u64::MAX, 0], &mut out).unwrap();
        assert_eq!(out.len(), 1 + 3 * 8, "fixed width");
        let back = BatchReader::<u64>::new(&out)
            .unwrap()
            .collect_all()
            .unwrap();
        assert_eq!(back, [1, u64::MAX, 0]);
        out.clear();
        append_batch(&["a".to_owned(), "bc".to_owned()], &mut out).unwrap();
        let back = BatchReader::<String>::new(&out)
            .unwrap()
            .collect_all()
            .unwrap();
        assert_eq!(back, ["a", "bc"]);
        assert!(
            BatchReader::<u64>::new(&[5, 0])
                .unwrap()
                .collect_all()
                .is_err()
        );
    }

    #[test]
    fn truncated_and_oversized_frames_are_errors() {
        let frame = encode("hello").unwrap();
        assert!(read::<String>(&mut &frame[..6]).is_err());
        let mut buffer = FrameBuffer::default();
        buffer.read_from(&mut &u32::MAX.to_le_bytes()[..]).unwrap();
        assert!(buffer.take::<String>().is_err());
    }
}
