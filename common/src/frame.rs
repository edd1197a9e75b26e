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

use std::any::{Any, TypeId};
use std::io::{ErrorKind, Read, Write};

use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame a reader accepts, so that a corrupt length cannot ask for terabytes.
pub const MAX_FRAME: usize = 1 << 30;

const HEADER: usize = 4;

/// Serializes `value` into one frame: its length, then its postcard bytes.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut frame = Vec::new();
    encode_into(value, &mut frame)?;
    Ok(frame)
}

/// Serializes `value` as one frame into `frame`, replacing what it held but keeping its capacity.
pub fn encode_into<T: Serialize + ?Sized>(value: &T, frame: &mut Vec<u8>) -> Result<()> {
    frame.clear();
    frame.extend_from_slice(&[0; HEADER]);
    *frame = postcard::to_extend(value, std::mem::take(frame)).context("serializing a message")?;
    let len = frame.len() - HEADER;
    ensure!(
        len <= MAX_FRAME,
        "a {len}-byte message is larger than the {MAX_FRAME}-byte limit"
    );
    frame[..HEADER].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(())
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

/// Writes `value` as one frame.
pub fn write<T: Serialize + ?Sized>(to: &mut impl Write, value: &T) -> Result<()> {
    to.write_all(&encode(value)?).context("writing a message")
}

/// Reads one frame; `None` if the stream ended cleanly before it.
pub fn read<T: DeserializeOwned>(from: &mut impl Read) -> Result<Option<T>> {
    let mut header = [0; HEADER];
    match from.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e).context("reading a message header"),
    }
    let len = payload_len(header)?;
    let mut payload = vec![0; len];
    from.read_exact(&mut payload)
        .context("the sender stopped in the middle of a message")?;
    postcard::from_bytes(&payload)
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
        let read = from.read(&mut self.data[self.end..])?;
        self.end += read;
        Ok(read)
    }

    /// Takes one whole frame off the front, if one is there.
    pub fn take<T: DeserializeOwned + 'static>(&mut self) -> Result<Option<T>> {
        let Some(end) = self.frame_end()? else {
            return Ok(None);
        };
        let value = decode_message(&self.data[self.start + HEADER..end]);
        self.start = end;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        value.map(Some)
    }

    fn frame_end(&self) -> Result<Option<usize>> {
        let Some(header) = self.data[self.start..self.end].first_chunk::<HEADER>() else {
            return Ok(None);
        };
        let end = self.start + HEADER + payload_len(*header)?;
        Ok((end <= self.end).then_some(end))
    }
}

fn payload_len(header: [u8; HEADER]) -> Result<usize> {
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_FRAME {
        bail!("corrupt message: length {len} exceeds the {MAX_FRAME}-byte limit");
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn truncated_and_oversized_frames_are_errors() {
        let frame = encode("hello").unwrap();
        assert!(read::<String>(&mut &frame[..6]).is_err());
        let mut buffer = FrameBuffer::default();
        buffer.read_from(&mut &u32::MAX.to_le_bytes()[..]).unwrap();
        assert!(buffer.take::<String>().is_err());
    }
}
