use std::fmt;
use std::sync::Arc;

use crate::JobEnvelope;

/// A reserved job. `envelope.attempt` is the attempt this delivery is,
/// counting reclaims after a visibility timeout.
pub struct Delivery {
    pub envelope: JobEnvelope,
    pub(crate) token: DeliveryToken,
}

pub(crate) enum DeliveryToken {
    Redis {
        /// Stream entry id.
        entry_id: String,
        consumer: String,
    },
    RabbitMq(Arc<crate::rabbitmq::Reservation>),
}

impl Delivery {
    /// The consumer that reserved the job.
    pub fn consumer(&self) -> &str {
        match &self.token {
            DeliveryToken::Redis { consumer, .. } => consumer,
            DeliveryToken::RabbitMq(r) => r.consumer(),
        }
    }

    /// The backend's handle of the delivery: the stream entry id on Redis,
    /// the delivery tag on RabbitMQ.
    pub fn backend_id(&self) -> String {
        match &self.token {
            DeliveryToken::Redis { entry_id, .. } => entry_id.clone(),
            DeliveryToken::RabbitMq(r) => r.delivery_tag().to_string(),
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("envelope", &self.envelope)
            .field("consumer", &self.consumer())
            .field("backend_id", &self.backend_id())
            .finish()
    }
}
