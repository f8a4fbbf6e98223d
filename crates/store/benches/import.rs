//! Knowledge-base import throughput per source into a fresh test database,
//! against a baseline measured in the same run: a plain multi-row diesel
//! INSERT of as many rows, each as wide as the source's records on disk,
//! into a scratch table. The ratio is what carries between machines.
//! A record of CVE 5 or CSAF becomes dozens of rows (affected products,
//! versions, statuses, remediations) and a JSONB document, so a second
//! ratio compares the rows the import wrote to all `kb` tables with the
//! baseline inserting as many rows, the same bytes spread over them.
//!
//! Then, with the `medsec` binary (`scripts/bench kb` builds it; or set
//! `MEDSEC_BIN`): the snapshot built straight from the same files (time,
//! size), exported from PostgreSQL (time), and loaded in a child process
//! (time, peak RSS from its `VmHWM`).
//!
//! Run with `scripts/bench kb` or `cargo bench -p medsec-store --bench import`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::ExpressionMethods;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use medsec_store::kb_import::{import, FeedInput, FeedKind, ImportOptions};
use medsec_test_db::TestDatabase;

diesel::table! {
    bench_baseline (id) {
        id -> Text,
        body -> Text,
    }
}

/// Rows per INSERT statement of the baseline (two binds each, far below
/// PostgreSQL's 65,535) and per transaction.
const BASELINE_BATCH: usize = 1_000;

struct Source {
    name: &'static str,
    inputs: Vec<FeedInput>,
    /// The CLI flags for the same inputs.
    flags: Vec<(String, PathBuf)>,
}

fn sources(data: &Path) -> Vec<Source> {
    let v = data.join("vulns");
    let one = |name: &'static str, kind: FeedKind, flag: &str, paths: Vec<PathBuf>| Source {
        name,
        inputs: paths
            .iter()
            .map(|p| match kind {
                FeedKind::Epss => FeedInput::epss(p, None),
                _ => FeedInput::new(kind, p),
            })
            .collect(),
        flags: paths.into_iter().map(|p| (flag.to_owned(), p)).collect(),
    };
    vec![
        one("nvd", FeedKind::Nvd, "--nvd", vec![v.join("nvd")]),
        one(
            "cve5",
            FeedKind::Cve5,
            "--cve5",
            vec![v.join("vulnrichment")],
        ),
        one("osv", FeedKind::Osv, "--osv", vec![v.join("osv")]),
        one(
            "kev",
            FeedKind::Kev,
            "--kev",
            vec![v.join("kev/known_exploited_vulnerabilities.json.gz")],
        ),
        one(
            "epss",
            FeedKind::Epss,
            "--epss",
            vec![v.join("epss/epss_scores-2026-08-16.emba.csv.gz")],
        ),
        one("csaf", FeedKind::Csaf, "--csaf", vec![v.join("icsma-csaf")]),
        one(
            "cwe",
            FeedKind::Cwe,
            "--cwe",
            vec![
                v.join("cwe/cwe-view-1000.csv.gz"),
                v.join("cwe/cwe-view-1003.csv"),
            ],
        ),
        // The derived tables go into PostgreSQL only (no snapshot flags).
        derived(
            "cvesum",
            FeedKind::CveSummary,
            v.join("nvd-summary/vulnrichment_summary.derived.csv.gz"),
        ),
        derived(
            "ics",
            FeedKind::IcsAdvisories,
            v.join("ics-advisories/CISA_ICS_ADV_Master.csv.gz"),
        ),
        derived(
            "kevepss",
            FeedKind::KevEpss,
            v.join("epss/kev-epss-nvd/epss_kev_nvd-2026-08-22.csv"),
        ),
    ]
}

fn derived(name: &'static str, kind: FeedKind, path: PathBuf) -> Source {
    Source {
        name,
        inputs: vec![FeedInput::new(kind, path)],
        flags: Vec::new(),
    }
}

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct RowCount {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in every table of schema `kb`: what an import wrote, record and
/// child rows alike, is the difference before and after it.
async fn kb_rows(conn: &mut AsyncPgConnection) -> u64 {
    let tables: Vec<TableName> = diesel::sql_query(
        "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'kb' ORDER BY 1",
    )
    .load(conn)
    .await
    .expect("kb tables");
    let mut total = 0;
    for t in tables {
        let n: RowCount = diesel::sql_query(format!("SELECT count(*) AS n FROM kb.\"{}\"", t.name))
            .get_result(conn)
            .await
            .expect("count");
        total += u64::try_from(n.n).unwrap_or(0);
    }
    total
}

/// Uncompressed bytes of an input's files, for the baseline's row width.
fn input_bytes(input: &FeedInput) -> u64 {
    let files = if input.path.is_dir() {
        medsec_testdata::files_under(&input.path)
    } else {
        vec![input.path.clone()]
    };
    files
        .iter()
        .map(|f| medsec_testdata::read(f).len() as u64)
        .sum()
}

async fn baseline(conn: &mut AsyncPgConnection, rows: usize, width: usize) -> Duration {
    diesel::sql_query("DROP TABLE IF EXISTS bench_baseline")
        .execute(conn)
        .await
        .expect("drop scratch table");
    diesel::sql_query("CREATE TABLE bench_baseline (id text PRIMARY KEY, body text NOT NULL)")
        .execute(conn)
        .await
        .expect("create scratch table");
    let body = "x".repeat(width.max(1));
    let started = Instant::now();
    let mut done = 0;
    while done < rows {
        let n = BASELINE_BATCH.min(rows - done);
        let batch: Vec<_> = (done..done + n)
            .map(|i| {
                (
                    bench_baseline::id.eq(format!("ROW-{i:09}")),
                    bench_baseline::body.eq(body.as_str()),
                )
            })
            .collect();
        conn.transaction::<_, diesel::result::Error, _>(async |c| {
            diesel::insert_into(bench_baseline::table)
                .values(&batch)
                .execute(c)
                .await
        })
        .await
        .expect("baseline insert");
        done += n;
    }
    started.elapsed()
}

fn medsec_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MEDSEC_BIN") {
        return Some(PathBuf::from(p));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let p = target.join("release/medsec");
    p.exists().then_some(p)
}

fn run(bin: &Path, args: &[String], url: Option<&str>) -> (String, String, Duration) {
    let mut cmd = Command::new(bin);
    cmd.args(args).env_remove("MEDSEC_DATABASE_URL");
    if let Some(u) = url {
        cmd.env("MEDSEC_DATABASE_URL", u);
    }
    let started = Instant::now();
    let out = cmd.output().expect("run medsec");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "medsec {args:?} failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr, elapsed)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Some(data) = medsec_testdata::require("bench import") else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let sources = sources(&data);

    println!(
        "{:<7} {:>8} {:>8} {:>10} {:>8} {:>10} {:>6} {:>9} {:>10} {:>6}",
        "source",
        "records",
        "import s",
        "records/s",
        "base s",
        "base r/s",
        "ratio",
        "kb rows",
        "kb rows/s",
        "ratio"
    );
    let mut total_records = 0u64;
    let mut total_secs = 0.0;
    for source in &sources {
        let rows_before = kb_rows(&mut conn).await;
        let mut progress = |_: &medsec_store::kb_import::Progress| {};
        let summary = import(
            &mut conn,
            &source.inputs,
            ImportOptions::default(),
            &mut progress,
        )
        .await
        .expect("import");
        let written = kb_rows(&mut conn).await.saturating_sub(rows_before);
        let records = summary.read();
        let secs = summary.elapsed.as_secs_f64();
        let rejected = summary.rejected().count();
        let bytes: u64 = source.inputs.iter().map(input_bytes).sum();
        let width = usize::try_from(bytes / records.max(1)).unwrap_or(1);
        let rows = usize::try_from(records).unwrap_or(0);
        let base = baseline(&mut conn, rows, width).await.as_secs_f64();
        let rate = records as f64 / secs;
        let base_rate = rows as f64 / base;
        let row_rate = written as f64 / secs;
        // The baseline again, as many rows as the import wrote, each as
        // wide as the bytes on disk spread over them.
        let row_width = usize::try_from(bytes / written.max(1)).unwrap_or(1);
        let row_base = baseline(&mut conn, usize::try_from(written).unwrap_or(0), row_width)
            .await
            .as_secs_f64();
        let row_base_rate = written as f64 / row_base;
        println!(
            "{:<7} {:>8} {:>8.2} {:>10.0} {:>8.2} {:>10.0} {:>6.2} {:>9} {:>10.0} {:>6.2}{}",
            source.name,
            records,
            secs,
            rate,
            base,
            base_rate,
            rate / base_rate,
            written,
            row_rate,
            row_rate / row_base_rate,
            if rejected > 0 {
                format!("  ({rejected} rejected)")
            } else {
                String::new()
            }
        );
        total_records += records;
        total_secs += secs;
    }
    println!(
        "all     {total_records:>8} {total_secs:>8.2} {:>10.0}   (records ratio: baseline rows as many and as wide as the records; \
         kb rows ratio: baseline rows as many as the rows the import wrote to all kb tables, the same bytes spread over them)",
        total_records as f64 / total_secs
    );
    diesel::sql_query("DROP TABLE IF EXISTS bench_baseline")
        .execute(&mut conn)
        .await
        .expect("drop scratch table");

    let Some(bin) = medsec_bin() else {
        println!("snapshot: skipped (no target/release/medsec; `scripts/bench kb` builds it, or set MEDSEC_BIN)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("medsec-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let direct = dir.join("direct.snap");
    let exported = dir.join("exported.snap");
    let flags: Vec<String> = sources
        .iter()
        .flat_map(|s| s.flags.iter())
        .flat_map(|(f, p)| [f.clone(), p.display().to_string()])
        .collect();

    let mut args: Vec<String> = ["db", "import", "--snapshot"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.push(direct.display().to_string());
    args.extend(flags);
    let (_, _, build) = run(&bin, &args, None);
    let size = std::fs::metadata(&direct).map(|m| m.len()).unwrap_or(0);
    let export_args: Vec<String> = ["db", "export", "--snapshot"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([exported.display().to_string()])
        .collect();
    let (_, _, export) = run(&bin, &export_args, Some(db.url()));
    println!(
        "snapshot from files: {:.2} s (read + build + write), {:.1} MiB",
        build.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    println!(
        "snapshot from PostgreSQL: {:.2} s (read back + build + write)",
        export.as_secs_f64()
    );
    let info_args: Vec<String> = ["db", "info", "--snapshot"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([direct.display().to_string()])
        .collect();
    for _ in 0..3 {
        let (_, stderr, _) = run(&bin, &info_args, None);
        if let Some(line) = stderr.lines().find(|l| l.starts_with("loaded ")) {
            println!("snapshot {line} (child process)");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
