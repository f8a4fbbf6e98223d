//! Idempotent submissions. A request's fingerprint is the SHA-256 of what
//! the job depends on (kind, input bytes, device context); the store keeps
//! `(tenant, Idempotency-Key)` unique, so:
//!
//! * same key, same fingerprint: the first job is answered again (202,
//!   `Idempotent-Replayed: true`), nothing new is stored or enqueued;
//! * same key, different fingerprint: 422 problem `idempotency-key-reused`
//!   naming the first job;
//! * a key whose submission was refused (queue full) left no row, so a retry
//!   with it creates the job then.

use actix_web::http::StatusCode;
use medsec_store::jobs::{Job, JobKind};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::problem::Problem;

/// The request fingerprint stored with the job.
pub fn fingerprint(kind: JobKind, input: &[u8], device: Option<&Value>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_str().as_bytes());
    hasher.update([0]);
    hasher.update((input.len() as u64).to_be_bytes());
    hasher.update(input);
    if let Some(device) = device {
        hasher.update(device.to_string().as_bytes());
    }
    hasher.finalize().into()
}

pub fn key_reused(key: &str, earlier: &Job) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
        format!(
            "Idempotency-Key {key:?} was used for a different request (job {}); \
             use a new key for a new request",
            earlier.id
        ),
    )
    .with("job_id", earlier.id)
}
