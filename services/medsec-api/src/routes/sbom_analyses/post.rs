use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::StreamExt;
use medsec_sbom::Limits;
use medsec_store::jobs::JobKind;

use crate::body;
use crate::domain::{DeviceContextInput, IdempotencyKey, SbomUpload};
use crate::problem::Problem;
use crate::routes::jobs::{accepted, JobView};
use crate::state::AppState;
use crate::submit::{self, Submission, Submitted};
use crate::tenant::Tenant;

/// The parts of a submission, before parsing.
struct RawSubmission {
    sbom: Bytes,
    sbom_content_type: Option<String>,
    part: &'static str,
    device: Option<DeviceContextInput>,
}

fn content_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    })
}

async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<RawSubmission, Problem> {
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut sbom = None;
    let mut device = None;
    let mut budget = limit;
    while let Some(field) = multipart.next().await {
        let field = field.map_err(|e| {
            Problem::bad_request("malformed-multipart", format!("multipart body: {e}"))
        })?;
        let name = field.name().unwrap_or("").to_owned();
        let field_type = field.content_type().map(|m| m.essence_str().to_owned());
        match name.as_str() {
            "sbom" => {
                let bytes = body::collect(field, "multipart part sbom", budget).await?;
                budget -= bytes.len();
                sbom = Some((bytes, field_type));
            }
            "device" => {
                let bytes =
                    body::collect(field, "multipart part device", budget.min(64 * 1024)).await?;
                budget = budget.saturating_sub(bytes.len());
                device = Some(
                    DeviceContextInput::from_json_bytes(&bytes, "multipart part device").map_err(
                        |e| {
                            Problem::unprocessable("invalid-device-context", e)
                                .with("part", "device")
                        },
                    )?,
                );
            }
            other => {
                return Err(Problem::bad_request(
                    "unknown-part",
                    format!("multipart part {other:?} is not one of sbom, device"),
                )
                .with("part", other))
            }
        }
    }
    let (sbom, sbom_content_type) = sbom.ok_or_else(|| {
        Problem::bad_request("missing-part", "the multipart body has no part named sbom")
            .with("part", "sbom")
    })?;
    Ok(RawSubmission {
        sbom,
        // A part sent without a type (curl -F sbom=@file) is sniffed.
        sbom_content_type: sbom_content_type.filter(|t| t != "text/plain"),
        part: "multipart part sbom",
        device,
    })
}

/// Submits an SBOM for analysis: the raw CycloneDX/SPDX document as the
/// body (JSON, XML or tag-value, optionally gzip), or multipart/form-data
/// with an `sbom` part and an optional `device` part (JSON). The device
/// context may also come as query parameters. The SBOM is parsed before it
/// is accepted; analysis happens in a worker.
#[utoipa::path(
    post, path = "/api/v1/sbom-analyses", tag = "submissions",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: the same job"),
        ("device-class" = Option<String>, Query, description = "life-sustaining, therapeutic, diagnostic, monitoring, administrative"),
        ("network-exposure" = Option<String>, Query, description = "none, clinical-network, internet"),
        ("patient-contact" = Option<bool>, Query, description = "The device touches the patient"),
        ("handles-phi" = Option<bool>, Query, description = "The device handles protected health information"),
    ),
    request_body(
        description = "The SBOM, or multipart/form-data with parts sbom and device",
        content(
            (String = "application/vnd.cyclonedx+json"),
            (String = "application/vnd.cyclonedx+xml"),
            (String = "application/spdx+json"),
            (String = "text/spdx"),
            (String = "multipart/form-data"),
        )
    ),
    responses(
        (status = 202, description = "Accepted; poll Location", body = JobView,
         headers(("Location" = String, description = "The job"), ("Retry-After" = u64, description = "Seconds before polling"))),
        (status = 400, description = "Malformed SBOM or request", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body or SBOM over a limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not an SBOM type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid SBOM, device context, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Queue full or a dependency down", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds before retrying"))),
    )
)]
#[post("/sbom-analyses")]
pub async fn submit_sbom(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    tenant: Tenant,
) -> Result<HttpResponse, Problem> {
    let limit = state.settings.api.body_limit;
    body::check_declared_length(&req, limit)?;
    let key = IdempotencyKey::from_request(&req)?;
    let query_device = DeviceContextInput::from_query(req.query_string())
        .map_err(|e| Problem::unprocessable("invalid-device-context", e))?;
    let request_type = content_type(&req);
    let raw = if is_multipart(request_type.as_deref()) {
        read_multipart(&req, payload, limit).await?
    } else {
        RawSubmission {
            sbom: body::collect(payload, "request body", limit).await?,
            sbom_content_type: request_type,
            part: "request body",
            device: None,
        }
    };
    let device = match (raw.device, query_device) {
        (Some(_), Some(_)) => return Err(Problem::bad_request(
            "ambiguous-device-context",
            "the device context came both as query parameters and as a multipart part; send one",
        )),
        (part, query) => part.or(query),
    };
    let limits = Limits {
        max_input_bytes: limit as u64,
        ..Limits::default()
    };
    let upload =
        SbomUpload::parse(raw.sbom, raw.sbom_content_type.as_deref(), raw.part, limits).await?;
    tracing::info!(
        format = upload.format.name(),
        spec_version = %upload.spec_version,
        components = upload.components,
        bytes = upload.bytes.len(),
        "sbom accepted for analysis"
    );
    let submission = Submission {
        kind: JobKind::SbomAnalysis,
        input: upload.bytes,
        sbom_sha256: Some(upload.sha256),
        input_format: Some(upload.format.name()),
        device_context: device.map(|d| d.to_json()),
        idempotency_key: key,
    };
    let retry_after = state.settings.api.retry_after_secs;
    Ok(match submit::submit(&state, &tenant, submission).await? {
        Submitted::Created(job) => accepted(&job, retry_after, false),
        Submitted::Replayed(job) => accepted(&job, retry_after, true),
    })
}
