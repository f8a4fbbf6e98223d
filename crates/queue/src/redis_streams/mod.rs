//! The Redis Streams backend. See the crate README for the key layout and
//! the retry rules.

mod connection;
mod reply;
mod scripts;

use std::time::Duration;

use async_trait::async_trait;
use prost::Message;
use redis::aio::MultiplexedConnection;
use redis::Value;

pub use connection::{RedisSettings, RedisTarget};

use crate::delivery::DeliveryToken;
use crate::{
    backoff_delay, ConsumerStats, DeadLetter, Delivery, JobEnvelope, JobKind, JobQueue, QueueError,
    QueueSettings, RetryOutcome, StreamStats,
};
use connection::{Pool, Pooled};

/// The consumer group every worker reads through.
pub const GROUP: &str = "workers";

/// Jobs in Redis Streams: one stream per kind read through one consumer
/// group, a sorted set of retries waiting out their backoff, and a
/// dead-letter stream.
pub struct RedisStreams {
    pool: Pool,
    settings: QueueSettings,
    command_timeout: Duration,
}

/// The three keys of one kind.
struct Keys {
    stream: String,
    delayed: String,
    dead: String,
}

/// Arguments of the SETTLE script.
struct RawSettle<'a> {
    entry_id: &'a str,
    consumer: &'a str,
    action: &'a str,
    envelope: &'a [u8],
    argument: &'a str,
}

enum Settle<'a> {
    Delay(Duration),
    Dead(&'a str),
    Release,
}

impl RedisStreams {
    /// A pool for the target; the first command opens the first connection,
    /// and [`JobQueue::ping`] checks it answers.
    pub async fn connect(
        redis: &RedisSettings,
        settings: QueueSettings,
    ) -> Result<RedisStreams, QueueError> {
        settings.validate()?;
        Ok(RedisStreams {
            pool: Pool::new(redis)?,
            settings,
            command_timeout: redis.command_timeout,
        })
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    /// Deletes every key of the kind (stream with its group, retries, dead
    /// letters). For tests and for taking a deployment down.
    pub async fn delete_kind(&self, kind: &str) -> Result<(), QueueError> {
        let keys = self.keys(kind)?;
        let (_pooled, mut conn) = self.conn().await?;
        redis::cmd("DEL")
            .arg(&keys.stream)
            .arg(&keys.delayed)
            .arg(&keys.dead)
            .query_async::<Value>(&mut conn)
            .await
            .map_err(QueueError::redis("DEL"))?;
        Ok(())
    }

    fn keys(&self, kind: &str) -> Result<Keys, QueueError> {
        let kind: JobKind = kind.parse()?;
        let stream = self.settings.queue_name(kind.as_str());
        Ok(Keys {
            delayed: format!("{stream}:delayed"),
            dead: self.settings.dead_name(kind.as_str()),
            stream,
        })
    }

    async fn conn(&self) -> Result<(Pooled, MultiplexedConnection), QueueError> {
        let pooled = self.pool.get().await?;
        let conn = pooled.with_timeout(self.command_timeout);
        Ok((pooled, conn))
    }

    /// Entries idle past the visibility timeout, claimed for `consumer`,
    /// and the time until the next retry is due.
    async fn reclaim(
        &self,
        conn: &mut MultiplexedConnection,
        keys: &Keys,
        consumer: &str,
        max: usize,
    ) -> Result<(Vec<(String, Vec<u8>, u64)>, Option<Duration>), QueueError> {
        const OP: &str = "reclaim (XAUTOCLAIM)";
        let idle_ms =
            u64::try_from(self.settings.visibility_timeout.as_millis()).unwrap_or(u64::MAX);
        let value: Value = scripts::RECLAIM
            .key(&keys.stream)
            .key(&keys.delayed)
            .arg(GROUP)
            .arg(consumer)
            .arg(idle_ms)
            .arg(max)
            .invoke_async(conn)
            .await
            .map_err(QueueError::redis(OP))?;
        let mut parts = reply::array(value, OP)?.into_iter();
        let (Some(claimed), Some(next_due)) = (parts.next(), parts.next()) else {
            return Err(QueueError::Protocol {
                backend: "redis",
                operation: OP,
                detail: "expected two parts".into(),
            });
        };
        let next_due = reply::int(&next_due, OP)?;
        let next_due = u64::try_from(next_due).ok().map(Duration::from_millis);
        let mut entries = Vec::new();
        for entry in reply::array(claimed, OP)? {
            let mut entry = reply::array(entry, OP)?.into_iter();
            let (Some(id), Some(fields), Some(times)) = (entry.next(), entry.next(), entry.next())
            else {
                continue;
            };
            let id = reply::string(id, OP)?;
            let envelope = envelope_field(reply::fields(fields, OP)?, &id, OP)?;
            entries.push((id, envelope, reply::count(&times, OP)?));
        }
        Ok((entries, next_due))
    }

    /// New entries for `consumer`, waiting up to `block`.
    async fn read_new(
        &self,
        pooled: &Pooled,
        keys: &Keys,
        consumer: &str,
        max: usize,
        block: Duration,
    ) -> Result<Vec<(String, Vec<u8>)>, QueueError> {
        const OP: &str = "XREADGROUP";
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(GROUP)
            .arg(consumer)
            .arg("COUNT")
            .arg(max);
        // BLOCK 0 would wait for ever; no BLOCK returns at once.
        let block_ms = u64::try_from(block.as_millis()).unwrap_or(u64::MAX);
        if block_ms > 0 {
            cmd.arg("BLOCK").arg(block_ms);
        }
        cmd.arg("STREAMS").arg(&keys.stream).arg(">");
        let mut conn = pooled.with_timeout(self.command_timeout + block);
        let value: Value = cmd
            .query_async(&mut conn)
            .await
            .map_err(QueueError::redis(OP))?;
        let mut entries = Vec::new();
        // RESP2: [[stream, [[id, fields], ...]]]; RESP3: {stream: [[id, fields], ...]}.
        let streams: Vec<Value> = match value {
            Value::Map(pairs) => pairs.into_iter().map(|(_, v)| v).collect(),
            other => reply::array(other, OP)?
                .into_iter()
                .filter_map(|s| reply::array(s, OP).ok()?.into_iter().nth(1))
                .collect(),
        };
        for stream in streams {
            for entry in reply::array(stream, OP)? {
                let mut entry = reply::array(entry, OP)?.into_iter();
                let (Some(id), Some(fields)) = (entry.next(), entry.next()) else {
                    continue;
                };
                let id = reply::string(id, OP)?;
                let envelope = envelope_field(reply::fields(fields, OP)?, &id, OP)?;
                entries.push((id, envelope));
            }
        }
        Ok(entries)
    }

    fn delivery(
        &self,
        keys: &Keys,
        consumer: &str,
        id: String,
        bytes: &[u8],
        times_delivered: u64,
    ) -> Result<Delivery, QueueError> {
        let mut envelope = JobEnvelope::from_bytes(bytes, &format!("{} entry {id}", keys.stream))?;
        let extra = u32::try_from(times_delivered.saturating_sub(1)).unwrap_or(u32::MAX);
        envelope.attempt = envelope.attempt.max(1).saturating_add(extra);
        Ok(Delivery {
            envelope,
            token: DeliveryToken::Redis {
                entry_id: id,
                consumer: consumer.to_owned(),
            },
        })
    }

    /// An entry read for `consumer` as a delivery; or dead-lettered (None)
    /// when it cannot be one: its envelope does not decode, or a reclaim
    /// took it past the attempt limit.
    async fn admit(
        &self,
        conn: &mut MultiplexedConnection,
        keys: &Keys,
        consumer: &str,
        id: String,
        bytes: &[u8],
        times_delivered: u64,
    ) -> Result<Option<Delivery>, QueueError> {
        let mut delivery = match self.delivery(keys, consumer, id.clone(), bytes, times_delivered) {
            Ok(delivery) => delivery,
            Err(error @ QueueError::Decode { .. }) => {
                let raw = RawSettle {
                    entry_id: &id,
                    consumer,
                    action: "dead",
                    envelope: bytes,
                    argument: &error.to_string(),
                };
                self.settle_raw(conn, keys, raw).await?;
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        if delivery.envelope.attempt <= self.settings.max_attempts {
            return Ok(Some(delivery));
        }
        let error = format!(
            "not acknowledged within the visibility timeout ({} ms) in {} attempts",
            self.settings.visibility_timeout.as_millis(),
            self.settings.max_attempts
        );
        delivery.envelope.attempt = self.settings.max_attempts;
        match self.settle_on(conn, &delivery, Settle::Dead(&error)).await {
            Ok(()) | Err(QueueError::Lost { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Dead letters from entry id `start` on (`-` for the first; `(id`
    /// for after id), at most `limit`.
    async fn dead_range(
        &self,
        keys: &Keys,
        start: &str,
        limit: usize,
    ) -> Result<Vec<DeadLetter>, QueueError> {
        const OP: &str = "dead letters (XRANGE)";
        let (_pooled, mut conn) = self.conn().await?;
        let value: Value = redis::cmd("XRANGE")
            .arg(&keys.dead)
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(limit.max(1))
            .query_async(&mut conn)
            .await
            .map_err(QueueError::redis(OP))?;
        let mut letters = Vec::new();
        for entry in reply::array(value, OP)?.into_iter().take(limit) {
            let mut entry = reply::array(entry, OP)?.into_iter();
            let (Some(id), Some(fields)) = (entry.next(), entry.next()) else {
                continue;
            };
            let id = reply::string(id, OP)?;
            let mut letter = DeadLetter {
                envelope: JobEnvelope::default(),
                error: String::new(),
                failed_at_unix_ms: 0,
                id,
            };
            for (name, value) in reply::fields(fields, OP)? {
                match name.as_str() {
                    // An envelope that does not decode was dead-lettered for
                    // that; its error says so, and it is listed empty.
                    "env" => {
                        letter.envelope = JobEnvelope::decode(value.as_slice()).unwrap_or_default()
                    }
                    "error" => letter.error = String::from_utf8_lossy(&value).into_owned(),
                    "failed_at_ms" => {
                        letter.failed_at_unix_ms =
                            String::from_utf8_lossy(&value).parse().unwrap_or(0)
                    }
                    _ => {}
                }
            }
            letters.push(letter);
        }
        Ok(letters)
    }

    async fn settle(&self, delivery: &Delivery, action: Settle<'_>) -> Result<(), QueueError> {
        let (_pooled, mut conn) = self.conn().await?;
        self.settle_on(&mut conn, delivery, action).await
    }

    async fn settle_on(
        &self,
        conn: &mut MultiplexedConnection,
        delivery: &Delivery,
        action: Settle<'_>,
    ) -> Result<(), QueueError> {
        let (entry_id, consumer) = redis_token(delivery)?;
        let keys = self.keys(&delivery.envelope.kind)?;
        let mut envelope = delivery.envelope.clone();
        let (name, argument) = match action {
            Settle::Delay(delay) => {
                envelope.attempt += 1;
                ("delay", delay.as_millis().to_string())
            }
            Settle::Dead(error) => ("dead", error.to_owned()),
            Settle::Release => ("release", String::new()),
        };
        let bytes = envelope.to_bytes();
        let raw = RawSettle {
            entry_id,
            consumer,
            action: name,
            envelope: &bytes,
            argument: &argument,
        };
        if self.settle_raw(conn, &keys, raw).await? {
            Ok(())
        } else {
            Err(lost(delivery))
        }
    }

    /// Runs the SETTLE script; false when the consumer no longer holds the
    /// entry.
    async fn settle_raw(
        &self,
        conn: &mut MultiplexedConnection,
        keys: &Keys,
        raw: RawSettle<'_>,
    ) -> Result<bool, QueueError> {
        let settled: i64 = scripts::SETTLE
            .key(&keys.stream)
            .key(&keys.delayed)
            .key(&keys.dead)
            .arg(GROUP)
            .arg(raw.consumer)
            .arg(raw.entry_id)
            .arg(raw.action)
            .arg(raw.envelope)
            .arg(raw.argument)
            .invoke_async(conn)
            .await
            .map_err(QueueError::redis("settle (XACK, XDEL)"))?;
        Ok(settled == 1)
    }
}

fn lost(delivery: &Delivery) -> QueueError {
    QueueError::Lost {
        kind: delivery.envelope.kind.clone(),
        job_id: delivery.envelope.job_id.clone(),
    }
}

fn redis_token(delivery: &Delivery) -> Result<(&str, &str), QueueError> {
    match &delivery.token {
        DeliveryToken::Redis { entry_id, consumer } => Ok((entry_id, consumer)),
        DeliveryToken::RabbitMq(_) => Err(QueueError::ForeignDelivery(
            delivery.envelope.job_id.clone(),
        )),
    }
}

fn envelope_field(
    fields: Vec<(String, Vec<u8>)>,
    id: &str,
    operation: &'static str,
) -> Result<Vec<u8>, QueueError> {
    fields
        .into_iter()
        .find(|(name, _)| name == "env")
        .map(|(_, value)| value)
        .ok_or_else(|| QueueError::Protocol {
            backend: "redis",
            operation,
            detail: format!("entry {id} has no env field"),
        })
}

#[async_trait]
impl JobQueue for RedisStreams {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn enqueue(&self, envelope: &JobEnvelope) -> Result<(), QueueError> {
        const OP: &str = "enqueue (XADD)";
        let keys = self.keys(&envelope.kind)?;
        let (_pooled, mut conn) = self.conn().await?;
        let (added, depth): (i64, i64) = scripts::ENQUEUE
            .key(&keys.stream)
            .key(&keys.delayed)
            .arg(self.settings.max_depth)
            .arg(envelope.to_bytes())
            .invoke_async(&mut conn)
            .await
            .map_err(QueueError::redis(OP))?;
        if added == 1 {
            Ok(())
        } else {
            Err(QueueError::Full {
                kind: envelope.kind.clone(),
                depth: u64::try_from(depth).unwrap_or(0),
                limit: self.settings.max_depth,
            })
        }
    }

    async fn reserve(
        &self,
        kind: &str,
        consumer: &str,
        max: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let keys = self.keys(kind)?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let deadline = tokio::time::Instant::now() + block;
        let pooled = self.pool.get().await?;
        let mut conn = pooled.with_timeout(self.command_timeout);
        loop {
            let (claimed, next_due) = self.reclaim(&mut conn, &keys, consumer, max).await?;
            let mut deliveries = Vec::new();
            for (id, bytes, times) in claimed {
                if let Some(delivery) = self
                    .admit(&mut conn, &keys, consumer, id, &bytes, times)
                    .await?
                {
                    deliveries.push(delivery);
                }
            }
            // A blocking read waits no longer than until the next retry is
            // due: the loop has to move it into the stream first.
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let wait = match (deliveries.is_empty(), next_due) {
                (false, _) => Duration::ZERO,
                (true, Some(due)) => left.min(due.max(Duration::from_millis(1))),
                (true, None) => left,
            };
            if deliveries.len() < max {
                for (id, bytes) in self
                    .read_new(&pooled, &keys, consumer, max - deliveries.len(), wait)
                    .await?
                {
                    if let Some(d) = self
                        .admit(&mut conn, &keys, consumer, id, &bytes, 1)
                        .await?
                    {
                        deliveries.push(d);
                    }
                }
            }
            if !deliveries.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(deliveries);
            }
        }
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let (entry_id, _) = redis_token(delivery)?;
        let keys = self.keys(&delivery.envelope.kind)?;
        let (_pooled, mut conn) = self.conn().await?;
        redis::pipe()
            .atomic()
            .cmd("XACK")
            .arg(&keys.stream)
            .arg(GROUP)
            .arg(entry_id)
            .ignore()
            .cmd("XDEL")
            .arg(&keys.stream)
            .arg(entry_id)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(QueueError::redis("ack (XACK, XDEL)"))
    }

    async fn extend(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let (entry_id, consumer) = redis_token(delivery)?;
        let keys = self.keys(&delivery.envelope.kind)?;
        let (_pooled, mut conn) = self.conn().await?;
        let extended: i64 = scripts::EXTEND
            .key(&keys.stream)
            .arg(GROUP)
            .arg(consumer)
            .arg(entry_id)
            .invoke_async(&mut conn)
            .await
            .map_err(QueueError::redis("extend (XCLAIM)"))?;
        if extended == 1 {
            Ok(())
        } else {
            Err(lost(delivery))
        }
    }

    async fn retry(&self, delivery: &Delivery, error: &str) -> Result<RetryOutcome, QueueError> {
        let attempt = delivery.envelope.attempt.max(1);
        if attempt >= self.settings.max_attempts {
            self.settle(delivery, Settle::Dead(error)).await?;
            return Ok(RetryOutcome::DeadLettered { attempts: attempt });
        }
        let delay = backoff_delay(&self.settings, attempt);
        self.settle(delivery, Settle::Delay(delay)).await?;
        Ok(RetryOutcome::Requeued {
            attempt: attempt + 1,
            delay,
        })
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> Result<(), QueueError> {
        self.settle(delivery, Settle::Dead(error)).await
    }

    async fn release(&self, delivery: &Delivery) -> Result<(), QueueError> {
        self.settle(delivery, Settle::Release).await
    }

    async fn depth(&self, kind: &str) -> Result<u64, QueueError> {
        let keys = self.keys(kind)?;
        let (_pooled, mut conn) = self.conn().await?;
        let (length, delayed): (u64, u64) = redis::pipe()
            .cmd("XLEN")
            .arg(&keys.stream)
            .cmd("ZCARD")
            .arg(&keys.delayed)
            .query_async(&mut conn)
            .await
            .map_err(QueueError::redis("depth (XLEN, ZCARD)"))?;
        Ok(length + delayed)
    }

    async fn stats(&self) -> Result<Vec<StreamStats>, QueueError> {
        const OP: &str = "stats (XINFO)";
        let (_pooled, mut conn) = self.conn().await?;
        let mut all = Vec::new();
        for kind in JobKind::ALL {
            let keys = self.keys(kind.as_str())?;
            let value: Value = scripts::STATS
                .key(&keys.stream)
                .key(&keys.delayed)
                .key(&keys.dead)
                .arg(GROUP)
                .invoke_async(&mut conn)
                .await
                .map_err(QueueError::redis(OP))?;
            let parts = reply::array(value, OP)?;
            let [now, length, delayed, dead, oldest, pending, undelivered, _has_group, consumers] =
                <[Value; 9]>::try_from(parts).map_err(|p| QueueError::Protocol {
                    backend: "redis",
                    operation: OP,
                    detail: format!("expected 9 parts, got {}", p.len()),
                })?;
            let now = reply::int(&now, OP)?;
            let length = reply::count(&length, OP)?;
            let pending = reply::count(&pending, OP)?;
            let delayed = reply::count(&delayed, OP)?;
            let mut consumer_stats = Vec::new();
            for c in reply::array(consumers, OP)? {
                let [name, held, idle] =
                    <[Value; 3]>::try_from(reply::array(c, OP)?).map_err(|p| {
                        QueueError::Protocol {
                            backend: "redis",
                            operation: OP,
                            detail: format!("consumer: expected 3 parts, got {}", p.len()),
                        }
                    })?;
                consumer_stats.push(ConsumerStats {
                    name: reply::string(name, OP)?,
                    pending: reply::count(&held, OP)?,
                    idle: Some(Duration::from_millis(reply::count(&idle, OP)?)),
                });
            }
            let waiting = length.saturating_sub(pending);
            all.push(StreamStats {
                kind: kind.as_str().to_owned(),
                name: keys.stream.clone(),
                depth: length + delayed,
                waiting,
                pending,
                delayed,
                lag: reply::optional_string(undelivered, OP)?
                    .and_then(|id| reply::entry_age(&id, now)),
                oldest_entry_age: reply::optional_string(oldest, OP)?
                    .and_then(|id| reply::entry_age(&id, now)),
                consumers: consumer_stats,
                dead_letters: reply::count(&dead, OP)?,
            });
        }
        Ok(all)
    }

    async fn dead_letters(&self, kind: &str, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let keys = self.keys(kind)?;
        self.dead_range(&keys, "-", limit).await
    }

    async fn requeue_dead(&self, kind: &str) -> Result<u64, QueueError> {
        const BATCH: usize = 500;
        let keys = self.keys(kind)?;
        let mut moved = 0;
        let mut start = "-".to_owned();
        loop {
            let letters = self.dead_range(&keys, &start, BATCH).await?;
            let Some(last) = letters.last() else {
                return Ok(moved);
            };
            start = format!("({}", last.id);
            let mut script = scripts::REQUEUE_DEAD.key(&keys.stream);
            script.key(&keys.dead);
            // Envelopes that did not decode stay dead: they would only fail again.
            for letter in letters.iter().filter(|l| !l.envelope.job_id.is_empty()) {
                let mut envelope = letter.envelope.clone();
                envelope.attempt = 1;
                script.arg(&letter.id).arg(envelope.to_bytes());
            }
            let (_pooled, mut conn) = self.conn().await?;
            let n: u64 = script
                .invoke_async(&mut conn)
                .await
                .map_err(QueueError::redis("requeue dead letters (XADD)"))?;
            moved += n;
        }
    }

    async fn purge_dead(&self, kind: &str) -> Result<u64, QueueError> {
        let keys = self.keys(kind)?;
        let (_pooled, mut conn) = self.conn().await?;
        scripts::PURGE_DEAD
            .key(&keys.dead)
            .invoke_async(&mut conn)
            .await
            .map_err(QueueError::redis("purge dead letters (DEL)"))
    }

    async fn ping(&self) -> Result<(), QueueError> {
        let (_pooled, mut conn) = self.conn().await?;
        redis::cmd("PING")
            .query_async::<()>(&mut conn)
            .await
            .map_err(QueueError::redis("PING"))
    }
}
