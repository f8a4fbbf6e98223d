//! The snapshot file: one versioned, checksummed file holding an index.
//!
//! Layout (integers little-endian):
//!
//! | bytes | field |
//! | --- | --- |
//! | 8 | magic `MEDSECIX` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 8 | knowledge-base generation |
//! | 8 | payload length |
//! | 4 | CRC-32 (IEEE) of the format version, generation, length and payload |
//! | n | payload: the index tables in postcard encoding |
//!
//! The payload is the sorted tables of the index, so equal record sets
//! give equal bytes, and loading is decoding only: no table is rebuilt.

use std::io::{Read, Write};
use std::path::Path;

use crate::index::{Index, IndexData};

pub const MAGIC: [u8; 8] = *b"MEDSECIX";
/// Raised whenever the payload's layout changes.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 32;

/// Why a snapshot could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot I/O failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a MedSec index snapshot: the file does not start with `MEDSECIX`")]
    NotASnapshot,
    #[error("snapshot header is cut off: {found} of {HEADER_LEN} bytes")]
    TruncatedHeader { found: usize },
    #[error("snapshot format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("snapshot is truncated: the header announces {expected} payload bytes, the file has {found}")]
    Truncated { expected: u64, found: u64 },
    #[error("snapshot has {extra} unexpected byte(s) after the payload")]
    TrailingBytes { extra: u64 },
    #[error("snapshot is corrupted: checksum {found:08x} does not match the header's {expected:08x}")]
    ChecksumMismatch { expected: u32, found: u32 },
    #[error("snapshot payload does not decode: {0}")]
    Decode(String),
    #[error("snapshot payload is inconsistent: {0}")]
    Inconsistent(String),
    #[error("index could not be encoded: {0}")]
    Encode(String),
}

fn checksum(version: u32, generation: u64, len: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&version.to_le_bytes());
    h.update(&generation.to_le_bytes());
    h.update(&len.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// The snapshot bytes of an index.
pub fn to_snapshot_bytes(index: &Index) -> Result<Vec<u8>, SnapshotError> {
    let payload =
        postcard::to_allocvec(&index.data).map_err(|e| SnapshotError::Encode(e.to_string()))?;
    let len = payload.len() as u64;
    let crc = checksum(FORMAT_VERSION, index.generation(), len, &payload);
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&index.generation().to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Writes the snapshot of `index` to `w`.
pub fn write_snapshot(index: &Index, mut w: impl Write) -> Result<(), SnapshotError> {
    w.write_all(&to_snapshot_bytes(index)?)?;
    w.flush()?;
    Ok(())
}

struct Header {
    version: u32,
    generation: u64,
    len: u64,
    crc: u32,
}

fn header(bytes: &[u8]) -> Result<Header, SnapshotError> {
    let magic_part = bytes.get(..MAGIC.len().min(bytes.len())).unwrap_or(&[]);
    if !MAGIC.starts_with(magic_part) || magic_part.is_empty() {
        return Err(SnapshotError::NotASnapshot);
    }
    let Some(h) = bytes.get(..HEADER_LEN) else {
        return Err(SnapshotError::TruncatedHeader { found: bytes.len() });
    };
    let u32_at = |i: usize| {
        h.get(i..i + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map_or(0, u32::from_le_bytes)
    };
    let u64_at = |i: usize| {
        h.get(i..i + 8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(SnapshotError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(Header {
        version,
        generation: u64_at(12),
        len: u64_at(20),
        crc: u32_at(28),
    })
}

/// The generation a snapshot states, from its header alone (the payload
/// is not checked).
pub fn snapshot_generation(bytes: &[u8]) -> Result<u64, SnapshotError> {
    header(bytes).map(|h| h.generation)
}

/// Reads an index from snapshot bytes, checking magic, version, length
/// and checksum before decoding.
pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Index, SnapshotError> {
    let h = header(bytes)?;
    let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let found = payload.len() as u64;
    if found < h.len {
        return Err(SnapshotError::Truncated {
            expected: h.len,
            found,
        });
    }
    if found > h.len {
        return Err(SnapshotError::TrailingBytes {
            extra: found - h.len,
        });
    }
    let crc = checksum(h.version, h.generation, h.len, payload);
    if crc != h.crc {
        return Err(SnapshotError::ChecksumMismatch {
            expected: h.crc,
            found: crc,
        });
    }
    let (data, rest): (IndexData, &[u8]) =
        postcard::take_from_bytes(payload).map_err(|e| SnapshotError::Decode(e.to_string()))?;
    if !rest.is_empty() {
        return Err(SnapshotError::Decode(format!(
            "{} byte(s) left over after the index",
            rest.len()
        )));
    }
    let index = Index::from_parts(h.generation, data);
    index
        .check_references()
        .map_err(SnapshotError::Inconsistent)?;
    Ok(index)
}

/// Reads an index from a snapshot stream (read to its end).
pub fn read_snapshot(mut r: impl Read) -> Result<Index, SnapshotError> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    from_snapshot_bytes(&bytes)
}

/// [`write_snapshot`] to a file, written whole under a temporary name and
/// then renamed, so a reader never sees half a snapshot.
pub fn write_snapshot_file(index: &Index, path: &Path) -> Result<(), SnapshotError> {
    let bytes = to_snapshot_bytes(index)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// [`read_snapshot`] from a file.
pub fn read_snapshot_file(path: &Path) -> Result<Index, SnapshotError> {
    from_snapshot_bytes(&std::fs::read(path)?)
}
