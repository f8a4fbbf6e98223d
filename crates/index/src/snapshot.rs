//! The snapshot file: one versioned, checksummed file holding an index.
//!
//! Layout (integers little-endian):
//!
//! | bytes | field |
//! | --- | --- |
//! | 8 | magic `MEDSECIX` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 8 | knowledge-base generation |
//! | 8 | length of the tables |
//! | 8 | length of the record store |
//! | 4 | CRC-32 (IEEE) of the 28 bytes above it (after the magic) and the payload |
//! | n | payload: the lookup tables (postcard), then the record store |
//!
//! The tables are sorted, and the store holds each record postcard-encoded
//! in (id, source) order, so equal record sets give equal bytes. Loading
//! checks the checksum and decodes the tables only; the file buffer
//! becomes the record store, and a record is decoded when it is read.

use std::io::{Read, Write};
use std::path::Path;

use crate::index::{Index, Store, Tables};

pub const MAGIC: [u8; 8] = *b"MEDSECIX";
/// Raised whenever the payload's layout changes.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 40;

/// Why a snapshot could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot I/O failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a MedSec index snapshot: the file does not start with `MEDSECIX`")]
    NotASnapshot,
    #[error("snapshot header is cut off: {found} of {HEADER_LEN} bytes")]
    TruncatedHeader { found: usize },
    #[error(
        "snapshot format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("snapshot is truncated: the header announces {expected} payload bytes, the file has {found}")]
    Truncated { expected: u64, found: u64 },
    #[error("snapshot has {extra} unexpected byte(s) after the payload")]
    TrailingBytes { extra: u64 },
    #[error(
        "snapshot is corrupted: checksum {found:08x} does not match the header's {expected:08x}"
    )]
    ChecksumMismatch { expected: u32, found: u32 },
    #[error("snapshot payload does not decode: {0}")]
    Decode(String),
    #[error("snapshot payload is inconsistent: {0}")]
    Inconsistent(String),
    #[error("index could not be encoded: {0}")]
    Encode(String),
}

fn checksum(header_fields: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(header_fields);
    h.update(payload);
    h.finalize()
}

/// The snapshot bytes of an index.
pub fn to_snapshot_bytes(index: &Index) -> Result<Vec<u8>, SnapshotError> {
    let tables =
        postcard::to_allocvec(&index.tables).map_err(|e| SnapshotError::Encode(e.to_string()))?;
    let store = index.store.arena();
    let mut out = Vec::with_capacity(HEADER_LEN + tables.len() + store.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&index.generation().to_le_bytes());
    out.extend_from_slice(&(tables.len() as u64).to_le_bytes());
    out.extend_from_slice(&(store.len() as u64).to_le_bytes());
    let crc = {
        let mut h = crc32fast::Hasher::new();
        h.update(out.get(MAGIC.len()..).unwrap_or(&[]));
        h.update(&tables);
        h.update(store);
        h.finalize()
    };
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&tables);
    out.extend_from_slice(store);
    Ok(out)
}

/// Writes the snapshot of `index` to `w`.
pub fn write_snapshot(index: &Index, mut w: impl Write) -> Result<(), SnapshotError> {
    w.write_all(&to_snapshot_bytes(index)?)?;
    w.flush()?;
    Ok(())
}

struct Header {
    generation: u64,
    tables_len: u64,
    store_len: u64,
    crc: u32,
}

fn header(bytes: &[u8]) -> Result<Header, SnapshotError> {
    let magic_part = bytes.get(..MAGIC.len().min(bytes.len())).unwrap_or(&[]);
    if magic_part.is_empty() || !MAGIC.starts_with(magic_part) {
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
        generation: u64_at(12),
        tables_len: u64_at(20),
        store_len: u64_at(28),
        crc: u32_at(36),
    })
}

/// The generation a snapshot states, from its header alone (the payload
/// is not checked).
pub fn snapshot_generation(bytes: &[u8]) -> Result<u64, SnapshotError> {
    header(bytes).map(|h| h.generation)
}

/// Reads an index from snapshot bytes (copied; see [`from_snapshot_vec`]).
pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Index, SnapshotError> {
    from_snapshot_vec(bytes.to_vec())
}

/// Reads an index from a snapshot buffer, which becomes its record store.
/// Magic, version, lengths and checksum are checked before decoding.
pub fn from_snapshot_vec(bytes: Vec<u8>) -> Result<Index, SnapshotError> {
    let h = header(&bytes)?;
    let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let found = payload.len() as u64;
    let expected = h.tables_len.saturating_add(h.store_len);
    if found < expected {
        return Err(SnapshotError::Truncated { expected, found });
    }
    if found > expected {
        return Err(SnapshotError::TrailingBytes {
            extra: found - expected,
        });
    }
    let crc = checksum(bytes.get(MAGIC.len()..36).unwrap_or(&[]), payload);
    if crc != h.crc {
        return Err(SnapshotError::ChecksumMismatch {
            expected: h.crc,
            found: crc,
        });
    }
    // Both lengths fit: their sum is the payload length, a usize.
    let tables_len = usize::try_from(h.tables_len).unwrap_or(usize::MAX);
    let tables_bytes = payload.get(..tables_len).unwrap_or(&[]);
    let tables: Tables =
        postcard::from_bytes(tables_bytes).map_err(|e| SnapshotError::Decode(e.to_string()))?;
    let start = HEADER_LEN.saturating_add(tables_len);
    let index = Index::from_parts(h.generation, tables, Store::new(bytes, start));
    index
        .check_references()
        .map_err(SnapshotError::Inconsistent)?;
    Ok(index)
}

/// Reads an index from a snapshot stream (read to its end).
pub fn read_snapshot(mut r: impl Read) -> Result<Index, SnapshotError> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)?;
    from_snapshot_vec(bytes)
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
    from_snapshot_vec(std::fs::read(path)?)
}
