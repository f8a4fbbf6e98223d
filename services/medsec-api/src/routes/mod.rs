//! Routes, one module per resource and one file per verb.

pub mod health;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod risk_scores;
pub mod sbom_analyses;
pub mod vulnerabilities;

use actix_web::web;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut web::ServiceConfig) {
    cfg.service(sbom_analyses::post::submit_sbom)
        .service(risk_scores::post::submit_risk_scores)
        .service(jobs::list::list_jobs)
        .service(jobs::result::get_result)
        .service(jobs::get::get_job)
        .service(jobs::cancel::cancel_job)
        .service(vulnerabilities::get::get_vulnerability)
        .service(openapi::openapi_json);
}

/// Operations routes at the root.
pub fn operations(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics);
}
