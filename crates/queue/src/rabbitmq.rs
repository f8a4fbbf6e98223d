//! The RabbitMQ backend.

use crate::{QueueError, QueueSettings};

/// Connection settings of the RabbitMQ backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RabbitMqSettings {
    /// `amqp://user:password@host:port/vhost`.
    pub url: String,
    /// Unacknowledged deliveries one consumer may hold (basic.qos).
    pub prefetch: u16,
}

impl RabbitMqSettings {
    pub fn url(url: impl Into<String>) -> Self {
        RabbitMqSettings {
            url: url.into(),
            prefetch: 16,
        }
    }
}

/// One delivery's state, shared with its visibility timer.
pub struct Reservation {
    consumer: String,
    delivery_tag: u64,
}

impl Reservation {
    pub(crate) fn consumer(&self) -> &str {
        &self.consumer
    }

    pub(crate) fn delivery_tag(&self) -> u64 {
        self.delivery_tag
    }
}

/// Jobs in RabbitMQ queues.
pub struct RabbitMq {
    _settings: QueueSettings,
}

impl RabbitMq {
    pub async fn connect(
        _amqp: &RabbitMqSettings,
        _settings: QueueSettings,
    ) -> Result<std::sync::Arc<dyn crate::JobQueue>, QueueError> {
        Err(QueueError::InvalidSetting {
            key: "queue.backend",
            reason: "the RabbitMQ backend is not built yet".into(),
        })
    }
}
