use actix_web::{post, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use medsec_store::jobs::JobKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::{CveId, DeviceContextInput, IdempotencyKey};
use crate::problem::Problem;
use crate::routes::jobs::{accepted, JobView};
use crate::state::AppState;
use crate::submit::{self, Submission, Submitted};
use crate::tenant::Tenant;

/// Most CVE ids in one request (also `maxItems` of `cve_ids` in the
/// OpenAPI document, which takes a literal).
pub const MAX_CVES: usize = 10_000;

/// A batch of CVE ids to rank for one device.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskScoreRequest {
    /// `CVE-YYYY-NNNN` ids, 1 to 10,000; duplicates are scored once.
    #[schema(min_items = 1, max_items = 10000)]
    pub cve_ids: Vec<String>,
    /// `device-class`, `network-exposure`, `patient-contact`, `handles-phi`.
    #[schema(value_type = Object)]
    pub device: Value,
}

/// The stored input of a risk-score job (what the worker reads).
#[derive(Serialize)]
struct StoredRequest<'a> {
    cve_ids: &'a [String],
}

/// Ranks a batch of CVE ids for a device context; the scores are the job's
/// result.
#[utoipa::path(
    post, path = "/api/v1/risk-scores", tag = "submissions",
    params(("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the same job")),
    request_body = RiskScoreRequest,
    responses(
        (status = 202, description = "Accepted; poll Location", body = JobView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad CVE id or device context", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Queue full or a dependency down", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/risk-scores")]
pub async fn submit_risk_scores(
    req: HttpRequest,
    state: web::Data<AppState>,
    tenant: Tenant,
    body: web::Json<RiskScoreRequest>,
) -> Result<HttpResponse, Problem> {
    let key = IdempotencyKey::from_request(&req)?;
    let body = body.into_inner();
    if body.cve_ids.is_empty() || body.cve_ids.len() > MAX_CVES {
        return Err(Problem::unprocessable(
            "invalid-cve-ids",
            format!(
                "cve_ids must hold 1 to {MAX_CVES} ids, got {}",
                body.cve_ids.len()
            ),
        )
        .with("pointer", "/cve_ids"));
    }
    let mut ids = Vec::with_capacity(body.cve_ids.len());
    for (i, raw) in body.cve_ids.iter().enumerate() {
        let id = CveId::parse(raw).map_err(|e| {
            Problem::unprocessable("invalid-cve-ids", format!("cve_ids[{i}]: {e}"))
                .with("pointer", format!("/cve_ids/{i}"))
        })?;
        ids.push(id.as_str().to_owned());
    }
    ids.sort();
    ids.dedup();
    let device = DeviceContextInput::from_json_value(body.device, "device").map_err(|e| {
        Problem::unprocessable("invalid-device-context", e).with("pointer", "/device")
    })?;
    let input = serde_json::to_vec(&StoredRequest { cve_ids: &ids })
        .map_err(|e| Problem::internal(format!("encoding the request: {e}")))?;
    let submission = Submission {
        kind: JobKind::RiskScore,
        input: Bytes::from(input),
        sbom_sha256: None,
        input_format: Some("cve-list"),
        device_context: Some(device.to_json()),
        idempotency_key: key,
    };
    let retry_after = state.settings.api.retry_after_secs;
    Ok(match submit::submit(&state, &tenant, submission).await? {
        Submitted::Created(job) => accepted(&job, retry_after, false),
        Submitted::Replayed(job) => accepted(&job, retry_after, true),
    })
}
