use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::Problem;
use crate::state::AppState;

/// How long one readiness probe of a dependency may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = String)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok` or the error of each dependency.
    pub database: String,
    pub redis: String,
    pub queue: String,
}

async fn probe<F, E>(check: F) -> Result<(), String>
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
    }
}

async fn database(state: &AppState) -> Result<(), String> {
    state.pool.ping().await.map_err(|e| e.to_string())
}

/// Ready to take submissions: PostgreSQL, Redis and the queue answer. 503
/// with the failing dependencies otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Every dependency answers", body = Readiness),
        (status = 503, description = "A dependency does not answer", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (db, redis, queue) = tokio::join!(
        probe(database(&state)),
        probe(state.cache.ping()),
        probe(state.queue.ping()),
    );
    let show = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_owned(),
        Err(e) => e.clone(),
    };
    let readiness = Readiness {
        database: show(&db),
        redis: show(&redis),
        queue: show(&queue),
    };
    let failed: Vec<&str> = [("database", &db), ("redis", &redis), ("queue", &queue)]
        .into_iter()
        .filter(|(_, r)| r.is_err())
        .map(|(name, _)| name)
        .collect();
    if failed.is_empty() {
        return HttpResponse::Ok().json(readiness);
    }
    Problem::unavailable(
        &failed.join(","),
        format!("not ready: {} not answering", failed.join(", ")),
        state.settings.api.retry_after_secs,
    )
    .with("failed", &failed)
    .with("checks", &readiness)
    .response()
}
