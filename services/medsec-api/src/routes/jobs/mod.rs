pub mod cancel;
pub mod get;
pub mod list;
pub mod result;
pub mod view;

use actix_web::http::header;
use actix_web::HttpResponse;
use medsec_store::jobs::Job;
use uuid::Uuid;

use crate::problem::Problem;
pub use view::{job_path, JobView};

/// `{id}` of a jobs route.
pub fn parse_job_id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| {
        Problem::not_found(format!("no job {raw:?}: job ids are UUIDs")).with("job_id", raw)
    })
}

pub fn no_such_job(id: Uuid) -> Problem {
    Problem::not_found(format!("no job {id}")).with("job_id", id)
}

/// 202 with the job, Location and Retry-After.
pub fn accepted(job: &Job, retry_after: u64, replayed: bool) -> HttpResponse {
    let mut builder = HttpResponse::Accepted();
    builder
        .insert_header((header::LOCATION, job_path(job.id)))
        .insert_header((header::RETRY_AFTER, retry_after.to_string()));
    if replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    builder.json(JobView::from(job))
}
