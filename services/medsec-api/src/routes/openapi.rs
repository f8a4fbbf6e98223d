use actix_web::{get, HttpResponse};
use utoipa::OpenApi;

use crate::problem::Problem;
use crate::routes::{health, jobs, metrics, risk_scores, sbom_analyses, vulnerabilities};

/// The OpenAPI 3.1 document, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "MedSec API",
        description = "Submit medical-device SBOMs and CVE batches for analysis; poll jobs; fetch results.",
    ),
    paths(
        sbom_analyses::post::submit_sbom,
        risk_scores::post::submit_risk_scores,
        jobs::get::get_job,
        jobs::list::list_jobs,
        jobs::cancel::cancel_job,
        jobs::result::get_result,
        vulnerabilities::get::get_vulnerability,
        health::healthz,
        health::readyz,
        metrics::metrics,
        openapi_json,
    ),
    components(schemas(Problem))
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}
