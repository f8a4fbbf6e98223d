//! JSON logs, OpenTelemetry traces over OTLP, W3C trace-context propagation
//! through job envelopes, and the Prometheus metrics of the API and workers.
//!
//! ```no_run
//! let settings = medsec_config::Settings::load(None).unwrap();
//! let _guard = medsec_telemetry::init("medsec-api", &settings.telemetry).unwrap();
//! let metrics = medsec_telemetry::Metrics::new().unwrap();
//! tracing::info!("started");
//! print!("{}", metrics.render());
//! ```

mod init;
mod metrics;
mod propagation;

pub use init::{init, init_with_provider, TelemetryError, TelemetryGuard};
pub use metrics::Metrics;
/// The error of building the metrics registry.
pub use prometheus::Error as MetricsError;
pub use propagation::{current_context, set_parent, TraceContext};
