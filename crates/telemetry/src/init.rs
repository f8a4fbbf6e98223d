use medsec_config::{LogFormat, TelemetrySettings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("telemetry.log_filter {filter:?}: {source}")]
    Filter {
        filter: String,
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("telemetry.otlp_endpoint {endpoint}: {source}")]
    Exporter {
        endpoint: String,
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
    #[error("a global tracing subscriber is installed already: {0}")]
    AlreadyInstalled(#[source] tracing_subscriber::util::TryInitError),
}

/// Flushes and stops the trace exporter when dropped: keep it alive for
/// the life of the process.
#[must_use = "traces stop being exported when the guard is dropped"]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl TelemetryGuard {
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // Nothing useful can be done with a failed final flush at exit.
        let _ = self.provider.shutdown();
    }
}

/// Installs the global subscriber: logs in the configured format (JSON by
/// default) filtered by `log_filter` (or `RUST_LOG`), and spans exported to
/// `otlp_endpoint` over OTLP/HTTP when it is set. Without an endpoint spans
/// still get trace ids, so trace context still flows through the queue.
pub fn init(service: &str, settings: &TelemetrySettings) -> Result<TelemetryGuard, TelemetryError> {
    let resource = Resource::builder()
        .with_attribute(KeyValue::new("service.name", service.to_owned()))
        .build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = &settings.otlp_endpoint {
        let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(url)
            .build()
            .map_err(|source| TelemetryError::Exporter {
                endpoint: endpoint.clone(),
                source,
            })?;
        builder = builder.with_batch_exporter(exporter);
    }
    init_with_provider(service, settings, builder.build())
}

/// [`init`] with a tracer provider built by the caller (a test's in-memory
/// exporter, for instance).
pub fn init_with_provider(
    service: &str,
    settings: &TelemetrySettings,
    provider: SdkTracerProvider,
) -> Result<TelemetryGuard, TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(env) if !env.is_empty() => env,
        _ => settings.log_filter.clone(),
    };
    let filter = EnvFilter::builder()
        .parse(&filter)
        .map_err(|source| TelemetryError::Filter { filter, source })?;
    // The filter applies to logs only: spans reach the trace layer at info
    // and above whatever the log level, so trace context always flows.
    let fmt = match settings.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(filter)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().with_filter(filter).boxed(),
    };
    let tracer = provider.tracer(service.to_owned());
    tracing_subscriber::registry()
        .with(fmt)
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(LevelFilter::INFO),
        )
        .try_init()
        .map_err(TelemetryError::AlreadyInstalled)?;
    Ok(TelemetryGuard { provider })
}
