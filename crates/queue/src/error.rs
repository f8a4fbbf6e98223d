use thiserror::Error;

/// What can go wrong talking to a queue.
#[derive(Debug, Error)]
pub enum QueueError {
    /// The depth bound is reached; the API answers 503 with Retry-After.
    #[error("queue {kind} is full: {depth} jobs, limit {limit}")]
    Full {
        kind: String,
        depth: u64,
        limit: u64,
    },

    #[error("unknown job kind {0:?} (expected \"sbom-analysis\" or \"risk-score\")")]
    UnknownKind(String),

    #[error("queue setting {key}: {reason}")]
    InvalidSetting { key: &'static str, reason: String },

    /// The delivery's reservation has passed to another consumer (or the
    /// entry is gone).
    #[error("job {job_id} ({kind}) is no longer reserved by this consumer")]
    Lost { kind: String, job_id: String },

    /// A delivery handed to a queue of the other backend.
    #[error("delivery of job {0} came from another queue backend")]
    ForeignDelivery(String),

    #[error("cannot decode the job envelope in {source_name}: {source}")]
    Decode {
        source_name: String,
        #[source]
        source: prost::DecodeError,
    },

    #[error("unexpected reply from {backend} to {operation}: {detail}")]
    Protocol {
        backend: &'static str,
        operation: &'static str,
        detail: String,
    },

    #[error("Redis {operation}: {source}")]
    Redis {
        operation: &'static str,
        #[source]
        source: redis::RedisError,
    },

    #[error("Redis connection pool: {0}")]
    RedisPool(String),

    #[error("RabbitMQ {operation}: {source}")]
    Amqp {
        operation: &'static str,
        #[source]
        source: lapin::Error,
    },
}

impl QueueError {
    pub(crate) fn redis(operation: &'static str) -> impl FnOnce(redis::RedisError) -> Self {
        move |source| QueueError::Redis { operation, source }
    }

    pub(crate) fn amqp(operation: &'static str) -> impl FnOnce(lapin::Error) -> Self {
        move |source| QueueError::Amqp { operation, source }
    }

    /// Failures of the backend itself (not of the request); /readyz and
    /// the API's 503 mapping use this.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            QueueError::Redis { .. } | QueueError::RedisPool(_) | QueueError::Amqp { .. }
        )
    }
}
