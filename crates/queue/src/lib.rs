//! Job queue: the protobuf job envelope, and Redis Streams and RabbitMQ
//! backends behind one trait, [`JobQueue`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), medsec_queue::QueueError> {
//! use std::time::Duration;
//! use medsec_queue::{connect, Backend, JobEnvelope, QueueSettings, RedisSettings};
//!
//! let queue = connect(&Backend::Redis(RedisSettings::url("redis://127.0.0.1:6379")),
//!                     QueueSettings::default()).await?;
//! let env = JobEnvelope { job_id: "0b6f…".into(), kind: "sbom-analysis".into(), attempt: 1,
//!                         ..Default::default() };
//! queue.enqueue(&env).await?;
//! for delivery in queue.reserve("sbom-analysis", "worker-1", 8, Duration::from_secs(5)).await? {
//!     // ... run the job, commit its result, then:
//!     queue.ack(&delivery).await?;
//! }
//! # Ok(()) }
//! ```

mod backoff;
mod connect;
mod delivery;
mod envelope;
mod error;
pub mod rabbitmq;
pub mod redis_streams;
mod settings;
mod stats;

use std::time::Duration;

use async_trait::async_trait;

pub use backoff::backoff_delay;
pub use connect::{connect, Backend};
pub use delivery::Delivery;
pub use envelope::{JobEnvelope, JobKind};
pub use error::QueueError;
pub use rabbitmq::RabbitMqSettings;
pub use redis_streams::{RedisSettings, RedisTarget};
pub use settings::QueueSettings;
pub use stats::{ConsumerStats, DeadLetter, RetryOutcome, StreamStats};

/// A durable job queue with one stream (or queue) per job kind.
///
/// Deliveries are at least once: a reserved job that is neither acknowledged,
/// extended nor retried within the visibility timeout goes to another
/// consumer, with its attempt counted. Job state lives in PostgreSQL; the
/// queue only carries envelopes.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// "redis" or "rabbitmq".
    fn backend(&self) -> &'static str;

    /// Adds a job. [`QueueError::Full`] when the kind's depth has reached
    /// [`QueueSettings::max_depth`]; nothing is added then.
    async fn enqueue(&self, envelope: &JobEnvelope) -> Result<(), QueueError>;

    /// Up to `max` jobs for `consumer`, waiting up to `block` for the first
    /// (`Duration::ZERO`: no wait). Jobs whose reservation outlived the
    /// visibility timeout come back here with their attempt counted; one
    /// that would exceed the attempt limit is dead-lettered instead.
    async fn reserve(
        &self,
        kind: &str,
        consumer: &str,
        max: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, QueueError>;

    /// The job is done: removes it from the queue for good.
    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError>;

    /// Keeps a long job invisible for another visibility timeout.
    /// [`QueueError::Lost`] when it has already gone to another consumer.
    async fn extend(&self, delivery: &Delivery) -> Result<(), QueueError>;

    /// The attempt failed with `error`: requeued after an exponential
    /// backoff, or dead-lettered (with the error) after the last attempt.
    async fn retry(&self, delivery: &Delivery, error: &str) -> Result<RetryOutcome, QueueError>;

    /// Dead-letters the job now, whatever its attempt (an error retrying
    /// cannot fix).
    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> Result<(), QueueError>;

    /// Hands an unfinished job back for another consumer to take at once,
    /// without counting an attempt (a worker shutting down).
    async fn release(&self, delivery: &Delivery) -> Result<(), QueueError>;

    /// Jobs of the kind not yet acknowledged: waiting, reserved, or waiting
    /// out a retry backoff. This is the number the depth bound applies to.
    async fn depth(&self, kind: &str) -> Result<u64, QueueError>;

    /// One entry per job kind.
    async fn stats(&self) -> Result<Vec<StreamStats>, QueueError>;

    /// The first `limit` dead letters of the kind, oldest first.
    async fn dead_letters(&self, kind: &str, limit: usize) -> Result<Vec<DeadLetter>, QueueError>;

    /// Moves every dead letter of the kind back to its queue, attempt reset
    /// to 1. Returns how many moved.
    async fn requeue_dead(&self, kind: &str) -> Result<u64, QueueError>;

    /// Deletes every dead letter of the kind. Returns how many.
    async fn purge_dead(&self, kind: &str) -> Result<u64, QueueError>;

    /// The backend answers.
    async fn ping(&self) -> Result<(), QueueError>;
}

/// The clock envelopes and stats use.
pub(crate) fn unix_ms_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
