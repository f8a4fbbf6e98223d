//! Stable content hashes for idempotent, incremental imports.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// SHA-256 of a record's canonical serialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordHash(pub [u8; 32]);

impl fmt::Display for RecordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A record whose content hash is stable: the same content gives the same
/// hash across reads, processes and builds; any change of a field changes it.
pub trait ContentHash: Serialize {
    /// Distinguishes record types, so equal JSON of two types differs.
    const KIND: &'static str;

    fn content_hash(&self) -> RecordHash {
        let mut hasher = Sha256::new();
        hasher.update(b"medsec-kb/1\0");
        hasher.update(Self::KIND.as_bytes());
        hasher.update(b"\0");
        // Serialising to a `Value` first and writing it with sorted keys
        // keeps the bytes independent of struct field order and of
        // serde_json's `preserve_order` feature, which another crate in the
        // build may switch on.
        match serde_json::to_value(self) {
            Ok(v) => write_canonical(&v, &mut hasher),
            // Our record types have string keys only, so this cannot happen;
            // hash the message rather than panic.
            Err(e) => hasher.update(e.to_string().as_bytes()),
        }
        RecordHash(hasher.finalize().into())
    }
}

fn write_canonical(v: &serde_json::Value, h: &mut Sha256) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            h.update(b"{");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                h.update(Value::String(k.clone()).to_string().as_bytes());
                h.update(b":");
                if let Some(child) = map.get(k) {
                    write_canonical(child, h);
                }
            }
            h.update(b"}");
        }
        Value::Array(items) => {
            h.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                write_canonical(item, h);
            }
            h.update(b"]");
        }
        scalar => h.update(scalar.to_string().as_bytes()),
    }
}
