//! The `kb` schema holds the real public feeds of the shared data set: every
//! NVD, OSV, CVE JSON 5, KEV, EPSS, CWE and CSAF record there is stored
//! (the CHECK constraints and keys accept real data), and the nested
//! structures (NVD configurations, OSV ranges, CVE 5 versions, CSAF product
//! statuses) read back in feed order, equal to the JSON they came from.
//!
//! The mapping here is deliberately plain `serde_json::Value` walking: it
//! tests the tables, not an importer.

// Rows are read back as plain tuples, whose types clippy finds complex.
#![allow(clippy::type_complexity)]

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::{ExpressionMethods, PgArrayExpressionMethods, QueryDsl};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_store::kb::{upsert_vulnerabilities, NewVulnerability};
use medsec_store::schema::kb;
use medsec_test_db::TestDatabase;
use serde_json::{json, Value};

/// Rows per INSERT: at most 14 columns each, far below PostgreSQL's 65,535
/// bind parameters.
const CHUNK: usize = 1_000;

macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(CHUNK) {
            diesel::insert_into($table)
                .values(chunk.to_vec())
                .execute($conn)
                .await
                .unwrap_or_else(|err| panic!("inserting into {}: {err}", stringify!($table)));
        }
    };
}

fn digest(value: &Value) -> Vec<u8> {
    let mut hasher = DefaultHasher::new();
    value.to_string().hash(&mut hasher);
    hasher.finish().to_be_bytes().to_vec()
}

/// Feed timestamps: RFC 3339, NVD's zone-less UTC, or a bare date.
fn time(s: &str) -> DateTime<Utc> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return t.with_timezone(&Utc);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return t.and_utc();
    }
    date(s).and_time(chrono::NaiveTime::MIN).and_utc()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|err| panic!("date {s:?}: {err}"))
}

fn opt_time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().map(time)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn strings(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn slot<'a>(rebuilt: &'a mut BTreeMap<String, Value>, id: &str) -> &'a mut Value {
    rebuilt.get_mut(id).expect("a rebuilt record")
}

fn ord(i: usize) -> i32 {
    i32::try_from(i).expect("ordinal fits i32")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = medsec_testdata::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&medsec_testdata::read(path))
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

async fn first_generation(conn: &mut AsyncPgConnection) -> i64 {
    diesel::insert_into(kb::generations::table)
        .values((
            kb::generations::generation.eq(1),
            kb::generations::source.eq("shared data set"),
            kb::generations::finished_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .expect("generation");
    1
}

/// Splits a CPE 2.3 formatted string on its unescaped colons and removes
/// the escapes.
fn cpe_fields(cpe: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = cpe.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(field)) = (chars.next(), fields.last_mut()) {
                    field.push(next);
                }
            }
            ':' => fields.push(String::new()),
            _ => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

// ---------------------------------------------------------------- NVD

fn nvd_records(data: &Path) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for dir in [
        "vulns/nvd/records-fkie",
        "vulns/nvd/fixtures/osv.dev-nvdcve-2.0",
        "vulns/nvd/fixtures/vunnel",
    ] {
        for path in json_files(&data.join(dir)) {
            let doc = load(&path);
            let cves: Vec<Value> = match doc.get("vulnerabilities").and_then(Value::as_array) {
                Some(list) => list.iter().filter_map(|v| v.get("cve").cloned()).collect(),
                None if doc.get("id").is_some() => vec![doc],
                None => Vec::new(),
            };
            for cve in cves {
                let id = text(&cve["id"]).expect("NVD record id");
                out.entry(id).or_insert(cve);
            }
        }
    }
    out
}

/// The configuration tree of an NVD record, as the tables store it.
fn nvd_configurations(cve: &Value) -> Value {
    let bound = |m: &Value, key: &str| m.get(key).cloned().unwrap_or(Value::Null);
    Value::Array(
        items(&cve["configurations"])
            .iter()
            .map(|c| {
                json!({
                    "operator": bound(c, "operator"),
                    "negate": c["negate"].as_bool().unwrap_or(false),
                    "nodes": items(&c["nodes"]).iter().map(|n| json!({
                        "operator": n["operator"],
                        "negate": n["negate"].as_bool().unwrap_or(false),
                        "cpeMatch": items(&n["cpeMatch"]).iter().map(|m| json!({
                            "vulnerable": m["vulnerable"],
                            "criteria": m["criteria"],
                            "matchCriteriaId": bound(m, "matchCriteriaId"),
                            "versionStartIncluding": bound(m, "versionStartIncluding"),
                            "versionStartExcluding": bound(m, "versionStartExcluding"),
                            "versionEndIncluding": bound(m, "versionEndIncluding"),
                            "versionEndExcluding": bound(m, "versionEndExcluding"),
                        })).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

type Severity = (
    diesel::dsl::Eq<kb::severities::vulnerability_id, String>,
    diesel::dsl::Eq<kb::severities::ordinal, i32>,
    diesel::dsl::Eq<kb::severities::source, String>,
    diesel::dsl::Eq<kb::severities::source_type, Option<String>>,
    diesel::dsl::Eq<kb::severities::score_type, String>,
    diesel::dsl::Eq<kb::severities::vector, String>,
    diesel::dsl::Eq<kb::severities::base_score, Option<f64>>,
    diesel::dsl::Eq<kb::severities::base_severity, Option<String>>,
    diesel::dsl::Eq<kb::severities::exploitability_score, Option<f64>>,
    diesel::dsl::Eq<kb::severities::impact_score, Option<f64>>,
);

#[allow(clippy::too_many_arguments)]
fn severity(
    id: &str,
    ordinal: usize,
    source: String,
    source_type: Option<String>,
    score_type: &str,
    vector: String,
    base: Option<f64>,
    base_severity: Option<String>,
    exploitability: Option<f64>,
    impact: Option<f64>,
) -> Severity {
    use kb::severities as s;
    (
        s::vulnerability_id.eq(id.to_owned()),
        s::ordinal.eq(ord(ordinal)),
        s::source.eq(source),
        s::source_type.eq(source_type),
        s::score_type.eq(score_type.to_owned()),
        s::vector.eq(vector),
        s::base_score.eq(base),
        s::base_severity.eq(base_severity),
        s::exploitability_score.eq(exploitability),
        s::impact_score.eq(impact),
    )
}

#[tokio::test]
async fn nvd_records_and_their_configuration_trees_round_trip() {
    let Some(data) =
        medsec_testdata::require("nvd_records_and_their_configuration_trees_round_trip")
    else {
        return;
    };
    let records = nvd_records(&data);
    assert!(records.len() > 50, "found {} NVD records", records.len());
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    let generation = first_generation(conn).await;

    let rows: Vec<NewVulnerability> = records
        .iter()
        .map(|(id, cve)| NewVulnerability {
            id: id.clone(),
            source: "nvd".to_owned(),
            aliases: Vec::new(),
            related: Vec::new(),
            published: opt_time(&cve["published"]),
            modified: time(cve["lastModified"].as_str().expect("lastModified")),
            withdrawn: None,
            summary: items(&cve["descriptions"])
                .iter()
                .find(|d| d["lang"] == "en")
                .and_then(|d| text(&d["value"])),
            details: None,
            record_hash: digest(cve),
            generation,
        })
        .collect();
    let written = upsert_vulnerabilities(conn, &rows).await.expect("upsert");
    assert_eq!(written.len(), records.len());

    let (mut severities, mut references, mut cwes) = (Vec::new(), Vec::new(), BTreeSet::new());
    let (mut configurations, mut nodes, mut matches) = (Vec::new(), Vec::new(), Vec::new());
    for (id, cve) in &records {
        let mut n = 0;
        for (key, score_type) in [
            ("cvssMetricV2", "CVSS_V2"),
            ("cvssMetricV30", "CVSS_V3"),
            ("cvssMetricV31", "CVSS_V3"),
            ("cvssMetricV40", "CVSS_V4"),
        ] {
            for metric in items(&cve["metrics"][key]) {
                let data = &metric["cvssData"];
                severities.push(severity(
                    id,
                    n,
                    text(&metric["source"]).unwrap_or_default(),
                    text(&metric["type"]),
                    score_type,
                    text(&data["vectorString"]).expect("vectorString"),
                    data["baseScore"].as_f64(),
                    text(&data["baseSeverity"]).or_else(|| text(&metric["baseSeverity"])),
                    metric["exploitabilityScore"].as_f64(),
                    metric["impactScore"].as_f64(),
                ));
                n += 1;
            }
        }
        for (i, r) in items(&cve["references"]).iter().enumerate() {
            use kb::vulnerability_references as v;
            references.push((
                v::vulnerability_id.eq(id.clone()),
                v::ordinal.eq(ord(i)),
                v::url.eq(text(&r["url"]).expect("reference url")),
                v::tags.eq(strings(&r["tags"])),
                v::source.eq(text(&r["source"])),
            ));
        }
        for w in items(&cve["weaknesses"]) {
            for d in items(&w["description"]) {
                cwes.insert((
                    id.clone(),
                    text(&w["source"]).unwrap_or_default(),
                    text(&d["value"]).expect("weakness"),
                ));
            }
        }
        for (c, configuration) in items(&cve["configurations"]).iter().enumerate() {
            use kb::cpe_configurations as t;
            configurations.push((
                t::vulnerability_id.eq(id.clone()),
                t::ordinal.eq(ord(c)),
                t::operator.eq(text(&configuration["operator"])),
                t::negate.eq(configuration["negate"].as_bool().unwrap_or(false)),
            ));
            for (k, node) in items(&configuration["nodes"]).iter().enumerate() {
                use kb::cpe_nodes as t;
                nodes.push((
                    t::vulnerability_id.eq(id.clone()),
                    t::configuration_ordinal.eq(ord(c)),
                    t::ordinal.eq(ord(k)),
                    t::operator.eq(text(&node["operator"]).expect("node operator")),
                    t::negate.eq(node["negate"].as_bool().unwrap_or(false)),
                ));
                for (m, cpe) in items(&node["cpeMatch"]).iter().enumerate() {
                    use kb::cpe_matches as t;
                    let criteria = text(&cpe["criteria"]).expect("criteria");
                    let fields = cpe_fields(&criteria);
                    let field = |i: usize| fields.get(i).cloned().unwrap_or_default();
                    matches.push((
                        (
                            t::vulnerability_id.eq(id.clone()),
                            t::configuration_ordinal.eq(ord(c)),
                            t::node_ordinal.eq(ord(k)),
                            t::ordinal.eq(ord(m)),
                            t::vulnerable.eq(cpe["vulnerable"].as_bool().expect("vulnerable")),
                            t::criteria.eq(criteria.clone()),
                            t::part.eq(field(2)),
                            t::vendor.eq(field(3)),
                            t::product.eq(field(4)),
                        ),
                        (
                            t::match_criteria_id.eq(text(&cpe["matchCriteriaId"])),
                            t::version_start_including.eq(text(&cpe["versionStartIncluding"])),
                            t::version_start_excluding.eq(text(&cpe["versionStartExcluding"])),
                            t::version_end_including.eq(text(&cpe["versionEndIncluding"])),
                            t::version_end_excluding.eq(text(&cpe["versionEndExcluding"])),
                        ),
                    ));
                }
            }
        }
    }
    let cwes: Vec<_> = cwes
        .into_iter()
        .map(|(id, source, cwe)| {
            use kb::vulnerability_cwes as t;
            (
                t::vulnerability_id.eq(id),
                t::source.eq(source),
                t::cwe_id.eq(cwe),
            )
        })
        .collect();
    assert!(!matches.is_empty() && !severities.is_empty() && !cwes.is_empty());
    insert_all!(conn, kb::severities::table, severities);
    insert_all!(conn, kb::vulnerability_references::table, references);
    insert_all!(conn, kb::vulnerability_cwes::table, cwes);
    insert_all!(conn, kb::cpe_configurations::table, configurations);
    insert_all!(conn, kb::cpe_nodes::table, nodes);
    insert_all!(conn, kb::cpe_matches::table, matches);

    // Read the trees back in ordinal order and rebuild the feed's shape.
    let stored_configurations: Vec<(String, i32, Option<String>, bool)> =
        kb::cpe_configurations::table
            .order((
                kb::cpe_configurations::vulnerability_id,
                kb::cpe_configurations::ordinal,
            ))
            .load(conn)
            .await
            .expect("configurations");
    let stored_nodes: Vec<(String, i32, i32, String, bool)> = kb::cpe_nodes::table
        .order((
            kb::cpe_nodes::vulnerability_id,
            kb::cpe_nodes::configuration_ordinal,
            kb::cpe_nodes::ordinal,
        ))
        .load(conn)
        .await
        .expect("nodes");
    type Match = (
        String,
        i32,
        i32,
        bool,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    use kb::cpe_matches as m;
    let stored_matches: Vec<Match> = m::table
        .order((
            m::vulnerability_id,
            m::configuration_ordinal,
            m::node_ordinal,
            m::ordinal,
        ))
        .select((
            m::vulnerability_id,
            m::configuration_ordinal,
            m::node_ordinal,
            m::vulnerable,
            m::criteria,
            m::match_criteria_id,
            m::version_start_including,
            m::version_start_excluding,
            m::version_end_including,
            m::version_end_excluding,
        ))
        .load(conn)
        .await
        .expect("matches");
    let mut rebuilt: BTreeMap<String, Value> = records
        .keys()
        .map(|id| (id.clone(), Value::Array(Vec::new())))
        .collect();
    for (id, _, operator, negate) in &stored_configurations {
        if let Some(Value::Array(list)) = rebuilt.get_mut(id) {
            list.push(json!({"operator": operator, "negate": negate, "nodes": []}));
        }
    }
    for (id, c, _, operator, negate) in &stored_nodes {
        let nodes = &mut slot(&mut rebuilt, id)[usize::try_from(*c).expect("ordinal")]["nodes"];
        if let Value::Array(list) = nodes {
            list.push(json!({"operator": operator, "negate": negate, "cpeMatch": []}));
        }
    }
    for (id, c, k, vulnerable, criteria, mcid, si, se, ei, ee) in &stored_matches {
        let c = usize::try_from(*c).expect("ordinal");
        let k = usize::try_from(*k).expect("ordinal");
        if let Value::Array(list) = &mut slot(&mut rebuilt, id)[c]["nodes"][k]["cpeMatch"] {
            list.push(json!({
                "vulnerable": vulnerable,
                "criteria": criteria,
                "matchCriteriaId": mcid,
                "versionStartIncluding": si,
                "versionStartExcluding": se,
                "versionEndIncluding": ei,
                "versionEndExcluding": ee,
            }));
        }
    }
    for (id, cve) in &records {
        assert_eq!(rebuilt[id], nvd_configurations(cve), "{id}: configurations");
    }

    // The vendor/product lookup finds exactly the records naming the product.
    let mut expected: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (id, cve) in &records {
        for c in items(&cve["configurations"]) {
            for n in items(&c["nodes"]) {
                for cpe in items(&n["cpeMatch"]) {
                    let fields = cpe_fields(cpe["criteria"].as_str().unwrap_or_default());
                    if let (Some(vendor), Some(product)) = (fields.get(3), fields.get(4)) {
                        expected
                            .entry((vendor.clone(), product.clone()))
                            .or_default()
                            .insert(id.clone());
                    }
                }
            }
        }
    }
    for ((vendor, product), ids) in expected.iter().take(200) {
        let found: Vec<String> = m::table
            .filter(m::vendor.eq(vendor))
            .filter(m::product.eq(product))
            .select(m::vulnerability_id)
            .distinct()
            .load(conn)
            .await
            .expect("lookup");
        let found: BTreeSet<String> = found.into_iter().collect();
        assert_eq!(&found, ids, "{vendor}:{product}");
    }
}

// ---------------------------------------------------------------- OSV

fn osv_affected(record: &Value) -> Value {
    Value::Array(
        items(&record["affected"])
            .iter()
            .map(|a| {
                json!({
                    "ecosystem": a["package"]["ecosystem"],
                    "name": a["package"]["name"],
                    "purl": a["package"].get("purl").cloned().unwrap_or(Value::Null),
                    "versions": strings(&a["versions"]),
                    "ranges": items(&a["ranges"]).iter().map(|r| json!({
                        "type": r["type"],
                        "repo": r.get("repo").cloned().unwrap_or(Value::Null),
                        "events": items(&r["events"]).iter().map(|e| {
                            let (kind, value) = e
                                .as_object()
                                .and_then(|o| o.iter().next())
                                .expect("event with one key");
                            json!([kind, value])
                        }).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[tokio::test]
async fn osv_records_and_their_ranges_round_trip() {
    let Some(data) = medsec_testdata::require("osv_records_and_their_ranges_round_trip") else {
        return;
    };
    let mut records = BTreeMap::new();
    for dir in ["vulns/osv/Go", "vulns/osv/crates.io"] {
        for path in json_files(&data.join(dir)) {
            let record = load(&path);
            let id = text(&record["id"]).expect("OSV id");
            assert!(records.insert(id, record).is_none(), "{}", path.display());
        }
    }
    assert!(records.len() > 5_000, "found {} OSV records", records.len());
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    let generation = first_generation(conn).await;

    let rows: Vec<NewVulnerability> = records
        .iter()
        .map(|(id, r)| NewVulnerability {
            id: id.clone(),
            source: "osv".to_owned(),
            aliases: strings(&r["aliases"]),
            related: strings(&r["related"]),
            published: opt_time(&r["published"]),
            modified: time(r["modified"].as_str().expect("modified")),
            withdrawn: opt_time(&r["withdrawn"]),
            summary: text(&r["summary"]),
            details: text(&r["details"]),
            record_hash: digest(r),
            generation,
        })
        .collect();
    assert_eq!(
        upsert_vulnerabilities(conn, &rows)
            .await
            .expect("upsert")
            .len(),
        records.len()
    );

    let (mut packages, mut ranges, mut events) = (Vec::new(), Vec::new(), Vec::new());
    let mut severities = Vec::new();
    let mut fixed_events = 0_i64;
    for (id, r) in &records {
        for (i, s) in items(&r["severity"]).iter().enumerate() {
            let score_type = s["type"].as_str().expect("severity type");
            let vector = text(&s["score"]).expect("severity score");
            severities.push(severity(
                id,
                i,
                "osv".to_owned(),
                None,
                score_type,
                vector,
                None,
                None,
                None,
                None,
            ));
        }
        for (a, affected) in items(&r["affected"]).iter().enumerate() {
            use kb::affected_packages as p;
            packages.push((
                p::vulnerability_id.eq(id.clone()),
                p::ordinal.eq(ord(a)),
                p::ecosystem.eq(text(&affected["package"]["ecosystem"]).expect("ecosystem")),
                p::package_name.eq(text(&affected["package"]["name"]).expect("name")),
                p::purl.eq(text(&affected["package"]["purl"])),
                p::versions.eq(strings(&affected["versions"])),
                p::ecosystem_specific.eq(affected.get("ecosystem_specific").cloned()),
                p::database_specific.eq(affected.get("database_specific").cloned()),
            ));
            for (g, range) in items(&affected["ranges"]).iter().enumerate() {
                use kb::affected_ranges as t;
                ranges.push((
                    t::vulnerability_id.eq(id.clone()),
                    t::affected_ordinal.eq(ord(a)),
                    t::ordinal.eq(ord(g)),
                    t::range_type.eq(text(&range["type"]).expect("range type")),
                    t::repo.eq(text(&range["repo"])),
                    t::database_specific.eq(range.get("database_specific").cloned()),
                ));
                for (e, event) in items(&range["events"]).iter().enumerate() {
                    use kb::range_events as t;
                    let (kind, value) = event
                        .as_object()
                        .and_then(|o| o.iter().next())
                        .expect("event with one key");
                    fixed_events += i64::from(kind == "fixed");
                    events.push((
                        t::vulnerability_id.eq(id.clone()),
                        t::affected_ordinal.eq(ord(a)),
                        t::range_ordinal.eq(ord(g)),
                        t::ordinal.eq(ord(e)),
                        t::kind.eq(kind.clone()),
                        t::value.eq(text(value).expect("event value")),
                    ));
                }
            }
        }
    }
    insert_all!(conn, kb::severities::table, severities);
    insert_all!(conn, kb::affected_packages::table, packages);
    insert_all!(conn, kb::affected_ranges::table, ranges);
    insert_all!(conn, kb::range_events::table, events);

    use kb::affected_packages as p;
    let stored_packages: Vec<(String, i32, String, String, Option<String>, Vec<String>)> = p::table
        .order((p::vulnerability_id, p::ordinal))
        .select((
            p::vulnerability_id,
            p::ordinal,
            p::ecosystem,
            p::package_name,
            p::purl,
            p::versions,
        ))
        .load(conn)
        .await
        .expect("packages");
    let stored_ranges: Vec<(String, i32, i32, String, Option<String>)> = kb::affected_ranges::table
        .order((
            kb::affected_ranges::vulnerability_id,
            kb::affected_ranges::affected_ordinal,
            kb::affected_ranges::ordinal,
        ))
        .select((
            kb::affected_ranges::vulnerability_id,
            kb::affected_ranges::affected_ordinal,
            kb::affected_ranges::ordinal,
            kb::affected_ranges::range_type,
            kb::affected_ranges::repo,
        ))
        .load(conn)
        .await
        .expect("ranges");
    use kb::range_events as e;
    let stored_events: Vec<(String, i32, i32, String, String)> = e::table
        .order((
            e::vulnerability_id,
            e::affected_ordinal,
            e::range_ordinal,
            e::ordinal,
        ))
        .select((
            e::vulnerability_id,
            e::affected_ordinal,
            e::range_ordinal,
            e::kind,
            e::value,
        ))
        .load(conn)
        .await
        .expect("events");
    let mut rebuilt: BTreeMap<String, Value> = records
        .keys()
        .map(|id| (id.clone(), Value::Array(Vec::new())))
        .collect();
    for (id, _, ecosystem, name, purl, versions) in stored_packages {
        if let Some(Value::Array(list)) = rebuilt.get_mut(&id) {
            list.push(json!({"ecosystem": ecosystem, "name": name, "purl": purl,
                             "versions": versions, "ranges": []}));
        }
    }
    for (id, a, _, range_type, repo) in stored_ranges {
        let a = usize::try_from(a).expect("ordinal");
        if let Value::Array(list) = &mut slot(&mut rebuilt, &id)[a]["ranges"] {
            list.push(json!({"type": range_type, "repo": repo, "events": []}));
        }
    }
    for (id, a, g, kind, value) in stored_events {
        let a = usize::try_from(a).expect("ordinal");
        let g = usize::try_from(g).expect("ordinal");
        if let Value::Array(list) = &mut slot(&mut rebuilt, &id)[a]["ranges"][g]["events"] {
            list.push(json!([kind, value]));
        }
    }
    for (id, record) in &records {
        assert_eq!(rebuilt[id], osv_affected(record), "{id}: affected");
    }

    let fixed: i64 = kb::fixed_versions::table
        .count()
        .get_result(conn)
        .await
        .expect("fixed versions");
    assert_eq!(fixed, fixed_events, "the view lists every fixed event");

    // The alias index answers "which records name this id".
    let mut by_alias: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, r) in &records {
        for alias in strings(&r["aliases"]) {
            by_alias.entry(alias).or_default().insert(id.clone());
        }
    }
    assert!(!by_alias.is_empty());
    use kb::vulnerabilities as v;
    for (alias, ids) in by_alias.iter().take(200) {
        let found: Vec<String> = v::table
            .filter(v::aliases.contains(vec![alias.clone()]))
            .select(v::id)
            .load(conn)
            .await
            .expect("alias lookup");
        assert_eq!(&found.into_iter().collect::<BTreeSet<_>>(), ids, "{alias}");
    }
}

// ---------------------------------------------------------------- CVE 5

fn cve5_affected(record: &Value) -> Vec<Value> {
    let containers = &record["containers"];
    let mut out = Vec::new();
    let mut push = |container: String, affected: &Value| {
        for a in items(affected) {
            out.push(json!({
                "container": container,
                "vendor": a.get("vendor").cloned().unwrap_or(Value::Null),
                "product": a.get("product").cloned().unwrap_or(Value::Null),
                "defaultStatus": a.get("defaultStatus").cloned().unwrap_or(Value::Null),
                "cpes": strings(&a["cpes"]),
                "versions": items(&a["versions"]).iter().map(|v| json!([
                    v["version"], v["status"],
                    v.get("lessThan").cloned().unwrap_or(Value::Null),
                    v.get("lessThanOrEqual").cloned().unwrap_or(Value::Null),
                    v.get("versionType").cloned().unwrap_or(Value::Null),
                ])).collect::<Vec<_>>(),
            }));
        }
    };
    push("cna".to_owned(), &containers["cna"]["affected"]);
    for adp in items(&containers["adp"]) {
        let name = adp["providerMetadata"]["shortName"].as_str().unwrap_or("");
        push(format!("adp:{name}"), &adp["affected"]);
    }
    out
}

#[tokio::test]
async fn cve5_affected_entries_round_trip() {
    let Some(data) = medsec_testdata::require("cve5_affected_entries_round_trip") else {
        return;
    };
    let mut records = BTreeMap::new();
    for dir in [
        "vulns/vulnrichment/records-icsma",
        "vulns/vulnrichment/records-kev",
    ] {
        for path in json_files(&data.join(dir)) {
            let record = load(&path);
            let id = text(&record["cveMetadata"]["cveId"]).expect("cveId");
            records.entry(id).or_insert(record);
        }
    }
    assert!(records.len() > 200, "found {} CVE 5 records", records.len());
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    let generation = first_generation(conn).await;

    let (mut rows, mut affected, mut versions) = (Vec::new(), Vec::new(), Vec::new());
    for (id, record) in &records {
        use kb::cve_records as t;
        let meta = &record["cveMetadata"];
        rows.push((
            t::cve_id.eq(id.clone()),
            t::state.eq(text(&meta["state"]).expect("state")),
            t::assigner_short_name.eq(text(&meta["assignerShortName"])),
            t::date_published.eq(opt_time(&meta["datePublished"])),
            t::date_updated.eq(opt_time(&meta["dateUpdated"])),
            t::record_hash.eq(digest(record)),
            t::generation.eq(generation),
        ));
        for (i, a) in cve5_affected(record).iter().enumerate() {
            use kb::cve_affected as t;
            affected.push((
                t::cve_id.eq(id.clone()),
                t::ordinal.eq(ord(i)),
                t::container.eq(text(&a["container"]).expect("container")),
                t::vendor.eq(text(&a["vendor"])),
                t::product.eq(text(&a["product"])),
                t::default_status.eq(text(&a["defaultStatus"])),
                t::cpes.eq(strings(&a["cpes"])),
            ));
            for (j, v) in items(&a["versions"]).iter().enumerate() {
                use kb::cve_affected_versions as t;
                versions.push((
                    t::cve_id.eq(id.clone()),
                    t::affected_ordinal.eq(ord(i)),
                    t::ordinal.eq(ord(j)),
                    t::version.eq(text(&v[0]).expect("version")),
                    t::status.eq(text(&v[1]).expect("status")),
                    t::less_than.eq(text(&v[2])),
                    t::less_than_or_equal.eq(text(&v[3])),
                    t::version_type.eq(text(&v[4])),
                ));
            }
        }
    }
    assert!(!versions.is_empty());
    insert_all!(conn, kb::cve_records::table, rows);
    insert_all!(conn, kb::cve_affected::table, affected);
    insert_all!(conn, kb::cve_affected_versions::table, versions);

    use kb::cve_affected as a;
    use kb::cve_affected_versions as v;
    let stored: Vec<(
        String,
        i32,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Vec<String>,
    )> = a::table
        .order((a::cve_id, a::ordinal))
        .select((
            a::cve_id,
            a::ordinal,
            a::container,
            a::vendor,
            a::product,
            a::default_status,
            a::cpes,
        ))
        .load(conn)
        .await
        .expect("affected");
    let stored_versions: Vec<(
        String,
        i32,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    )> = v::table
        .order((v::cve_id, v::affected_ordinal, v::ordinal))
        .select((
            v::cve_id,
            v::affected_ordinal,
            v::version,
            v::status,
            v::less_than,
            v::less_than_or_equal,
            v::version_type,
        ))
        .load(conn)
        .await
        .expect("versions");
    let mut rebuilt: BTreeMap<String, Vec<Value>> =
        records.keys().map(|id| (id.clone(), Vec::new())).collect();
    for (id, _, container, vendor, product, default_status, cpes) in stored {
        if let Some(list) = rebuilt.get_mut(&id) {
            list.push(
                json!({"container": container, "vendor": vendor, "product": product,
                             "defaultStatus": default_status, "cpes": cpes, "versions": []}),
            );
        }
    }
    for (id, i, version, status, lt, lte, version_type) in stored_versions {
        let i = usize::try_from(i).expect("ordinal");
        if let Some(Value::Array(list)) = rebuilt
            .get_mut(&id)
            .and_then(|l| l.get_mut(i))
            .map(|a| &mut a["versions"])
        {
            list.push(json!([version, status, lt, lte, version_type]));
        }
    }
    for (id, record) in &records {
        assert_eq!(rebuilt[id], cve5_affected(record), "{id}: affected");
    }
}

// ---------------------------------------------------------------- KEV, EPSS, CWE

#[tokio::test]
async fn kev_epss_and_cwe_catalogues_are_stored_whole() {
    let Some(data) = medsec_testdata::require("kev_epss_and_cwe_catalogues_are_stored_whole")
    else {
        return;
    };
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    let generation = first_generation(conn).await;

    // KEV
    let catalog = load(&data.join("vulns/kev/known_exploited_vulnerabilities.json.gz"));
    let entries = items(&catalog["vulnerabilities"]);
    assert!(entries.len() > 1_000);
    let mut due: BTreeMap<String, Option<NaiveDate>> = BTreeMap::new();
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            use kb::kev_entries as t;
            let id = text(&e["cveID"]).expect("cveID");
            let due_date = e["dueDate"].as_str().map(date);
            due.insert(id.clone(), due_date);
            (
                (
                    t::cve_id.eq(id),
                    t::vendor_project.eq(text(&e["vendorProject"]).expect("vendorProject")),
                    t::product.eq(text(&e["product"]).expect("product")),
                    t::vulnerability_name.eq(text(&e["vulnerabilityName"]).expect("name")),
                    t::date_added.eq(date(e["dateAdded"].as_str().expect("dateAdded"))),
                    t::short_description.eq(text(&e["shortDescription"]).expect("description")),
                    t::required_action.eq(text(&e["requiredAction"]).expect("requiredAction")),
                ),
                (
                    t::due_date.eq(due_date),
                    t::known_ransomware_use
                        .eq(text(&e["knownRansomwareCampaignUse"]).expect("ransomware")),
                    t::notes.eq(text(&e["notes"]).unwrap_or_default()),
                    t::cwes.eq(strings(&e["cwes"])),
                    t::catalog_version.eq(text(&catalog["catalogVersion"])),
                    t::generation.eq(generation),
                ),
            )
        })
        .collect();
    insert_all!(conn, kb::kev_entries::table, rows);
    let stored: Vec<(String, Option<NaiveDate>)> = kb::kev_entries::table
        .select((kb::kev_entries::cve_id, kb::kev_entries::due_date))
        .order(kb::kev_entries::cve_id)
        .load(conn)
        .await
        .expect("kev");
    assert_eq!(stored.into_iter().collect::<BTreeMap<_, _>>(), due);

    // EPSS: the official layout (a `#model_version:...,score_date:...` line)
    // and the first rows of a full-day export, which carries neither.
    let mut scores: BTreeMap<(String, NaiveDate), (f64, f64, String)> = BTreeMap::new();
    let official = String::from_utf8(medsec_testdata::read(
        &data.join("testvectors/epss/vunnel-example-1.csv"),
    ))
    .expect("utf-8");
    let (header, body) = official.split_once('\n').expect("comment line");
    let meta: BTreeMap<&str, &str> = header
        .trim_start_matches('#')
        .split(',')
        .filter_map(|kv| kv.split_once(':'))
        .collect();
    let model = meta["model_version"].to_owned();
    let day = date(&meta["score_date"][..10]);
    let full_day = date("2026-08-16");
    let export = medsec_testdata::read(&data.join("vulns/epss/epss_scores-2026-08-16.emba.csv.gz"));
    for (bytes, day, model, limit) in [
        (body.as_bytes(), day, model.as_str(), usize::MAX),
        (&export[..], full_day, "", 20_000),
    ] {
        let mut reader = csv::Reader::from_reader(bytes);
        for row in reader.records().take(limit) {
            let row = row.expect("EPSS row");
            let number = |i: usize| row[i].parse::<f64>().expect("EPSS number");
            scores.insert(
                (row[0].to_owned(), day),
                (number(1), number(2), model.to_owned()),
            );
        }
    }
    let rows: Vec<_> = scores
        .iter()
        .map(|((cve, day), (score, percentile, model))| {
            use kb::epss_scores as t;
            (
                t::cve_id.eq(cve.clone()),
                t::score_date.eq(*day),
                t::score.eq(*score),
                t::percentile.eq(*percentile),
                t::model_version.eq(model.clone()),
                t::generation.eq(generation),
            )
        })
        .collect();
    insert_all!(conn, kb::epss_scores::table, rows);
    use kb::epss_scores as s;
    let stored: Vec<(String, NaiveDate, f64, f64, String)> = s::table
        .select((
            s::cve_id,
            s::score_date,
            s::score,
            s::percentile,
            s::model_version,
        ))
        .load(conn)
        .await
        .expect("epss");
    let stored: BTreeMap<_, _> = stored
        .into_iter()
        .map(|(cve, day, score, percentile, model)| ((cve, day), (score, percentile, model)))
        .collect();
    assert_eq!(stored, scores, "float8 keeps EPSS scores exactly");

    // CWE "Research Concepts" view.
    let view = medsec_testdata::read(&data.join("vulns/cwe/cwe-view-1000.csv.gz"));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&view[..]);
    let headers = reader.headers().expect("CWE header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, name, abstraction, status, description) = (
        column("CWE-ID"),
        column("Name"),
        column("Weakness Abstraction"),
        column("Status"),
        column("Description"),
    );
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.expect("CWE row");
        let field = |i: usize| row.get(i).filter(|s| !s.is_empty()).map(str::to_owned);
        use kb::cwes as t;
        rows.push((
            t::id.eq(format!("CWE-{}", &row[id])),
            t::name.eq(row[name].to_owned()),
            t::abstraction.eq(field(abstraction)),
            t::status.eq(field(status)),
            t::description.eq(field(description)),
        ));
    }
    assert!(rows.len() > 900);
    insert_all!(conn, kb::cwes::table, rows);
    let abstractions: Vec<Option<String>> = kb::cwes::table
        .select(kb::cwes::abstraction)
        .distinct()
        .load(conn)
        .await
        .expect("abstractions");
    assert!(abstractions.len() >= 3, "{abstractions:?}");
}

// ---------------------------------------------------------------- CSAF

/// Every product of a CSAF product tree: (product_id, name, vendor,
/// product name, version, cpe, purl), branches first.
fn csaf_products(tree: &Value) -> Vec<[Option<String>; 7]> {
    fn walk(
        branches: &Value,
        path: &mut Vec<(String, String)>,
        out: &mut Vec<[Option<String>; 7]>,
    ) {
        for branch in items(branches) {
            let category = text(&branch["category"]).unwrap_or_default();
            path.push((category, text(&branch["name"]).unwrap_or_default()));
            if let Some(product) = branch.get("product") {
                let find = |categories: &[&str]| {
                    path.iter()
                        .rev()
                        .find(|(c, _)| categories.contains(&c.as_str()))
                        .map(|(_, n)| n.clone())
                };
                out.push([
                    text(&product["product_id"]),
                    text(&product["name"]),
                    find(&["vendor"]),
                    find(&["product_name"]),
                    find(&["product_version", "product_version_range"]),
                    text(&product["product_identification_helper"]["cpe"]),
                    text(&product["product_identification_helper"]["purl"]),
                ]);
            }
            walk(&branch["branches"], path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&tree["branches"], &mut Vec::new(), &mut out);
    let plain = |p: &Value| {
        [
            text(&p["product_id"]),
            text(&p["name"]),
            None,
            None,
            None,
            text(&p["product_identification_helper"]["cpe"]),
            text(&p["product_identification_helper"]["purl"]),
        ]
    };
    out.extend(items(&tree["full_product_names"]).iter().map(plain));
    out.extend(
        items(&tree["relationships"])
            .iter()
            .map(|r| plain(&r["full_product_name"])),
    );
    out
}

#[tokio::test]
async fn icsma_csaf_advisories_are_stored_with_their_statuses() {
    let Some(data) =
        medsec_testdata::require("icsma_csaf_advisories_are_stored_with_their_statuses")
    else {
        return;
    };
    let files = json_files(&data.join("vulns/icsma-csaf"));
    assert!(files.len() > 100, "found {} advisories", files.len());
    let db = TestDatabase::new().await;
    let mut conn = db.connect().await;
    let conn = &mut conn;
    let generation = first_generation(conn).await;

    let (mut advisories, mut products, mut statuses, mut remediations) =
        (Vec::new(), Vec::new(), BTreeSet::new(), Vec::new());
    for path in &files {
        let doc = load(path);
        let d = &doc["document"];
        let namespace = text(&d["publisher"]["namespace"]).expect("namespace");
        let tracking = text(&d["tracking"]["id"]).expect("tracking id");
        {
            use kb::csaf_advisories as t;
            advisories.push((
                (
                    t::publisher_namespace.eq(namespace.clone()),
                    t::tracking_id.eq(tracking.clone()),
                    t::publisher_name.eq(text(&d["publisher"]["name"]).expect("publisher")),
                    t::title.eq(text(&d["title"]).expect("title")),
                    t::category.eq(text(&d["category"]).expect("category")),
                    t::tlp_label.eq(text(&d["distribution"]["tlp"]["label"])),
                ),
                (
                    t::tracking_status.eq(text(&d["tracking"]["status"]).expect("status")),
                    t::tracking_version.eq(text(&d["tracking"]["version"]).expect("version")),
                    t::initial_release_date.eq(time(
                        d["tracking"]["initial_release_date"]
                            .as_str()
                            .expect("initial"),
                    )),
                    t::current_release_date.eq(time(
                        d["tracking"]["current_release_date"]
                            .as_str()
                            .expect("current"),
                    )),
                    t::record_hash.eq(digest(&doc)),
                    t::generation.eq(generation),
                ),
            ));
        }
        for [id, name, vendor, product, version, cpe, purl] in csaf_products(&doc["product_tree"]) {
            use kb::csaf_products as t;
            products.push((
                t::publisher_namespace.eq(namespace.clone()),
                t::tracking_id.eq(tracking.clone()),
                t::product_id.eq(id.expect("product_id")),
                t::name.eq(name.expect("product name")),
                t::vendor.eq(vendor),
                t::product_name.eq(product),
                t::product_version.eq(version),
                t::cpe.eq(cpe),
                t::purl.eq(purl),
            ));
        }
        for (i, v) in items(&doc["vulnerabilities"]).iter().enumerate() {
            let vulnerability = text(&v["cve"])
                .or_else(|| items(&v["ids"]).first().and_then(|x| text(&x["text"])))
                .unwrap_or_else(|| format!("#{i}"));
            if let Some(status) = v["product_status"].as_object() {
                for (category, ids) in status {
                    for product in strings(ids) {
                        statuses.insert((
                            namespace.clone(),
                            tracking.clone(),
                            vulnerability.clone(),
                            product,
                            category.clone(),
                        ));
                    }
                }
            }
            for (r, remediation) in items(&v["remediations"]).iter().enumerate() {
                use kb::csaf_remediations as t;
                remediations.push((
                    t::publisher_namespace.eq(namespace.clone()),
                    t::tracking_id.eq(tracking.clone()),
                    t::vulnerability_id.eq(vulnerability.clone()),
                    t::ordinal.eq(ord(r)),
                    t::category.eq(text(&remediation["category"]).expect("category")),
                    t::details.eq(text(&remediation["details"]).expect("details")),
                    t::url.eq(text(&remediation["url"])),
                    t::date.eq(opt_time(&remediation["date"])),
                    t::product_ids.eq(strings(&remediation["product_ids"])),
                    t::group_ids.eq(strings(&remediation["group_ids"])),
                ));
            }
        }
    }
    let expected_statuses = statuses.len();
    let statuses: Vec<_> = statuses
        .into_iter()
        .map(|(namespace, tracking, vulnerability, product, status)| {
            use kb::csaf_product_statuses as t;
            (
                t::publisher_namespace.eq(namespace),
                t::tracking_id.eq(tracking),
                t::vulnerability_id.eq(vulnerability),
                t::product_id.eq(product),
                t::status.eq(status),
            )
        })
        .collect();
    let expected = (
        advisories.len(),
        products.len(),
        expected_statuses,
        remediations.len(),
    );
    insert_all!(conn, kb::csaf_advisories::table, advisories);
    insert_all!(conn, kb::csaf_products::table, products);
    insert_all!(conn, kb::csaf_product_statuses::table, statuses);
    insert_all!(conn, kb::csaf_remediations::table, remediations);

    let count = |n: i64| usize::try_from(n).expect("count");
    let stored = (
        count(
            kb::csaf_advisories::table
                .count()
                .get_result(conn)
                .await
                .expect("count"),
        ),
        count(
            kb::csaf_products::table
                .count()
                .get_result(conn)
                .await
                .expect("count"),
        ),
        count(
            kb::csaf_product_statuses::table
                .count()
                .get_result(conn)
                .await
                .expect("count"),
        ),
        count(
            kb::csaf_remediations::table
                .count()
                .get_result(conn)
                .await
                .expect("count"),
        ),
    );
    assert_eq!(stored, expected);
    assert!(expected.1 > expected.0 && expected.2 > 0 && expected.3 > 0);

    // Deleting an advisory takes its rows with it (re-import replaces them).
    let gone = diesel::delete(kb::csaf_advisories::table)
        .execute(conn)
        .await
        .expect("delete");
    assert_eq!(gone, expected.0);
    let left: i64 = kb::csaf_product_statuses::table
        .count()
        .get_result(conn)
        .await
        .expect("count");
    assert_eq!(left, 0);
}
