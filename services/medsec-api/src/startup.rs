//! Builds the application from settings and serves it on a listener the
//! caller binds (tests bind port 0).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use medsec_cache::Cache;
use medsec_config::{QueueBackend, Settings};
use medsec_queue::{Backend, QueueSettings, RabbitMqSettings, RedisSettings};
use medsec_store::{Pool, PoolSettings};
use medsec_telemetry::Metrics;

use crate::job_writer::JobWriter;
use crate::payload_store::PayloadStore;
use crate::problem::{self, Problem};
use crate::state::AppState;
use crate::{observe, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] medsec_store::StoreError),
    #[error("queue: {0}")]
    Queue(#[from] medsec_queue::QueueError),
    #[error("cache: {0}")]
    Cache(#[from] medsec_cache::CacheError),
    #[error("metrics: {0}")]
    Metrics(#[from] medsec_telemetry::MetricsError),
    #[error("listening on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

fn pool_settings(settings: &Settings) -> PoolSettings {
    PoolSettings {
        max_size: settings.database.pool_size,
        overflow: settings.database.overflow,
        wait_timeout: settings.database.timeout(),
        max_lifetime: settings.database.recycle(),
        connect_timeout: settings.database.connect_timeout(),
    }
}

/// The queue settings of the configuration, for `medsec_queue::connect`.
pub fn queue_settings(settings: &Settings) -> (Backend, QueueSettings) {
    let queue = &settings.queue;
    let backend = match queue.backend {
        QueueBackend::Redis => {
            let mut redis = match &settings.redis.sentinel {
                Some(s) => RedisSettings::sentinel(s.master.clone(), s.nodes.clone()),
                None => RedisSettings::url(settings.redis.url.clone()),
            };
            redis.pool_size = settings.redis.pool_size;
            redis.command_timeout = settings.redis.command_timeout();
            Backend::Redis(redis)
        }
        QueueBackend::Rabbitmq => Backend::RabbitMq(RabbitMqSettings::url(queue.amqp_url.clone())),
    };
    let queue_settings = QueueSettings {
        stream_prefix: queue.stream_prefix.clone(),
        max_depth: queue.max_depth,
        visibility_timeout: queue.visibility_timeout(),
        max_attempts: queue.max_attempts,
        backoff_base: queue.backoff_base(),
        backoff_max: queue.backoff_max(),
    };
    (backend, queue_settings)
}

/// Connects every dependency lazily (nothing needs to answer yet: /readyz
/// says when they do).
pub async fn build_state(settings: Settings) -> Result<AppState, StartupError> {
    let pool = Pool::new(&settings.database.url, pool_settings(&settings))?;
    let (backend, queue_settings) = queue_settings(&settings);
    let queue = medsec_queue::connect(&backend, queue_settings).await?;
    let metrics = Metrics::new()?;
    metrics.prime(&["sbom-analysis", "risk-score"]);
    let cache = Cache::new(&settings.redis, settings.cache.clone())?.with_metrics(metrics.clone());
    let payloads = PayloadStore::new(&settings.s3).await;
    let job_writer = JobWriter::start(
        pool.clone(),
        settings.api.submit_batch_max,
        settings.api.submit_batch_writers,
        settings.api.retry_after_secs,
    );
    Ok(AppState {
        settings: Arc::new(settings),
        pool,
        queue,
        cache,
        payloads,
        metrics,
        job_writer,
    })
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| {
            let detail = format!("request body: {err}");
            let problem = match &err {
                actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
                | actix_web::error::JsonPayloadError::Overflow { .. } => {
                    crate::body::too_large("request body", limit)
                }
                actix_web::error::JsonPayloadError::ContentType => Problem::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "the request body must be application/json",
                ),
                actix_web::error::JsonPayloadError::Deserialize(e) => {
                    let status = if e.is_data() {
                        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
                    } else {
                        actix_web::http::StatusCode::BAD_REQUEST
                    };
                    Problem::new(status, "invalid-json", detail)
                        .with("line", e.line())
                        .with("column", e.column())
                }
                _ => Problem::bad_request("invalid-json", detail),
            };
            problem.into()
        })
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        Problem::bad_request("invalid-query", format!("query string: {err}")).into()
    })
}

/// Serves the API on `listener` with `state`.
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let workers = state.settings.api.workers;
    let body_limit = state.settings.api.body_limit;
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(json_config(body_limit))
            .app_data(query_config())
            .app_data(web::PayloadConfig::new(body_limit))
            .wrap(
                ErrorHandlers::new()
                    .default_handler_client(problem::into_problem)
                    .default_handler_server(problem::into_problem),
            )
            .wrap(from_fn(observe::observe))
            .configure(routes::operations)
            .service(web::scope("/api/v1").configure(routes::api_v1))
            .default_service(web::to(|req: actix_web::HttpRequest| async move {
                Err::<actix_web::HttpResponse, _>(Problem::not_found(format!(
                    "no route for {} {}",
                    req.method(),
                    req.path()
                )))
            }))
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    Ok(server.run())
}

/// A bound, built application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Binds `api.host:api.port` (port 0: any free port) and builds.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let address = format!("{}:{}", settings.api.host, settings.api.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                address: address.clone(),
                source,
            })?
            .port();
        let state = build_state(settings).await?;
        if state.settings.s3.endpoint.is_some() {
            if let Err(e) = state.payloads.ensure_bucket().await {
                tracing::warn!(error = %e, "object storage bucket not checked");
            }
        }
        let server = run(listener, state.clone())
            .map_err(|source| StartupError::Bind { address, source })?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
