use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use medsec_store::jobs::{self, JobFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::JobView;
use crate::domain::{JobCursorToken, PageLimit};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant::Tenant;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only jobs in this status.
    pub status: Option<String>,
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// Only jobs created at or after this time (RFC 3339).
    pub since: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Jobs per page, 1 to 500 (50).
    pub limit: Option<u32>,
}

/// One page of jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn bad_query(parameter: &str, detail: String) -> Problem {
    Problem::bad_request("invalid-query", detail).with("parameter", parameter)
}

/// The tenant's jobs, newest first, with cursor pagination and filters.
#[utoipa::path(
    get, path = "/api/v1/jobs", tag = "jobs",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of jobs", body = JobList),
        (status = 400, description = "A bad filter or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    tenant: Tenant,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let query = query.into_inner();
    let filter = JobFilter {
        status: query
            .status
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: jobs::UnknownName| bad_query("status", e.to_string()))?,
        kind: query
            .kind
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: jobs::UnknownName| bad_query("kind", e.to_string()))?,
        since: query
            .since
            .as_deref()
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| bad_query("since", format!("since {s:?} is not RFC 3339: {e}")))
            })
            .transpose()?,
    };
    let after = query
        .cursor
        .as_deref()
        .map(JobCursorToken::parse)
        .transpose()
        .map_err(|e| bad_query("cursor", e))?
        .map(JobCursorToken::cursor);
    let limit = PageLimit::parse(query.limit).map_err(|e| bad_query("limit", e))?;
    let mut conn = state.conn().await?;
    let page = jobs::list_jobs(&mut conn, &tenant.id, &filter, after, limit.get())
        .await
        .map_err(state.db_error())?;
    Ok(HttpResponse::Ok().json(JobList {
        jobs: page.jobs.iter().map(JobView::from).collect(),
        next_cursor: page.next.map(JobCursorToken::encode),
    }))
}
