//! Length-prefixed postcard frames: how values cross a process boundary.
//!
//! Python pickles what it sends to another process; we serialize with serde + postcard and put the
//! length in front (4 bytes, little-endian) so the reader knows where one value ends.

use std::io::{ErrorKind, Read, Write};

use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame a reader accepts, so that a corrupt length cannot ask for terabytes.
pub const MAX_FRAME: usize = 1 << 30;

const HEADER: usize = 4;

/// Serializes `value` into one frame: its length, then its postcard bytes.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut frame = postcard::to_extend(value, vec![0; HEADER]).context("serializing a message")?;
    let len = frame.len() - HEADER;
    ensure!(
        len <= MAX_FRAME,
        "a {len}-byte message is larger than the {MAX_FRAME}-byte limit"
    );
    frame[..HEADER].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(frame)
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

/// Takes one whole frame off the front of `buf`, if one is there.
pub fn take<T: DeserializeOwned>(buf: &mut Vec<u8>) -> Result<Option<T>> {
    let Some(header) = buf.first_chunk::<HEADER>() else {
        return Ok(None);
    };
    let end = HEADER + payload_len(*header)?;
    if buf.len() < end {
        return Ok(None);
    }
    let value = postcard::from_bytes(&buf[HEADER..end]).context("decoding a message")?;
    buf.drain(..end);
    Ok(Some(value))
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

        let mut buf = stream[..3].to_vec();
        assert_eq!(take::<String>(&mut buf).unwrap(), None);
        buf.extend_from_slice(&stream[3..]);
        assert_eq!(take::<String>(&mut buf).unwrap().as_deref(), Some("hello"));
        assert_eq!(take::<Vec<i64>>(&mut buf).unwrap(), Some(vec![1, -2, 3]));
        assert!(buf.is_empty());
    }

    #[test]
    fn truncated_and_oversized_frames_are_errors() {
        let frame = encode("hello").unwrap();
        assert!(read::<String>(&mut &frame[..6]).is_err());
        let mut huge = u32::MAX.to_le_bytes().to_vec();
        assert!(take::<String>(&mut huge).is_err());
    }
}
