use std::time::Duration;

use crate::QueueError;

/// Backend-independent queue behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    /// Names are `<stream_prefix>:<kind>` (Redis keys, RabbitMQ queues).
    pub stream_prefix: String,
    /// Enqueue fails with [`QueueError::Full`] at this many unacknowledged
    /// jobs of one kind.
    pub max_depth: u64,
    /// A reservation not acknowledged, extended or retried within this is
    /// handed to another consumer.
    pub visibility_timeout: Duration,
    /// Attempts before a job is dead-lettered (1 = no retry).
    pub max_attempts: u32,
    /// Delay after the first failed attempt; doubled after each further one.
    pub backoff_base: Duration,
    /// Upper bound of the retry delay.
    pub backoff_max: Duration,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            stream_prefix: "medsec:jobs".to_owned(),
            max_depth: 10_000,
            visibility_timeout: Duration::from_secs(300),
            max_attempts: 5,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
        }
    }
}

impl QueueSettings {
    /// Checks the values; the error names the offending setting.
    pub fn validate(&self) -> Result<(), QueueError> {
        let bad = |key, reason: &str| {
            Err(QueueError::InvalidSetting {
                key,
                reason: reason.to_owned(),
            })
        };
        if self.stream_prefix.is_empty() {
            return bad("stream_prefix", "must not be empty");
        }
        if self.stream_prefix.chars().any(|c| c.is_whitespace()) {
            return bad("stream_prefix", "must not contain white space");
        }
        if self.max_depth == 0 {
            return bad("max_depth", "must be at least 1");
        }
        if self.visibility_timeout < Duration::from_millis(100) {
            return bad("visibility_timeout", "must be at least 100 ms");
        }
        if self.max_attempts == 0 {
            return bad("max_attempts", "must be at least 1");
        }
        if self.backoff_base.is_zero() {
            return bad("backoff_base", "must be more than 0");
        }
        if self.backoff_max < self.backoff_base {
            return bad("backoff_max", "must be at least backoff_base");
        }
        Ok(())
    }

    /// Name of the stream / queue for a kind.
    pub fn queue_name(&self, kind: &str) -> String {
        format!("{}:{kind}", self.stream_prefix)
    }

    /// Name of the dead-letter stream / queue for a kind.
    pub fn dead_name(&self, kind: &str) -> String {
        format!("{}:{kind}:dead", self.stream_prefix)
    }
}
