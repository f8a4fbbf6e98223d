use serde_json::Value;
use sha2::{Digest, Sha256};

/// What a whole-SBOM analysis depends on: the same four give the same
/// result, so they make the `sbom:` key.
#[derive(Debug, Clone, PartialEq)]
pub struct SbomKey<'a> {
    /// SHA-256 of the submitted bytes.
    pub content_sha256: [u8; 32],
    /// The device context, when one was given.
    pub device_context: Option<&'a Value>,
    pub kb_generation: i64,
    pub model_version: &'a str,
}

impl SbomKey<'_> {
    /// Hex SHA-256 over the four parts. The device context is hashed in a
    /// canonical form (object keys sorted, no white space), so the same
    /// context written differently hits the same entry.
    pub fn to_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.content_sha256);
        hasher.update([0]);
        if let Some(context) = self.device_context {
            hasher.update(canonical(context).as_bytes());
        }
        hasher.update([0]);
        hasher.update(self.kb_generation.to_be_bytes());
        hasher.update(self.model_version.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Compact JSON with object keys sorted at every level (written out here
/// because serde_json keeps insertion order when any crate in the build
/// enables its `preserve_order` feature).
fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
