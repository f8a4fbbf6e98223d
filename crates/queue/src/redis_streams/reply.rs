//! Reading the parts of Redis replies the backend uses.

use std::time::Duration;

use redis::Value;

use crate::QueueError;

fn protocol(operation: &'static str, detail: String) -> QueueError {
    QueueError::Protocol {
        backend: "redis",
        operation,
        detail,
    }
}

pub(super) fn array(value: Value, operation: &'static str) -> Result<Vec<Value>, QueueError> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(protocol(
            operation,
            format!("expected an array, got {other:?}"),
        )),
    }
}

pub(super) fn int(value: &Value, operation: &'static str) -> Result<i64, QueueError> {
    match value {
        Value::Int(n) => Ok(*n),
        Value::BulkString(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| protocol(operation, format!("expected an integer, got {b:?}"))),
        other => Err(protocol(
            operation,
            format!("expected an integer, got {other:?}"),
        )),
    }
}

pub(super) fn count(value: &Value, operation: &'static str) -> Result<u64, QueueError> {
    let n = int(value, operation)?;
    u64::try_from(n).map_err(|_| protocol(operation, format!("negative count {n}")))
}

pub(super) fn bytes(value: Value, operation: &'static str) -> Result<Vec<u8>, QueueError> {
    match value {
        Value::BulkString(b) => Ok(b),
        Value::SimpleString(s) => Ok(s.into_bytes()),
        other => Err(protocol(
            operation,
            format!("expected a string, got {other:?}"),
        )),
    }
}

pub(super) fn string(value: Value, operation: &'static str) -> Result<String, QueueError> {
    String::from_utf8(bytes(value, operation)?)
        .map_err(|e| protocol(operation, format!("not UTF-8: {e}")))
}

pub(super) fn optional_string(
    value: Value,
    operation: &'static str,
) -> Result<Option<String>, QueueError> {
    match value {
        Value::Nil | Value::Boolean(false) => Ok(None),
        other => string(other, operation).map(Some),
    }
}

/// A stream entry's fields, flat (`name value name value ...`) or as a map.
pub(super) fn fields(
    value: Value,
    operation: &'static str,
) -> Result<Vec<(String, Vec<u8>)>, QueueError> {
    let pairs: Vec<(Value, Value)> = match value {
        Value::Map(pairs) => pairs,
        other => {
            let mut flat = array(other, operation)?.into_iter();
            let mut pairs = Vec::new();
            while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
                pairs.push((k, v));
            }
            pairs
        }
    };
    pairs
        .into_iter()
        .map(|(k, v)| Ok((string(k, operation)?, bytes(v, operation)?)))
        .collect()
}

/// The Unix ms part of a stream entry id (`<ms>-<seq>`).
pub(super) fn entry_time_ms(id: &str) -> Option<i64> {
    id.split_once('-').and_then(|(ms, _)| ms.parse().ok())
}

/// Age of an entry at `now_ms` (server time).
pub(super) fn entry_age(id: &str, now_ms: i64) -> Option<Duration> {
    entry_time_ms(id).map(|t| Duration::from_millis(u64::try_from(now_ms - t).unwrap_or(0)))
}
