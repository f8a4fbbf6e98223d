use medsec_engine::DeviceContext;
use serde_json::Value;

/// A device context as the engine reads it (`device-class`,
/// `network-exposure`, `patient-contact`, `handles-phi`), from a JSON object
/// or from query parameters of the same names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceContextInput(DeviceContext);

const QUERY_KEYS: [&str; 4] = [
    "device-class",
    "network-exposure",
    "patient-contact",
    "handles-phi",
];

impl DeviceContextInput {
    pub fn from_json_value(value: Value, source: &str) -> Result<DeviceContextInput, String> {
        serde_json::from_value::<DeviceContext>(value)
            .map(DeviceContextInput)
            .map_err(|e| format!("{source}: {e}"))
    }

    pub fn from_json_bytes(bytes: &[u8], source: &str) -> Result<DeviceContextInput, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("{source}: {e}"))?;
        DeviceContextInput::from_json_value(value, source)
    }

    /// From the query string; `None` when none of the keys is present.
    pub fn from_query(query: &str) -> Result<Option<DeviceContextInput>, String> {
        let mut object = serde_json::Map::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !QUERY_KEYS.contains(&key) {
                continue;
            }
            let value = match (key, value) {
                ("patient-contact" | "handles-phi", "true") => Value::Bool(true),
                ("patient-contact" | "handles-phi", "false") => Value::Bool(false),
                ("patient-contact" | "handles-phi", other) => {
                    return Err(format!(
                        "query parameter {key}: {other:?} is not true or false"
                    ))
                }
                (_, other) => Value::String(other.to_owned()),
            };
            object.insert(key.to_owned(), value);
        }
        if object.is_empty() {
            return Ok(None);
        }
        DeviceContextInput::from_json_value(Value::Object(object), "query").map(Some)
    }

    pub fn context(&self) -> &DeviceContext {
        &self.0
    }

    /// The canonical JSON stored with the job and hashed into its
    /// fingerprint.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(&self.0).unwrap_or(Value::Null)
    }
}
