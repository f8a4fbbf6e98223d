use std::sync::Arc;

use medsec_cache::Cache;
use medsec_config::Settings;
use medsec_queue::JobQueue;
use medsec_store::Pool;
use medsec_telemetry::Metrics;

use crate::job_writer::JobWriter;
use crate::payload_store::PayloadStore;

/// What every handler shares. Cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub pool: Pool,
    pub queue: Arc<dyn JobQueue>,
    pub cache: Cache,
    pub payloads: PayloadStore,
    pub metrics: Metrics,
    /// Group commit of submissions' job rows.
    pub job_writer: JobWriter,
}
