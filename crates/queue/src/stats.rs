use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::JobEnvelope;

/// What [`crate::JobQueue::retry`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Back in the queue as `attempt` after `delay`.
    Requeued { attempt: u32, delay: Duration },
    /// Moved to the dead letters after `attempts` attempts.
    DeadLettered { attempts: u32 },
}

/// The operators' view of one kind's stream (queue).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamStats {
    pub kind: String,
    /// Name of the stream / queue.
    pub name: String,
    /// Unacknowledged jobs: `waiting + pending + delayed`.
    pub depth: u64,
    /// Not yet delivered to any consumer (the consumer group's lag).
    pub waiting: u64,
    /// Delivered and not yet acknowledged.
    pub pending: u64,
    /// Waiting out a retry backoff.
    pub delayed: u64,
    /// Age of the oldest job not yet delivered; how far consumers lag.
    /// `None` when nothing waits. RabbitMQ: always `None`, as the head of
    /// a quorum queue cannot be read without counting a delivery.
    #[serde(serialize_with = "seconds")]
    pub lag: Option<Duration>,
    /// Age of the oldest job in the stream, delivered or not; `None` when
    /// it holds none. RabbitMQ: the oldest of the reservations this process
    /// holds, and only while no job waits (otherwise `None`).
    #[serde(serialize_with = "seconds")]
    pub oldest_entry_age: Option<Duration>,
    pub consumers: Vec<ConsumerStats>,
    pub dead_letters: u64,
}

/// One consumer of a stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerStats {
    pub name: String,
    /// Jobs it holds unacknowledged.
    pub pending: u64,
    /// Time since it last read or acknowledged: the server's count on
    /// Redis, this process's on RabbitMQ (which lists only its own
    /// consumers); `None` where the backend does not say.
    #[serde(serialize_with = "seconds")]
    pub idle: Option<Duration>,
}

/// A job that exhausted its attempts (or failed for good).
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Entry id (Redis) or position (RabbitMQ) in the dead-letter queue.
    pub id: String,
    pub envelope: JobEnvelope,
    pub error: String,
    pub failed_at_unix_ms: i64,
}

fn seconds<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}
