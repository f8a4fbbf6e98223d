//! The queues of one job kind and how they are declared.

use std::collections::BTreeSet;
use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};
use lapin::Channel;

use crate::{backoff_delay, QueueError, QueueSettings};

/// Names of a kind's queues.
pub(super) struct Topology {
    /// Quorum queue the workers read.
    pub work: String,
    /// Classic queue of dead letters.
    pub dead: String,
    /// One classic queue per retry delay: messages wait out the queue's TTL
    /// there and are then dead-lettered back to `work`.
    pub delays: Vec<(Duration, String)>,
}

impl Topology {
    pub(super) fn new(settings: &QueueSettings, kind: &str) -> Topology {
        let work = settings.queue_name(kind);
        let delays: BTreeSet<Duration> = (1..settings.max_attempts)
            .map(|attempt| backoff_delay(settings, attempt))
            .collect();
        Topology {
            dead: settings.dead_name(kind),
            delays: delays
                .into_iter()
                .map(|d| (d, format!("{work}:retry:{}", d.as_millis())))
                .collect(),
            work,
        }
    }

    /// The delay queue for a delay `backoff_delay` produced.
    pub(super) fn delay_queue(&self, delay: Duration) -> Result<&str, QueueError> {
        self.delays
            .iter()
            .find(|(d, _)| *d == delay)
            .map(|(_, name)| name.as_str())
            .ok_or_else(|| QueueError::InvalidSetting {
                key: "backoff",
                reason: format!("no retry queue for a delay of {delay:?}"),
            })
    }

    /// Declares every queue (idempotent while the arguments stay the same).
    pub(super) async fn declare(&self, channel: &Channel) -> Result<(), QueueError> {
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let mut work_args = FieldTable::default();
        work_args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        channel
            .queue_declare(self.work.as_str().into(), durable, work_args)
            .await
            .map_err(QueueError::amqp("declare the work queue"))?;
        channel
            .queue_declare(self.dead.as_str().into(), durable, FieldTable::default())
            .await
            .map_err(QueueError::amqp("declare the dead-letter queue"))?;
        for (delay, name) in &self.delays {
            let mut args = FieldTable::default();
            let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
            args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl));
            args.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString("".into()),
            );
            args.insert(
                "x-dead-letter-routing-key".into(),
                AMQPValue::LongString(self.work.as_str().into()),
            );
            channel
                .queue_declare(name.as_str().into(), durable, args)
                .await
                .map_err(QueueError::amqp("declare a retry queue"))?;
        }
        Ok(())
    }

    /// Every queue name.
    pub(super) fn all(&self) -> impl Iterator<Item = &str> {
        [self.work.as_str(), self.dead.as_str()]
            .into_iter()
            .chain(self.delays.iter().map(|(_, n)| n.as_str()))
    }
}
