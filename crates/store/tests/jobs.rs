//! The job repository on a real PostgreSQL database (one per test).

use chrono::{Duration, Utc};
use diesel::sql_types::Text;
use diesel::{QueryDsl, QueryableByName, Table};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_store::jobs::{
    self, Cancelled, Completed, Completion, CreatedJob, Heartbeat, JobFilter, JobKind, JobStatus,
    NewJob, NewPayload, RenderedReport, StoredPayload,
};
use medsec_store::jobs_schema;
use medsec_test_db::TestDatabase;
use serde_json::json;
use uuid::Uuid;

fn new_job<'a>(key: Option<&'a str>, fingerprint: u8, payload: NewPayload<'a>) -> NewJob<'a> {
    NewJob {
        id: Uuid::new_v4(),
        tenant: jobs::DEFAULT_TENANT,
        kind: JobKind::SbomAnalysis,
        idempotency_key: key,
        request_fingerprint: [fingerprint; 32],
        sbom_sha256: Some([7; 32]),
        input_format: Some("cyclonedx-json"),
        input_bytes: 3,
        payload,
        device_context: None,
    }
}

async fn created(conn: &mut AsyncPgConnection, new: &NewJob<'_>) -> jobs::Job {
    match jobs::create_job(conn, new).await.unwrap() {
        CreatedJob::Created(job) => job,
        other => panic!("expected a new job, got {other:?}"),
    }
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = Text)]
    column_name: String,
}

async fn columns(conn: &mut AsyncPgConnection, table: &str) -> Vec<String> {
    diesel::sql_query(
        "SELECT column_name::text AS column_name FROM information_schema.columns \
         WHERE table_schema = 'jobs' AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind::<Text, _>(table)
    .load::<ColumnName>(conn)
    .await
    .unwrap()
    .into_iter()
    .map(|c| c.column_name)
    .collect()
}

fn names<T: Table>(_: T) -> Vec<String>
where
    T::AllColumns: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    // `all_columns` renders as `"schema"."table"."column", ...`.
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&T::all_columns()).to_string();
    sql.split(", ")
        .map(|c| {
            c.rsplit('.')
                .next()
                .unwrap()
                .split(" -- ")
                .next()
                .unwrap()
                .trim()
                .trim_matches('"')
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn diesel_tables_match_the_migrated_schema() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    assert_eq!(
        columns(&mut conn, "jobs").await,
        names(jobs_schema::jobs::table)
    );
    assert_eq!(
        columns(&mut conn, "tenants").await,
        names(jobs_schema::tenants::table)
    );
    assert_eq!(
        columns(&mut conn, "api_keys").await,
        names(jobs_schema::api_keys::table)
    );
    assert_eq!(
        columns(&mut conn, "results").await,
        names(jobs_schema::results::table)
    );
    assert_eq!(
        columns(&mut conn, "audit_log").await,
        names(jobs_schema::audit_log::table)
    );
}

#[tokio::test]
async fn created_job_is_queued_and_keeps_its_input() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let context = json!({"exposure": "network"});
    let mut new = new_job(None, 1, NewPayload::Inline(b"{}\n"));
    new.device_context = Some(&context);
    let job = created(&mut conn, &new).await;
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.attempts, 0);
    assert_eq!(job.device_context, Some(context.clone()));
    assert_eq!(job.payload_ref(), format!("pg:jobs/{}", job.id));
    assert_eq!(
        jobs::get_job(&mut conn, job.id).await.unwrap(),
        Some(job.clone())
    );
    assert_eq!(
        jobs::job_payload(&mut conn, job.id).await.unwrap(),
        Some(StoredPayload::Inline(b"{}\n".to_vec()))
    );

    let s3 = created(
        &mut conn,
        &new_job(None, 2, NewPayload::S3Uri("s3://sboms/a/b.json")),
    )
    .await;
    assert_eq!(s3.payload_ref(), "s3://sboms/a/b.json");
    assert_eq!(
        jobs::job_payload(&mut conn, s3.id).await.unwrap(),
        Some(StoredPayload::S3Uri("s3://sboms/a/b.json".into()))
    );
    assert_eq!(
        jobs::get_job(&mut conn, Uuid::new_v4()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn unknown_tenant_is_refused_by_the_database() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let mut new = new_job(None, 1, NewPayload::Inline(b"x"));
    new.tenant = "nobody";
    let err = jobs::create_job(&mut conn, &new).await.unwrap_err();
    assert!(err.to_string().contains("inserting a job"), "{err}");
}

#[tokio::test]
async fn idempotency_key_replays_the_same_request_and_flags_a_different_one() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let first = created(
        &mut conn,
        &new_job(Some("k-1"), 1, NewPayload::Inline(b"a")),
    )
    .await;
    match jobs::create_job(
        &mut conn,
        &new_job(Some("k-1"), 1, NewPayload::Inline(b"a")),
    )
    .await
    .unwrap()
    {
        CreatedJob::Replayed(job) => assert_eq!(job.id, first.id),
        other => panic!("expected a replay, got {other:?}"),
    }
    match jobs::create_job(
        &mut conn,
        &new_job(Some("k-1"), 2, NewPayload::Inline(b"b")),
    )
    .await
    .unwrap()
    {
        CreatedJob::KeyReused(job) => assert_eq!(job.id, first.id),
        other => panic!("expected a reused key, got {other:?}"),
    }
    // Keys are per tenant.
    jobs::create_tenant(&mut conn, "acme", "Acme")
        .await
        .unwrap();
    let mut other_tenant = new_job(Some("k-1"), 1, NewPayload::Inline(b"a"));
    other_tenant.tenant = "acme";
    let other = created(&mut conn, &other_tenant).await;
    assert_ne!(other.id, first.id);
    // Without a key every request is a new job.
    let a = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    let b = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    assert_ne!(a.id, b.id);
}

#[tokio::test]
async fn a_refused_submission_leaves_no_row_and_frees_its_key() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let job = created(&mut conn, &new_job(Some("k"), 1, NewPayload::Inline(b"a"))).await;
    assert!(jobs::delete_unqueued_job(&mut conn, job.id).await.unwrap());
    assert_eq!(jobs::get_job(&mut conn, job.id).await.unwrap(), None);
    let again = created(&mut conn, &new_job(Some("k"), 1, NewPayload::Inline(b"a"))).await;
    assert_ne!(again.id, job.id);
    // A job a worker has touched is never deleted this way.
    jobs::claim_job(&mut conn, again.id).await.unwrap().unwrap();
    assert!(!jobs::delete_unqueued_job(&mut conn, again.id)
        .await
        .unwrap());
}

#[tokio::test]
async fn claim_counts_attempts_and_stops_at_a_finished_job() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let job = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    let running = jobs::claim_job(&mut conn, job.id).await.unwrap().unwrap();
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.attempts, 1);
    assert!(running.started_at.is_some());
    // A redelivery after a worker died claims again.
    let again = jobs::claim_job(&mut conn, job.id).await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    assert_eq!(
        jobs::heartbeat(&mut conn, job.id).await.unwrap(),
        Heartbeat::Continue
    );

    let analysis = json!({"findings": []});
    let completion = Completion {
        analysis: &analysis,
        cache_hit: false,
        kb_generation: Some(4),
        model_version: Some("m-1"),
        reports: &[],
    };
    assert_eq!(
        jobs::complete_job_with_result(&mut conn, job.id, &completion)
            .await
            .unwrap(),
        Completed::Succeeded
    );
    assert_eq!(jobs::claim_job(&mut conn, job.id).await.unwrap(), None);
    assert_eq!(
        jobs::heartbeat(&mut conn, job.id).await.unwrap(),
        Heartbeat::NotRunning
    );
    let done = jobs::get_job(&mut conn, job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.kb_generation, Some(4));
    assert_eq!(done.model_version.as_deref(), Some("m-1"));
    assert!(done.finished_at.is_some());
    assert_eq!(
        jobs::claim_job(&mut conn, Uuid::new_v4()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn concurrent_completions_write_exactly_one_result() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let job = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    jobs::claim_job(&mut conn, job.id).await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for n in 0..8 {
        let mut conn = db.connect().await;
        tasks.push(tokio::spawn(async move {
            let analysis = json!({"worker": n});
            let reports = [RenderedReport {
                format: "csv".to_owned(),
                media_type: "text/csv".to_owned(),
                body: format!("worker\r\n{n}\r\n").into_bytes(),
            }];
            let completion = Completion {
                analysis: &analysis,
                cache_hit: false,
                kb_generation: None,
                model_version: None,
                reports: &reports,
            };
            jobs::complete_job_with_result(&mut conn, job.id, &completion)
                .await
                .unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let succeeded = outcomes
        .iter()
        .filter(|o| **o == Completed::Succeeded)
        .count();
    let replayed = outcomes
        .iter()
        .filter(|o| **o == Completed::AlreadySucceeded)
        .count();
    assert_eq!((succeeded, replayed), (1, 7), "{outcomes:?}");
    let count: i64 = jobs_schema::results::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let result = jobs::get_result(&mut conn, job.id).await.unwrap().unwrap();
    let worker = result.analysis["worker"].as_i64().expect("worker");
    // The reports are the winning completion's, written with its result.
    let (media_type, body) = jobs::get_report(&mut conn, job.id, "csv")
        .await
        .unwrap()
        .expect("csv report");
    assert_eq!(media_type, "text/csv");
    assert_eq!(body, format!("worker\r\n{worker}\r\n").into_bytes());
    assert_eq!(
        jobs::get_report(&mut conn, job.id, "html").await.unwrap(),
        None
    );
    let reports: i64 = jobs_schema::result_reports::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(reports, 1);
}

#[tokio::test]
async fn cancel_queued_running_and_finished_jobs() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let tenant = jobs::DEFAULT_TENANT;

    let queued = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    match jobs::cancel_job(&mut conn, tenant, queued.id)
        .await
        .unwrap()
    {
        Cancelled::Cancelled(job) => assert_eq!(job.status, JobStatus::Cancelled),
        other => panic!("{other:?}"),
    }
    assert_eq!(jobs::claim_job(&mut conn, queued.id).await.unwrap(), None);

    let running = created(&mut conn, &new_job(None, 2, NewPayload::Inline(b"a"))).await;
    jobs::claim_job(&mut conn, running.id)
        .await
        .unwrap()
        .unwrap();
    match jobs::cancel_job(&mut conn, tenant, running.id)
        .await
        .unwrap()
    {
        Cancelled::Requested(job) => {
            assert_eq!(job.status, JobStatus::Running);
            assert!(job.cancel_requested);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        jobs::heartbeat(&mut conn, running.id).await.unwrap(),
        Heartbeat::CancelRequested
    );
    // A redelivery of a job being cancelled ends it instead of running it.
    assert_eq!(jobs::claim_job(&mut conn, running.id).await.unwrap(), None);
    let ended = jobs::get_job(&mut conn, running.id).await.unwrap().unwrap();
    assert_eq!(ended.status, JobStatus::Cancelled);
    match jobs::cancel_job(&mut conn, tenant, running.id)
        .await
        .unwrap()
    {
        Cancelled::AlreadyFinished(job) => assert_eq!(job.status, JobStatus::Cancelled),
        other => panic!("{other:?}"),
    }
    // A result arriving after cancellation is not written.
    let analysis = json!({});
    let completion = Completion {
        analysis: &analysis,
        cache_hit: false,
        kb_generation: None,
        model_version: None,
        reports: &[],
    };
    assert_eq!(
        jobs::complete_job_with_result(&mut conn, running.id, &completion)
            .await
            .unwrap(),
        Completed::NotActive(JobStatus::Cancelled)
    );
    assert_eq!(jobs::get_result(&mut conn, running.id).await.unwrap(), None);

    jobs::create_tenant(&mut conn, "acme", "Acme")
        .await
        .unwrap();
    let mine = created(&mut conn, &new_job(None, 3, NewPayload::Inline(b"a"))).await;
    assert_eq!(
        jobs::cancel_job(&mut conn, "acme", mine.id).await.unwrap(),
        Cancelled::NotFound
    );
}

#[tokio::test]
async fn failures_requeue_fail_and_dead_letter() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let job = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    jobs::claim_job(&mut conn, job.id).await.unwrap().unwrap();
    assert!(jobs::requeue_job(&mut conn, job.id, "boom 1")
        .await
        .unwrap());
    let queued = jobs::get_job(&mut conn, job.id).await.unwrap().unwrap();
    assert_eq!(queued.status, JobStatus::Queued);
    assert_eq!(queued.last_error.as_deref(), Some("boom 1"));
    assert!(queued.queued_at >= job.queued_at);
    jobs::claim_job(&mut conn, job.id).await.unwrap().unwrap();
    assert!(jobs::mark_dead(&mut conn, job.id, "boom 2").await.unwrap());
    let dead = jobs::get_job(&mut conn, job.id).await.unwrap().unwrap();
    assert_eq!((dead.status, dead.attempts), (JobStatus::Dead, 2));
    assert_eq!(dead.last_error.as_deref(), Some("boom 2"));
    assert!(!jobs::fail_job(&mut conn, job.id, "late").await.unwrap());

    let other = created(&mut conn, &new_job(None, 2, NewPayload::Inline(b"a"))).await;
    jobs::claim_job(&mut conn, other.id).await.unwrap().unwrap();
    assert!(jobs::fail_job(&mut conn, other.id, "unreadable input")
        .await
        .unwrap());
    let failed = jobs::get_job(&mut conn, other.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
}

#[tokio::test]
async fn listing_pages_through_every_job_once_newest_first() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let mut ids = Vec::new();
    for n in 0..25u8 {
        let mut new = new_job(None, n, NewPayload::Inline(b"a"));
        if n % 5 == 0 {
            new.kind = JobKind::RiskScore;
        }
        ids.push(created(&mut conn, &new).await.id);
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = jobs::list_jobs(&mut conn, "default", &JobFilter::default(), cursor, 10)
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.jobs.iter().map(|j| (j.created_at, j.id)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    let mut got: Vec<Uuid> = seen.iter().map(|(_, id)| *id).collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);

    let risk = JobFilter {
        kind: Some(JobKind::RiskScore),
        ..JobFilter::default()
    };
    let page = jobs::list_jobs(&mut conn, "default", &risk, None, 100)
        .await
        .unwrap();
    assert_eq!(page.jobs.len(), 5);
    assert!(page.next.is_none());
    jobs::claim_job(&mut conn, ids[0]).await.unwrap();
    let running = JobFilter {
        status: Some(JobStatus::Running),
        ..JobFilter::default()
    };
    let page = jobs::list_jobs(&mut conn, "default", &running, None, 100)
        .await
        .unwrap();
    assert_eq!(
        page.jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    let future = JobFilter {
        since: Some(Utc::now() + Duration::hours(1)),
        ..JobFilter::default()
    };
    assert!(jobs::list_jobs(&mut conn, "default", &future, None, 100)
        .await
        .unwrap()
        .jobs
        .is_empty());
    assert!(
        jobs::list_jobs(&mut conn, "acme", &JobFilter::default(), None, 100)
            .await
            .unwrap()
            .jobs
            .is_empty()
    );
}

#[tokio::test]
async fn reconcile_sees_only_jobs_queued_long_enough() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let old = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    let running = created(&mut conn, &new_job(None, 2, NewPayload::Inline(b"a"))).await;
    jobs::claim_job(&mut conn, running.id).await.unwrap();
    let cutoff = Utc::now() + Duration::seconds(1);
    let due = jobs::queued_jobs_for_reconcile(&mut conn, cutoff, 100)
        .await
        .unwrap();
    assert_eq!(due.iter().map(|j| j.id).collect::<Vec<_>>(), vec![old.id]);
    let earlier = old.queued_at - Duration::seconds(1);
    assert!(jobs::queued_jobs_for_reconcile(&mut conn, earlier, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(jobs::touch_queued(&mut conn, old.id).await.unwrap());
    let touched = jobs::get_job(&mut conn, old.id).await.unwrap().unwrap();
    assert!(touched.queued_at >= old.queued_at);
}

#[tokio::test]
async fn api_keys_resolve_to_their_tenant_and_audit_is_kept() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    assert!(jobs::create_tenant(&mut conn, "acme", "Acme")
        .await
        .unwrap());
    assert!(!jobs::create_tenant(&mut conn, "acme", "Acme")
        .await
        .unwrap());
    assert!(jobs::create_tenant(&mut conn, "Not Valid", "x")
        .await
        .is_err());
    let hash = [9u8; 32];
    jobs::create_api_key(&mut conn, "acme", "ci", &hash)
        .await
        .unwrap();
    assert_eq!(
        jobs::tenant_for_api_key(&mut conn, &hash)
            .await
            .unwrap()
            .as_deref(),
        Some("acme")
    );
    assert_eq!(
        jobs::tenant_for_api_key(&mut conn, &[8; 32]).await.unwrap(),
        None
    );

    let job = created(&mut conn, &new_job(None, 1, NewPayload::Inline(b"a"))).await;
    let detail = json!({"bytes": 1});
    jobs::record_audit(
        &mut conn,
        &jobs::AuditEntry {
            tenant: "default",
            actor: "anonymous",
            action: "job.submitted",
            job_id: Some(job.id),
            detail: &detail,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        jobs::audit_for_job(&mut conn, job.id).await.unwrap(),
        vec![("job.submitted".into(), "anonymous".into(), detail)]
    );
    let counts = jobs::count_by_status(&mut conn).await.unwrap();
    assert_eq!(counts, vec![(JobKind::SbomAnalysis, JobStatus::Queued, 1)]);
}

/// The batch answers what one `create_job` per submission would have, in
/// order, and writes an audit entry only for rows it created.
#[tokio::test]
async fn a_batch_of_jobs_answers_as_single_inserts_would() {
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let earlier = created(
        &mut conn,
        &new_job(Some("earlier"), 1, NewPayload::Inline(b"x")),
    )
    .await;

    let detail = json!({"batch": true});
    let submission = |job: NewJob<'static>| jobs::JobSubmission {
        audit: jobs::AuditEntry {
            tenant: jobs::DEFAULT_TENANT,
            actor: "anonymous",
            action: "job.submitted",
            job_id: Some(job.id),
            detail: Box::leak(Box::new(detail.clone())),
        },
        job,
    };
    let batch = vec![
        submission(new_job(None, 2, NewPayload::Inline(b"abc"))),
        // The same request as the earlier job: a replay.
        submission(new_job(Some("earlier"), 1, NewPayload::Inline(b"x"))),
        // The earlier key with another request.
        submission(new_job(Some("earlier"), 3, NewPayload::Inline(b"y"))),
        submission(new_job(Some("fresh"), 4, NewPayload::S3Uri("s3://b/k"))),
        // The same key twice in one batch: the second replays the first.
        submission(new_job(Some("fresh"), 4, NewPayload::S3Uri("s3://b/k"))),
    ];
    let answers = jobs::create_jobs(&mut conn, &batch).await.unwrap();
    assert_eq!(answers.len(), batch.len());

    let CreatedJob::Created(first) = &answers[0] else {
        panic!("{:?}", answers[0])
    };
    assert_eq!(first.id, batch[0].job.id);
    assert_eq!(
        jobs::job_payload(&mut conn, first.id).await.unwrap(),
        Some(StoredPayload::Inline(b"abc".to_vec()))
    );
    assert_eq!(answers[1], CreatedJob::Replayed(earlier.clone()));
    assert_eq!(answers[2], CreatedJob::KeyReused(earlier.clone()));
    let CreatedJob::Created(fresh) = &answers[3] else {
        panic!("{:?}", answers[3])
    };
    assert_eq!(fresh.id, batch[3].job.id);
    assert_eq!(fresh.payload_s3_uri.as_deref(), Some("s3://b/k"));
    assert_eq!(answers[4], CreatedJob::Replayed(fresh.clone()));

    for (i, s) in batch.iter().enumerate() {
        let audit = jobs::audit_for_job(&mut conn, s.job.id).await.unwrap();
        let expected = usize::from(matches!(answers[i], CreatedJob::Created(_)));
        assert_eq!(audit.len(), expected, "submission {i}: {audit:?}");
    }
    let counts = jobs::count_by_status(&mut conn).await.unwrap();
    assert_eq!(counts, vec![(JobKind::SbomAnalysis, JobStatus::Queued, 3)]);
}
