use chrono::{DateTime, Utc};
use medsec_store::jobs::Job;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A job as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    /// `sbom-analysis` or `risk-score`.
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed`, `cancelled` or `dead`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    /// The last attempt's error.
    pub error: Option<String>,
    /// Answered from the analysis cache.
    pub cache_hit: bool,
    pub cancel_requested: bool,
    pub kb_generation: Option<i64>,
    pub model_version: Option<String>,
    pub input: InputView,
    #[schema(value_type = Option<Object>)]
    pub device_context: Option<serde_json::Value>,
    pub links: JobLinks,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InputView {
    /// `cyclonedx-json`, `cyclonedx-xml`, `spdx-json`, `spdx-tag-value`, or
    /// `cve-list` for risk scores.
    pub format: Option<String>,
    pub bytes: i64,
    /// Hex SHA-256 of the submitted SBOM.
    pub sha256: Option<String>,
    /// `inline` (in PostgreSQL) or `s3`.
    pub stored: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobLinks {
    #[serde(rename = "self")]
    pub self_: String,
    /// Where the result is, once the job has succeeded.
    pub result: Option<String>,
}

pub fn job_path(id: Uuid) -> String {
    format!("/api/v1/jobs/{id}")
}

impl From<&Job> for JobView {
    fn from(job: &Job) -> JobView {
        let succeeded = job.status == medsec_store::jobs::JobStatus::Succeeded;
        JobView {
            id: job.id,
            kind: job.kind.as_str().to_owned(),
            status: job.status.as_str().to_owned(),
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
            attempts: job.attempts,
            error: job.last_error.clone(),
            cache_hit: job.cache_hit,
            cancel_requested: job.cancel_requested,
            kb_generation: job.kb_generation,
            model_version: job.model_version.clone(),
            input: InputView {
                format: job.input_format.clone(),
                bytes: job.input_bytes,
                sha256: job.sbom_sha256.as_ref().map(hex::encode),
                stored: if job.payload_s3_uri.is_some() {
                    "s3"
                } else {
                    "inline"
                }
                .to_owned(),
            },
            device_context: job.device_context.clone(),
            links: JobLinks {
                self_: job_path(job.id),
                result: succeeded.then(|| format!("{}/result", job_path(job.id))),
            },
        }
    }
}
