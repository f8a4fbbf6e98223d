//! A queue of either backend under a fresh name prefix, deleted afterwards.

use std::sync::Arc;
use std::time::Duration;

use medsec_queue::rabbitmq::RabbitMq;
use medsec_queue::redis_streams::RedisStreams;
use medsec_queue::{
    JobEnvelope, JobKind, JobQueue, QueueSettings, RabbitMqSettings, RedisSettings,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Redis,
    RabbitMq,
}

pub enum Queue {
    Redis(Arc<RedisStreams>),
    RabbitMq(Arc<RabbitMq>),
}

impl Queue {
    pub fn dyn_queue(&self) -> Arc<dyn JobQueue> {
        match self {
            Queue::Redis(q) => q.clone(),
            Queue::RabbitMq(q) => q.clone(),
        }
    }
}

pub struct Fixture {
    pub kind: Kind,
    pub settings: QueueSettings,
    /// The queue the test drives.
    pub queue: Arc<dyn JobQueue>,
    own: Queue,
}

pub fn redis_url() -> String {
    std::env::var("MEDSEC_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub fn amqp_url() -> String {
    std::env::var("MEDSEC_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Settings for a test: a unique prefix, short timeouts.
pub fn test_settings() -> QueueSettings {
    QueueSettings {
        stream_prefix: format!("medsec-test:{}", uuid::Uuid::new_v4().simple()),
        max_depth: 1000,
        visibility_timeout: Duration::from_secs(30),
        max_attempts: 5,
        backoff_base: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
    }
}

pub async fn open(kind: Kind, settings: &QueueSettings) -> Queue {
    match kind {
        Kind::Redis => Queue::Redis(Arc::new(
            RedisStreams::connect(&RedisSettings::url(redis_url()), settings.clone())
                .await
                .expect("Redis settings"),
        )),
        Kind::RabbitMq => Queue::RabbitMq(Arc::new(
            RabbitMq::connect(&RabbitMqSettings::url(amqp_url()), settings.clone())
                .await
                .unwrap_or_else(|e| panic!("RabbitMQ at {}: {e}", amqp_url())),
        )),
    }
}

impl Fixture {
    pub async fn new(kind: Kind, settings: QueueSettings) -> Fixture {
        let own = open(kind, &settings).await;
        own.dyn_queue().ping().await.expect("backend answers");
        Fixture {
            kind,
            queue: own.dyn_queue(),
            settings,
            own,
        }
    }

    /// A second, independent connection to the same queues (another
    /// worker process).
    pub async fn another(&self) -> Arc<dyn JobQueue> {
        open(self.kind, &self.settings).await.dyn_queue()
    }

    /// Puts `payload` on the kind's queue as if it were an envelope.
    pub async fn inject_raw(&self, kind: JobKind, payload: &[u8]) {
        let name = self.settings.queue_name(kind.as_str());
        match self.kind {
            Kind::Redis => {
                let client = redis::Client::open(redis_url()).unwrap();
                let mut conn = client.get_multiplexed_async_connection().await.unwrap();
                redis::cmd("XADD")
                    .arg(&name)
                    .arg("*")
                    .arg("env")
                    .arg(payload)
                    .query_async::<String>(&mut conn)
                    .await
                    .unwrap();
            }
            Kind::RabbitMq => {
                let conn = lapin::Connection::connect(&amqp_url(), Default::default())
                    .await
                    .unwrap();
                let channel = conn.create_channel().await.unwrap();
                channel
                    .basic_publish(
                        "".into(),
                        name.as_str().into(),
                        Default::default(),
                        payload,
                        Default::default(),
                    )
                    .await
                    .unwrap();
                conn.close(200, "done".into()).await.unwrap();
            }
        }
    }

    /// Deletes every key / queue the test made.
    pub async fn finish(self) {
        for kind in JobKind::ALL {
            match &self.own {
                Queue::Redis(q) => q.delete_kind(kind.as_str()).await.expect("delete keys"),
                Queue::RabbitMq(q) => q.delete_kind(kind.as_str()).await.expect("delete queues"),
            }
        }
    }
}

/// An envelope with every field set.
pub fn envelope(kind: JobKind, n: u32) -> JobEnvelope {
    let job_id = uuid::Uuid::new_v4().to_string();
    JobEnvelope {
        payload_ref: format!("pg:jobs/{job_id}"),
        job_id,
        kind: kind.as_str().to_owned(),
        tenant: format!("tenant-{n}"),
        attempt: 1,
        deadline_unix_ms: 1_900_000_000_000 + i64::from(n),
        enqueued_at_unix_ms: 1_800_000_000_000 + i64::from(n),
        traceparent: format!("00-4bf92f3577b34da6a3ce929d0e0e{n:04x}-00f067aa0ba902b7-01"),
        tracestate: format!("medsec=t{n},other=x"),
    }
}
