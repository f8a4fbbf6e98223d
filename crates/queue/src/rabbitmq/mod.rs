//! The RabbitMQ backend (AMQP 0-9-1 through lapin). See the crate README
//! for how it differs from the Redis one.

mod reservation;
mod topology;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lapin::message::BasicGetMessage;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueDeclareOptions, QueueDeleteOptions, QueuePurgeOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use prost::Message;
use tokio::sync::Mutex;

pub use reservation::Reservation;

use crate::delivery::DeliveryToken;
use crate::{
    backoff_delay, unix_ms_now, ConsumerStats, DeadLetter, Delivery, JobEnvelope, JobKind,
    JobQueue, QueueError, QueueSettings, RetryOutcome, StreamStats,
};
use reservation::Outstanding;
use topology::Topology;

/// Connection settings of the RabbitMQ backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RabbitMqSettings {
    /// `amqp://user:password@host:port/vhost` (vhost `/` is `%2f`).
    pub url: String,
    /// How often an empty queue is polled while `reserve` waits.
    pub poll_interval: Duration,
}

impl RabbitMqSettings {
    pub fn url(url: impl Into<String>) -> Self {
        RabbitMqSettings {
            url: url.into(),
            poll_interval: Duration::from_millis(100),
        }
    }
}

/// One AMQP connection with its long-lived channels.
struct Link {
    connection: Connection,
    /// Publisher-confirm channel: a publish returns once the broker has the
    /// message.
    publisher: Channel,
    /// Passive declares (message counts) run here; a failing one closes only
    /// this channel.
    inspector: Mutex<Channel>,
    /// A channel per consumer name: its deliveries are acknowledged on it.
    consumers: Mutex<HashMap<String, Channel>>,
}

/// Jobs in RabbitMQ: a durable quorum queue per kind read with basic.get,
/// a delay queue per backoff step, and a dead-letter queue.
pub struct RabbitMq {
    url: String,
    poll_interval: Duration,
    settings: QueueSettings,
    link: Mutex<Option<Arc<Link>>>,
    outstanding: Arc<Outstanding>,
}

const PERSISTENT: u8 = 2;

/// Header with the Unix ms a message entered (or, for a retry, is due back
/// in) the work queue: the age `stats` reports, as Redis reads it from the
/// stream entry id.
const ENTERED_AT_HEADER: &str = "x-entered-at-ms";

/// Properties of a message that enters the work queue at `at_ms`. The AMQP
/// timestamp (whole seconds) says the same for other tools.
fn entering_at(at_ms: i64) -> BasicProperties {
    let mut headers = FieldTable::default();
    headers.insert(ENTERED_AT_HEADER.into(), AMQPValue::LongLongInt(at_ms));
    BasicProperties::default()
        .with_headers(headers)
        .with_timestamp(u64::try_from(at_ms / 1000).unwrap_or(0))
}

/// When a delivered message entered the work queue, if it says.
fn entered_at_ms(properties: &BasicProperties) -> Option<i64> {
    properties
        .headers()
        .as_ref()
        .and_then(|headers| header_int(headers, ENTERED_AT_HEADER))
        .or_else(|| {
            (*properties.timestamp())
                .and_then(|secs| i64::try_from(secs).ok())
                .map(|secs| secs.saturating_mul(1000))
        })
}

impl RabbitMq {
    /// Connects and declares the queues of every kind.
    pub async fn connect(
        amqp: &RabbitMqSettings,
        settings: QueueSettings,
    ) -> Result<RabbitMq, QueueError> {
        settings.validate()?;
        if amqp.poll_interval.is_zero() {
            return Err(QueueError::InvalidSetting {
                key: "rabbitmq.poll_interval",
                reason: "must be more than 0".into(),
            });
        }
        let queue = RabbitMq {
            url: amqp.url.clone(),
            poll_interval: amqp.poll_interval,
            settings,
            link: Mutex::new(None),
            outstanding: Arc::default(),
        };
        queue.link().await?;
        Ok(queue)
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    /// Deletes every queue of the kind. For tests and for taking a
    /// deployment down.
    pub async fn delete_kind(&self, kind: &str) -> Result<(), QueueError> {
        let topology = self.topology(kind)?;
        let link = self.link().await?;
        let channel = link
            .connection
            .create_channel()
            .await
            .map_err(QueueError::amqp("open a channel"))?;
        for name in topology.all() {
            channel
                .queue_delete(name.into(), QueueDeleteOptions::default())
                .await
                .map_err(QueueError::amqp("delete a queue"))?;
        }
        let _ = channel.close(200, "done".into()).await;
        Ok(())
    }

    fn topology(&self, kind: &str) -> Result<Topology, QueueError> {
        let kind: JobKind = kind.parse()?;
        Ok(Topology::new(&self.settings, kind.as_str()))
    }

    /// The live connection, reconnecting (and redeclaring the queues) when
    /// it was lost.
    async fn link(&self) -> Result<Arc<Link>, QueueError> {
        let mut slot = self.link.lock().await;
        if let Some(link) = slot.as_ref() {
            if link.connection.status().connected() && link.publisher.status().connected() {
                return Ok(Arc::clone(link));
            }
        }
        let connection = Connection::connect(&self.url, ConnectionProperties::default())
            .await
            .map_err(QueueError::amqp("connect"))?;
        let publisher = connection
            .create_channel()
            .await
            .map_err(QueueError::amqp("open a channel"))?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(QueueError::amqp("enable publisher confirms"))?;
        for kind in JobKind::ALL {
            Topology::new(&self.settings, kind.as_str())
                .declare(&publisher)
                .await?;
        }
        let inspector = connection
            .create_channel()
            .await
            .map_err(QueueError::amqp("open a channel"))?;
        let link = Arc::new(Link {
            connection,
            publisher,
            inspector: Mutex::new(inspector),
            consumers: Mutex::new(HashMap::new()),
        });
        *slot = Some(Arc::clone(&link));
        Ok(link)
    }

    /// Publishes to a queue through the default exchange and waits for the
    /// broker's confirm.
    async fn publish(
        &self,
        queue: &str,
        payload: &[u8],
        properties: BasicProperties,
    ) -> Result<(), QueueError> {
        let link = self.link().await?;
        let confirm = link
            .publisher
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                payload,
                properties.with_delivery_mode(PERSISTENT),
            )
            .await
            .map_err(QueueError::amqp("publish"))?
            .await
            .map_err(QueueError::amqp("publish confirm"))?;
        if confirm.is_ack() {
            Ok(())
        } else {
            Err(QueueError::Protocol {
                backend: "rabbitmq",
                operation: "publish",
                detail: format!("the broker refused the message for {queue}"),
            })
        }
    }

    /// Messages ready in a queue (passive declare).
    async fn ready(&self, link: &Link, queue: &str) -> Result<u64, QueueError> {
        let mut channel = link.inspector.lock().await;
        if !channel.status().connected() {
            *channel = link
                .connection
                .create_channel()
                .await
                .map_err(QueueError::amqp("open a channel"))?;
        }
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let declared = channel
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await
            .map_err(QueueError::amqp("count messages (passive queue.declare)"))?;
        Ok(u64::from(declared.message_count()))
    }

    async fn delayed(&self, link: &Link, topology: &Topology) -> Result<u64, QueueError> {
        let mut delayed = 0;
        for (_, name) in &topology.delays {
            delayed += self.ready(link, name).await?;
        }
        Ok(delayed)
    }

    async fn consumer_channel(&self, consumer: &str) -> Result<Channel, QueueError> {
        let link = self.link().await?;
        let mut channels = link.consumers.lock().await;
        if let Some(channel) = channels.get(consumer) {
            if channel.status().connected() {
                return Ok(channel.clone());
            }
        }
        let channel = link
            .connection
            .create_channel()
            .await
            .map_err(QueueError::amqp("open a channel"))?;
        channels.insert(consumer.to_owned(), channel.clone());
        Ok(channel)
    }

    /// Turns a fetched message into a delivery, or dead-letters it when it
    /// cannot be one (undecodable, or past its last attempt).
    async fn accept(
        &self,
        topology: &Topology,
        kind: &str,
        consumer: &str,
        message: BasicGetMessage,
    ) -> Result<Option<Delivery>, QueueError> {
        let delivery = message.delivery;
        let source = format!("{} delivery {}", topology.work, delivery.delivery_tag);
        let returned = delivery_count(&delivery.properties);
        let entered_at = entered_at_ms(&delivery.properties);
        let envelope = match JobEnvelope::from_bytes(&delivery.data, &source) {
            Ok(mut envelope) => {
                envelope.attempt = envelope.attempt.max(1).saturating_add(returned);
                envelope
            }
            Err(error) => {
                self.publish_dead(topology, &delivery.data, &error.to_string())
                    .await?;
                ack(&delivery.acker).await?;
                return Ok(None);
            }
        };
        if envelope.attempt > self.settings.max_attempts {
            let error = format!(
                "not acknowledged within the visibility timeout ({} ms) in {} attempts",
                self.settings.visibility_timeout.as_millis(),
                self.settings.max_attempts
            );
            let mut last = envelope;
            last.attempt = self.settings.max_attempts;
            self.publish_dead(topology, &last.to_bytes(), &error)
                .await?;
            ack(&delivery.acker).await?;
            return Ok(None);
        }
        let reservation = Reservation::start(
            kind,
            consumer,
            delivery.acker,
            delivery.delivery_tag,
            entered_at,
            self.settings.visibility_timeout,
            Arc::clone(&self.outstanding),
        );
        Ok(Some(Delivery {
            envelope,
            token: DeliveryToken::RabbitMq(reservation),
        }))
    }

    async fn publish_dead(
        &self,
        topology: &Topology,
        payload: &[u8],
        error: &str,
    ) -> Result<(), QueueError> {
        let mut headers = FieldTable::default();
        headers.insert("x-error".into(), AMQPValue::LongString(error.into()));
        headers.insert(
            "x-failed-at-ms".into(),
            AMQPValue::LongLongInt(unix_ms_now()),
        );
        self.publish(
            &topology.dead,
            payload,
            BasicProperties::default().with_headers(headers),
        )
        .await
    }

    /// Takes the delivery's reservation for settling; `Lost` when it expired.
    fn take<'a>(&self, delivery: &'a Delivery) -> Result<&'a Reservation, QueueError> {
        let reservation = amqp_token(delivery)?;
        self.outstanding
            .touch(&delivery.envelope.kind, delivery.consumer());
        if reservation.take() {
            Ok(reservation)
        } else {
            Err(lost(delivery))
        }
    }
}

fn lost(delivery: &Delivery) -> QueueError {
    QueueError::Lost {
        kind: delivery.envelope.kind.clone(),
        job_id: delivery.envelope.job_id.clone(),
    }
}

fn amqp_token(delivery: &Delivery) -> Result<&Reservation, QueueError> {
    match &delivery.token {
        DeliveryToken::RabbitMq(reservation) => Ok(reservation),
        DeliveryToken::Redis { .. } => Err(QueueError::ForeignDelivery(
            delivery.envelope.job_id.clone(),
        )),
    }
}

async fn ack(acker: &lapin::Acker) -> Result<bool, QueueError> {
    acker
        .ack(BasicAckOptions::default())
        .await
        .map_err(QueueError::amqp("basic.ack"))
}

/// How often a quorum queue has handed the message out before
/// (x-delivery-count; absent on the first delivery).
fn delivery_count(properties: &BasicProperties) -> u32 {
    let Some(headers) = properties.headers() else {
        return 0;
    };
    let count = match headers.inner().get("x-delivery-count") {
        Some(AMQPValue::LongLongInt(n)) => *n,
        Some(AMQPValue::LongInt(n)) => i64::from(*n),
        Some(AMQPValue::LongUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortUInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortShortInt(n)) => i64::from(*n),
        Some(AMQPValue::ShortShortUInt(n)) => i64::from(*n),
        _ => 0,
    };
    u32::try_from(count).unwrap_or(0)
}

/// Time from `at_ms` to `now_ms`; none for a time ahead of the clock
/// (another host's clock, or a retry read before it is due).
fn age_ms(at_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(now_ms.saturating_sub(at_ms)).unwrap_or(0))
}

fn header_string(headers: &FieldTable, name: &str) -> Option<String> {
    match headers.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

fn header_int(headers: &FieldTable, name: &str) -> Option<i64> {
    match headers.inner().get(name)? {
        AMQPValue::LongLongInt(n) => Some(*n),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        _ => None,
    }
}

#[async_trait]
impl JobQueue for RabbitMq {
    fn backend(&self) -> &'static str {
        "rabbitmq"
    }

    async fn enqueue(&self, envelope: &JobEnvelope) -> Result<(), QueueError> {
        let topology = self.topology(&envelope.kind)?;
        let depth = self.depth(&envelope.kind).await?;
        if depth >= self.settings.max_depth {
            return Err(QueueError::Full {
                kind: envelope.kind.clone(),
                depth,
                limit: self.settings.max_depth,
            });
        }
        self.publish(
            &topology.work,
            &envelope.to_bytes(),
            entering_at(unix_ms_now()),
        )
        .await
    }

    async fn reserve(
        &self,
        kind: &str,
        consumer: &str,
        max: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let topology = self.topology(kind)?;
        let deadline = tokio::time::Instant::now() + block;
        let mut deliveries = Vec::new();
        if max == 0 {
            return Ok(deliveries);
        }
        self.outstanding.touch(kind, consumer);
        loop {
            let channel = self.consumer_channel(consumer).await?;
            while deliveries.len() < max {
                let message = channel
                    .basic_get(
                        topology.work.as_str().into(),
                        BasicGetOptions { no_ack: false },
                    )
                    .await
                    .map_err(QueueError::amqp("basic.get"))?;
                let Some(message) = message else { break };
                if let Some(delivery) = self.accept(&topology, kind, consumer, message).await? {
                    deliveries.push(delivery);
                }
            }
            let now = tokio::time::Instant::now();
            if !deliveries.is_empty() || now >= deadline {
                break;
            }
            tokio::time::sleep(self.poll_interval.min(deadline - now)).await;
            self.outstanding.touch(kind, consumer);
        }
        Ok(deliveries)
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let reservation = self.take(delivery)?;
        if ack(reservation.acker()).await? {
            Ok(())
        } else {
            Err(lost(delivery))
        }
    }

    async fn extend(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let reservation = amqp_token(delivery)?;
        self.outstanding
            .touch(&delivery.envelope.kind, delivery.consumer());
        if reservation.extend() {
            Ok(())
        } else {
            Err(lost(delivery))
        }
    }

    async fn retry(&self, delivery: &Delivery, error: &str) -> Result<RetryOutcome, QueueError> {
        let topology = self.topology(&delivery.envelope.kind)?;
        let attempt = delivery.envelope.attempt.max(1);
        let reservation = self.take(delivery)?;
        let outcome = if attempt >= self.settings.max_attempts {
            self.publish_dead(&topology, &delivery.envelope.to_bytes(), error)
                .await?;
            RetryOutcome::DeadLettered { attempts: attempt }
        } else {
            let delay = backoff_delay(&self.settings, attempt);
            let mut next = delivery.envelope.clone();
            next.attempt = attempt + 1;
            // The delay queue's TTL is the delay; the per-message expiration
            // says the same, for anyone reading the message. Its age counts
            // from when it is due back in the work queue, as on Redis.
            let due_at =
                unix_ms_now().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
            let properties =
                entering_at(due_at).with_expiration(delay.as_millis().to_string().as_str().into());
            self.publish(topology.delay_queue(delay)?, &next.to_bytes(), properties)
                .await?;
            RetryOutcome::Requeued {
                attempt: attempt + 1,
                delay,
            }
        };
        ack(reservation.acker()).await?;
        Ok(outcome)
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> Result<(), QueueError> {
        let topology = self.topology(&delivery.envelope.kind)?;
        let reservation = self.take(delivery)?;
        self.publish_dead(&topology, &delivery.envelope.to_bytes(), error)
            .await?;
        ack(reservation.acker()).await?;
        Ok(())
    }

    async fn release(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let topology = self.topology(&delivery.envelope.kind)?;
        let reservation = self.take(delivery)?;
        // Republished as the same attempt (a nack would count a delivery).
        self.publish(
            &topology.work,
            &delivery.envelope.to_bytes(),
            entering_at(unix_ms_now()),
        )
        .await?;
        ack(reservation.acker()).await?;
        Ok(())
    }

    async fn depth(&self, kind: &str) -> Result<u64, QueueError> {
        let topology = self.topology(kind)?;
        let link = self.link().await?;
        Ok(self.ready(&link, &topology.work).await? + self.delayed(&link, &topology).await?)
    }

    async fn stats(&self) -> Result<Vec<StreamStats>, QueueError> {
        let link = self.link().await?;
        let mut all = Vec::new();
        for kind in JobKind::ALL {
            let topology = self.topology(kind.as_str())?;
            let waiting = self.ready(&link, &topology.work).await?;
            let delayed = self.delayed(&link, &topology).await?;
            let held = self.outstanding.of_kind(kind.as_str());
            let now = unix_ms_now();
            // The head of the ready queue cannot be read without acquiring
            // it, and a quorum queue counts every return of an acquired
            // message as a delivery (x-delivery-count, hence the attempt):
            // with jobs waiting, neither age is known. With none waiting,
            // the oldest job is one of the reservations.
            let oldest_entry_age = if waiting == 0 {
                held.iter()
                    .flat_map(|h| h.entered_at_ms.iter().copied())
                    .collect::<Option<Vec<i64>>>()
                    .and_then(|times| times.into_iter().min())
                    .map(|at| age_ms(at, now))
            } else {
                None
            };
            let consumers: Vec<ConsumerStats> = held
                .into_iter()
                .map(|h| ConsumerStats {
                    name: h.consumer,
                    pending: h.pending,
                    idle: Some(h.idle),
                })
                .collect();
            all.push(StreamStats {
                kind: kind.as_str().to_owned(),
                name: topology.work.clone(),
                depth: waiting + delayed,
                waiting,
                pending: consumers.iter().map(|c| c.pending).sum(),
                delayed,
                lag: None,
                oldest_entry_age,
                consumers,
                dead_letters: self.ready(&link, &topology.dead).await?,
            });
        }
        Ok(all)
    }

    async fn dead_letters(&self, kind: &str, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let topology = self.topology(kind)?;
        let link = self.link().await?;
        // Fetched unacknowledged on a channel of their own; closing it puts
        // them back where they were.
        let channel = link
            .connection
            .create_channel()
            .await
            .map_err(QueueError::amqp("open a channel"))?;
        let mut letters = Vec::new();
        while letters.len() < limit {
            let message = channel
                .basic_get(
                    topology.dead.as_str().into(),
                    BasicGetOptions { no_ack: false },
                )
                .await
                .map_err(QueueError::amqp("basic.get"))?;
            let Some(message) = message else { break };
            let delivery = message.delivery;
            let headers = delivery.properties.headers().clone().unwrap_or_default();
            letters.push(DeadLetter {
                id: (letters.len() + 1).to_string(),
                // An envelope that does not decode was dead-lettered for
                // that; its error says so, and it is listed empty.
                envelope: JobEnvelope::decode(delivery.data.as_slice()).unwrap_or_default(),
                error: header_string(&headers, "x-error").unwrap_or_default(),
                failed_at_unix_ms: header_int(&headers, "x-failed-at-ms").unwrap_or(0),
            });
        }
        channel
            .close(200, "listed".into())
            .await
            .map_err(QueueError::amqp("close a channel"))?;
        Ok(letters)
    }

    async fn requeue_dead(&self, kind: &str) -> Result<u64, QueueError> {
        let topology = self.topology(kind)?;
        let link = self.link().await?;
        let channel = link
            .connection
            .create_channel()
            .await
            .map_err(QueueError::amqp("open a channel"))?;
        let mut moved = 0;
        loop {
            let message = channel
                .basic_get(
                    topology.dead.as_str().into(),
                    BasicGetOptions { no_ack: false },
                )
                .await
                .map_err(QueueError::amqp("basic.get"))?;
            let Some(message) = message else { break };
            let delivery = message.delivery;
            // Envelopes that do not decode stay dead (left unacknowledged,
            // they return to the queue when the channel closes).
            let Ok(mut envelope) = JobEnvelope::decode(delivery.data.as_slice()) else {
                continue;
            };
            envelope.attempt = 1;
            self.publish(
                &topology.work,
                &envelope.to_bytes(),
                entering_at(unix_ms_now()),
            )
            .await?;
            ack(&delivery.acker).await?;
            moved += 1;
        }
        let _ = channel.close(200, "requeued".into()).await;
        Ok(moved)
    }

    async fn purge_dead(&self, kind: &str) -> Result<u64, QueueError> {
        let topology = self.topology(kind)?;
        let link = self.link().await?;
        let purged = link
            .publisher
            .queue_purge(topology.dead.as_str().into(), QueuePurgeOptions::default())
            .await
            .map_err(QueueError::amqp("queue.purge"))?;
        Ok(u64::from(purged))
    }

    async fn ping(&self) -> Result<(), QueueError> {
        let link = self.link().await?;
        self.ready(
            &link,
            &Topology::new(&self.settings, JobKind::SbomAnalysis.as_str()).work,
        )
        .await
        .map(|_| ())
    }
}
