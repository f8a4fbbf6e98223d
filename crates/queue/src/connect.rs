use std::sync::Arc;

use crate::rabbitmq::{RabbitMq, RabbitMqSettings};
use crate::redis_streams::{RedisSettings, RedisStreams};
use crate::{JobQueue, QueueError, QueueSettings};

/// Which backend carries the jobs, with its connection settings.
#[derive(Debug, Clone)]
pub enum Backend {
    Redis(RedisSettings),
    RabbitMq(RabbitMqSettings),
}

/// Connects to the configured backend, checking the settings first.
pub async fn connect(
    backend: &Backend,
    settings: QueueSettings,
) -> Result<Arc<dyn JobQueue>, QueueError> {
    Ok(match backend {
        Backend::Redis(redis) => Arc::new(RedisStreams::connect(redis, settings).await?),
        Backend::RabbitMq(amqp) => Arc::new(RabbitMq::connect(amqp, settings).await?),
    })
}
