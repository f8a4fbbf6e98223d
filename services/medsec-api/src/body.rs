//! Request bodies read under the configured limit, so an oversized body is
//! refused with a 413 problem naming the limit, whether it announces its
//! length or streams.

use actix_web::http::{header, StatusCode};
use actix_web::HttpRequest;
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

use crate::problem::Problem;

pub fn too_large(part: &str, limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        format!("the {part} exceeds the limit of {limit} bytes (api.body_limit)"),
    )
    .with("limit", limit)
    .with("part", part)
}

/// Refuses at once a request whose Content-Length is over `limit`.
pub fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), Problem> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => Err(too_large("request body", limit)),
        _ => Ok(()),
    }
}

/// Collects a stream of chunks, failing once more than `limit` bytes came.
pub async fn collect<S, E>(mut stream: S, part: &str, limit: usize) -> Result<Bytes, Problem>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut buffer = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::bad_request("unreadable-body", format!("reading the {part}: {e}"))
                .with("part", part)
        })?;
        if buffer.len() + chunk.len() > limit {
            return Err(too_large(part, limit));
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}
