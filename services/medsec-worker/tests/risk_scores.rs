//! `risk-score` jobs end to end: a batch of real CVE ids posted to
//! medsec-api with a device context, scored by a medsec-worker process
//! against the knowledge-base snapshot of the shared data, and the result
//! checked against facts read here straight from the raw feed files (CISA
//! KEV catalog, EPSS CSV, NVD and CVE 5 records), not through medsec-kb.
//! Bad batches are refused before any job row is written.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use support::{Stack, StackOptions, SERIAL};

/// How many entries of each kind the batch takes.
const PICKS: usize = 3;

/// A CVSS score a record states next to its vector.
#[derive(Debug, Clone)]
struct Stated {
    version: f64,
    vector: String,
    base: f64,
    file: String,
}

impl Stated {
    /// A CVSS data object (NVD's `cvssData`, a CVE 5 `cvssV3_1`, ...) with
    /// version, vector and base score; `None` when one is missing.
    fn from_cvss_data(d: &Value, file: &str) -> Option<Stated> {
        Some(Stated {
            version: d["version"].as_str()?.parse().unwrap(),
            vector: d["vectorString"].as_str()?.to_owned(),
            base: d["baseScore"].as_f64()?,
            file: file.to_owned(),
        })
    }
}

/// What the raw files say, read without the project's feed readers.
struct Facts {
    /// The KEV catalog's entries, in catalog order.
    kev: Vec<Value>,
    /// cve -> (epss, percentile) from the EPSS CSV the snapshot is built from.
    epss: BTreeMap<String, (f64, f64)>,
    /// cve -> the NVD API 2.0 `cve` objects naming it as their id, one per file.
    nvd: BTreeMap<String, Vec<(String, Value)>>,
    /// cve -> CVE 5 record.
    cve5: BTreeMap<String, Value>,
    /// OSV JSON records (path, record).
    osv: Vec<(String, Value)>,
    /// Every CVE id written anywhere in the OSV, CSAF and legacy NVD files:
    /// records there add vectors the NVD and CVE 5 records do not state.
    mentioned_elsewhere: BTreeSet<String>,
    /// Every CVE id written anywhere in `vulns/`.
    mentioned_anywhere: BTreeSet<String>,
}

/// `CVE-YYYY-N...` ids in raw bytes.
fn cve_tokens(bytes: &[u8], out: &mut BTreeSet<String>) {
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(4).position(|w| w == b"CVE-") {
        let start = i + at;
        let mut end = start + 4;
        let year_end = end + 4;
        let year_ok = bytes.len() >= year_end
            && bytes[end..year_end].iter().all(u8::is_ascii_digit)
            && bytes.get(year_end) == Some(&b'-');
        if year_ok {
            end = year_end + 1;
            let digits = bytes[end..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits >= 4 {
                end += digits;
                out.insert(String::from_utf8_lossy(&bytes[start..end]).into_owned());
            }
        }
        i = start + 4;
    }
}

fn is_json(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "json")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&medsec_testdata::read(p))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

impl Facts {
    fn load(data: &Path) -> Facts {
        let vulns = data.join("vulns");
        let kev_doc = read_json(&vulns.join("kev/known_exploited_vulnerabilities.json.gz"));
        let kev = kev_doc["vulnerabilities"].as_array().unwrap().clone();

        // The file the snapshot's EPSS table comes from (see support::kb_snapshot).
        let epss_text = String::from_utf8(medsec_testdata::read(
            &vulns.join("epss/epss_scores-2026-08-16.emba.csv.gz"),
        ))
        .unwrap();
        let mut epss = BTreeMap::new();
        for line in epss_text.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            if let [cve, score, pct] = cols[..] {
                epss.insert(
                    cve.to_owned(),
                    (score.parse().unwrap(), pct.parse().unwrap()),
                );
            }
        }

        let mut mentioned_anywhere = BTreeSet::new();
        cve_tokens(epss_text.as_bytes(), &mut mentioned_anywhere);
        let mut mentioned_elsewhere = BTreeSet::new();
        let mut nvd: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
        let mut cve5 = BTreeMap::new();
        let mut osv = Vec::new();
        for p in medsec_testdata::files_under(&vulns) {
            let rel = p.strip_prefix(&vulns).unwrap().display().to_string();
            let bytes = medsec_testdata::read(&p);
            cve_tokens(&bytes, &mut mentioned_anywhere);
            if rel.starts_with("nvd/") && is_json(&p) {
                let doc: Value = serde_json::from_slice(&bytes).unwrap();
                let items: Vec<Value> = match doc.get("vulnerabilities").and_then(Value::as_array) {
                    Some(list) => list.iter().map(|v| v["cve"].clone()).collect(),
                    None => vec![doc],
                };
                for c in items {
                    if let Some(id) = c["id"].as_str() {
                        nvd.entry(id.to_owned())
                            .or_default()
                            .push((rel.clone(), c.clone()));
                    }
                }
            } else if rel.starts_with("vulnrichment/") && is_json(&p) {
                let doc: Value = serde_json::from_slice(&bytes).unwrap();
                let id = doc["cveMetadata"]["cveId"].as_str().unwrap().to_owned();
                cve5.insert(id, doc);
            } else if rel.starts_with("osv/")
                || rel.starts_with("icsma-csaf/")
                || (rel.starts_with("nvd/") && rel.ends_with(".json.gz"))
            {
                cve_tokens(&bytes, &mut mentioned_elsewhere);
                if rel.starts_with("osv/") && is_json(&p) {
                    if let Ok(doc) = serde_json::from_slice::<Value>(&bytes) {
                        osv.push((rel, doc));
                    }
                }
            }
        }
        osv.sort_by(|a, b| a.0.cmp(&b.0));
        Facts {
            kev,
            epss,
            nvd,
            cve5,
            osv,
            mentioned_elsewhere,
            mentioned_anywhere,
        }
    }

    fn kev_entry(&self, cve: &str) -> Option<&Value> {
        self.kev.iter().find(|k| k["cveID"] == cve)
    }

    /// A record of `cve` of its own in NVD API 2.0 or CVE 5 form, not
    /// rejected.
    fn has_own_record(&self, cve: &str) -> bool {
        let nvd = self.nvd.get(cve).is_some_and(|list| {
            list.iter()
                .any(|(_, c)| c["vulnStatus"].as_str() != Some("Rejected"))
        });
        let cve5 = self
            .cve5
            .get(cve)
            .is_some_and(|d| d["cveMetadata"]["state"].as_str() != Some("REJECTED"));
        nvd || cve5
    }

    /// Whether every record of `cve` is one NVD API 2.0 file and/or its
    /// CVE 5 record, so that the scores they state are all the vectors
    /// the knowledge base holds for it.
    fn only_nvd_and_cve5(&self, cve: &str) -> bool {
        self.has_own_record(cve)
            && self.nvd.get(cve).map_or(0, Vec::len) <= 1
            && !self.mentioned_elsewhere.contains(cve)
    }

    /// Every CVSS score the NVD and CVE 5 records of `cve` state.
    fn stated_scores(&self, cve: &str) -> Vec<Stated> {
        let mut out = Vec::new();
        for (file, c) in self.nvd.get(cve).into_iter().flatten() {
            for list in c["metrics"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for m in list.as_array().into_iter().flatten() {
                    out.extend(Stated::from_cvss_data(&m["cvssData"], file));
                }
            }
        }
        if let Some(doc) = self.cve5.get(cve) {
            let containers = &doc["containers"];
            let mut all = vec![&containers["cna"]];
            all.extend(containers["adp"].as_array().into_iter().flatten());
            for c in all {
                for m in c["metrics"].as_array().into_iter().flatten() {
                    for key in ["cvssV2_0", "cvssV3_0", "cvssV3_1", "cvssV4_0"] {
                        out.extend(Stated::from_cvss_data(&m[key], &format!("CVE 5 {cve}")));
                    }
                }
            }
        }
        out
    }
}

/// The ids the batch is made of, each chosen from the shared data for
/// what it tests.
struct Batch {
    /// The first KEV catalog entries with a record of their own.
    kev: Vec<String>,
    /// CVEs outside KEV whose only record is one NVD API 2.0 record.
    nvd_only: Vec<String>,
    /// A CVE named only as an alias by an OSV advisory.
    alias_only: String,
    /// A CVE sharing an OSV advisory with a lower-numbered CVE whose EPSS
    /// differs, so the group's canonical id is another CVE.
    second_of_group: String,
    /// Well formed, but in no file of the shared data.
    unknown: String,
    /// What is posted: every id above, one of them twice (once in lower
    /// case).
    posted: Vec<String>,
}

fn osv_cve_aliases(doc: &Value) -> Vec<String> {
    let mut ids: Vec<String> = doc["aliases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .chain(doc["id"].as_str())
        .filter(|a| a.starts_with("CVE-"))
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

impl Batch {
    fn choose(facts: &Facts) -> Batch {
        let kev_ids: BTreeSet<&str> = facts
            .kev
            .iter()
            .filter_map(|k| k["cveID"].as_str())
            .collect();
        let kev: Vec<String> = facts
            .kev
            .iter()
            .filter_map(|k| k["cveID"].as_str())
            .filter(|id| facts.has_own_record(id))
            .take(PICKS)
            .map(str::to_owned)
            .collect();
        assert_eq!(kev.len(), PICKS, "KEV entries with a record of their own");

        let nvd_only: Vec<String> = facts
            .nvd
            .keys()
            .filter(|id| {
                !kev_ids.contains(id.as_str())
                    && !facts.cve5.contains_key(*id)
                    && facts.only_nvd_and_cve5(id)
                    && !facts.stated_scores(id).is_empty()
                    && facts.nvd[*id]
                        .iter()
                        .all(|(_, c)| c.get("cisaExploitAdd").is_none())
            })
            .take(PICKS)
            .cloned()
            .collect();
        assert_eq!(nvd_only.len(), PICKS, "NVD-only CVEs outside KEV");

        let live_osv = || {
            facts
                .osv
                .iter()
                .filter(|(_, d)| d.get("withdrawn").is_none())
        };
        let alias_only = live_osv()
            .flat_map(|(_, d)| osv_cve_aliases(d))
            .find(|c| !facts.has_own_record(c) && !kev_ids.contains(c.as_str()))
            .expect("an OSV advisory naming a CVE that has no record of its own");

        let second_of_group = live_osv()
            .find_map(|(_, d)| {
                let cves = osv_cve_aliases(d);
                let (first, second) = (cves.first()?, cves.get(1)?);
                let differ = facts.epss.get(first)?.0 != facts.epss.get(second)?.0;
                differ.then(|| second.clone())
            })
            .expect("an OSV advisory naming two CVEs with different EPSS scores");

        // One past the highest number of the latest year the data names.
        let last = facts
            .epss
            .keys()
            .filter_map(|id| {
                let mut parts = id.splitn(3, '-').skip(1);
                let year: u32 = parts.next()?.parse().ok()?;
                let n: u64 = parts.next()?.parse().ok()?;
                Some((year, n))
            })
            .max()
            .unwrap();
        let unknown = format!("CVE-{}-{}", last.0, last.1 + 1);
        assert!(
            !facts.mentioned_anywhere.contains(&unknown),
            "{unknown} is named somewhere in vulns/"
        );

        let mut posted: Vec<String> = kev.clone();
        posted.extend(nvd_only.iter().cloned());
        posted.push(alias_only.clone());
        posted.push(second_of_group.clone());
        posted.push(unknown.clone());
        posted.push(kev[0].to_ascii_lowercase());
        Batch {
            kev,
            nvd_only,
            alias_only,
            second_of_group,
            unknown,
            posted,
        }
    }

    /// The distinct ids of the batch, as the API normalises them.
    fn distinct(&self) -> BTreeSet<String> {
        self.posted.iter().map(|i| i.to_ascii_uppercase()).collect()
    }
}

fn exposed_device() -> Value {
    json!({
        "device-class": "life-sustaining",
        "network-exposure": "internet",
        "patient-contact": true,
        "handles-phi": true,
    })
}

fn benign_device() -> Value {
    json!({
        "device-class": "administrative",
        "network-exposure": "none",
        "patient-contact": false,
        "handles-phi": false,
    })
}

/// Equal as read back from JSON: serde_json parses floats to within one
/// unit in the last place unless built with `float_roundtrip`.
fn same_f64(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= 4.0 * f64::EPSILON * want.abs()
}

async fn post_risk_scores(stack: &Stack, body: &Value) -> (u16, String, Value) {
    let resp = stack
        .http
        .post(stack.url("risk-scores"))
        .json(body)
        .send()
        .await
        .unwrap();
    let (status, ctype, body) = support::response_parts(resp).await;
    let text = String::from_utf8(body.unwrap()).unwrap();
    let doc = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, ctype, doc)
}

/// Submits, waits for success, and returns the result document.
async fn run_job(stack: &Stack, ids: &[String], device: &Value) -> Value {
    let (status, _, doc) =
        post_risk_scores(stack, &json!({ "cve_ids": ids, "device": device })).await;
    assert_eq!(status, 202, "submission answered {status}: {doc:#}");
    let id = support::job_id_of(&doc);
    let job = stack.wait_finished(&id, Duration::from_secs(600)).await;
    assert_eq!(
        job["status"],
        "succeeded",
        "risk-score job {id}: {job:#}\n{}",
        stack.logs()
    );
    assert_eq!(job["kind"], "risk-score", "{job:#}");
    assert_eq!(stack.result_rows(&id).await, 1, "result rows of {id}");
    let (status, ctype, body) = stack.result(&id, "json").await;
    assert_eq!(
        status,
        200,
        "result of {id}: {}",
        String::from_utf8_lossy(&body)
    );
    assert!(ctype.contains("json"), "result content type {ctype}");
    serde_json::from_slice(&body).unwrap()
}

/// The result's entries by id, each id present exactly once.
fn by_id(result: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for s in result["scores"].as_array().expect("scores array") {
        let id = s["id"].as_str().unwrap().to_owned();
        assert!(
            out.insert(id.clone(), s.clone()).is_none(),
            "{id} appears twice in the result"
        );
    }
    out
}

const PRIORITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// Ranks run 1..n down the list, scores never rise down it, ties are in
/// id order, each score is the sum of its factors, and no entry has a
/// more urgent priority than one ranked above it.
fn check_ranking(result: &Value) {
    let scores = result["scores"].as_array().unwrap();
    for (i, s) in scores.iter().enumerate() {
        assert_eq!(s["rank"].as_u64(), Some(i as u64 + 1), "rank of {s:#}");
        let sum: f64 = s["factors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["contribution"].as_f64().unwrap())
            .sum();
        let score = s["score"].as_f64().unwrap();
        assert!(
            (sum - score).abs() < 1e-9,
            "{}: score {score} but factors sum to {sum}",
            s["id"]
        );
    }
    for pair in scores.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (sa, sb) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
        assert!(
            sa > sb || (sa == sb && a["id"].as_str() < b["id"].as_str()),
            "{} ({sa}) ranked above {} ({sb})",
            a["id"],
            b["id"]
        );
        let pa = PRIORITIES.iter().position(|p| a["priority"] == *p).unwrap();
        let pb = PRIORITIES.iter().position(|p| b["priority"] == *p).unwrap();
        assert!(
            pa <= pb,
            "{} ({}) ranked above {} ({})",
            a["id"],
            a["priority"],
            b["id"],
            b["priority"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn risk_scores_match_the_feeds_and_rank_by_score() {
    let test = "risk_scores_match_the_feeds_and_rank_by_score";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let facts = Facts::load(&data);
    let batch = Batch::choose(&facts);
    eprintln!(
        "{test}: KEV {:?}, NVD-only {:?}, OSV alias {}, second of a group {}, unknown {}",
        batch.kev, batch.nvd_only, batch.alias_only, batch.second_of_group, batch.unknown
    );

    let stack = Stack::start(
        &data,
        StackOptions {
            workers: 1,
            ..StackOptions::default()
        },
    )
    .await;
    let exposed = run_job(&stack, &batch.posted, &exposed_device()).await;
    let benign = run_job(&stack, &batch.posted, &benign_device()).await;

    for (result, device) in [(&exposed, exposed_device()), (&benign, benign_device())] {
        assert_eq!(result["device"], device, "device context of the result");
        let got = by_id(result);
        let ids: BTreeSet<String> = got.keys().cloned().collect();
        assert_eq!(ids, batch.distinct(), "ids of the result");
        check_ranking(result);

        for (id, s) in &got {
            // KEV: every catalog entry is flagged with the catalog's dates.
            match facts.kev_entry(id) {
                Some(k) => {
                    let kev = &s["kev"];
                    assert!(kev.is_object(), "{id} is in the KEV catalog: {s:#}");
                    assert_eq!(kev["date_added"], k["dateAdded"], "{id} KEV date added");
                    assert_eq!(kev["due_date"], k["dueDate"], "{id} KEV due date");
                }
                None if batch.nvd_only.contains(id) || *id == batch.unknown => {
                    assert!(s["kev"].is_null(), "{id} is in no KEV list: {s:#}");
                }
                None => {}
            }
            // EPSS: the CSV's values, or none.
            match facts.epss.get(id) {
                Some(&(score, pct)) => {
                    let e = &s["epss"];
                    let (gs, gp) = (e["score"].as_f64(), e["percentile"].as_f64());
                    assert!(
                        gs.is_some_and(|g| same_f64(g, score))
                            && gp.is_some_and(|g| same_f64(g, pct)),
                        "{id} EPSS: CSV has {score} / {pct}, result {e}"
                    );
                }
                None => assert!(s["epss"].is_null(), "{id} has no EPSS row: {s:#}"),
            }
            // CVSS: the highest version's highest base score the records
            // state, when they are all the records there are.
            if facts.only_nvd_and_cve5(id) {
                let stated = facts.stated_scores(id);
                let best = stated
                    .iter()
                    .max_by(|a, b| {
                        a.version
                            .total_cmp(&b.version)
                            .then(a.base.total_cmp(&b.base))
                    })
                    .cloned();
                match best {
                    Some(best) => {
                        let got_score = s["cvss_score"].as_f64();
                        assert!(
                            got_score.is_some_and(|g| same_f64(g, best.base)),
                            "{id}: {} states {} for {}, result {} ({})",
                            best.file,
                            best.base,
                            best.vector,
                            s["cvss_score"],
                            s["cvss_vector"]
                        );
                        let vector = s["cvss_vector"].as_str().unwrap_or_default();
                        assert!(
                            stated.iter().any(|x| x.vector == vector
                                && x.version == best.version
                                && x.base == best.base),
                            "{id}: vector {vector} is not one stated with {} {}",
                            best.version,
                            best.base
                        );
                    }
                    None => assert!(s["cvss_score"].is_null(), "{id}: no stated score: {s:#}"),
                }
            }
        }
        for id in batch.kev.iter().chain(&batch.nvd_only) {
            assert_eq!(got[id]["known"], true, "{id} has a record: {:#}", got[id]);
        }
        let alias = &got[&batch.alias_only];
        assert_eq!(
            alias["known"], true,
            "{} is named by an OSV advisory: {alias:#}",
            batch.alias_only
        );
        let second = &got[&batch.second_of_group];
        assert_ne!(
            second["canonical_id"], batch.second_of_group,
            "{} was meant to be outside its group's canonical id",
            batch.second_of_group
        );
        // The unknown id is reported, as unknown, not dropped.
        let unknown = &got[&batch.unknown];
        assert_eq!(unknown["known"], false, "{unknown:#}");
        assert!(unknown["cvss_score"].is_null(), "{unknown:#}");
        assert_eq!(unknown["severity"], "unknown", "{unknown:#}");
        assert!(unknown["score"].as_f64().is_some(), "{unknown:#}");
    }

    // A context that raises exposure never lowers a score; the knowledge
    // base's facts and the exploitation estimate do not depend on it.
    assert_eq!(exposed["kb_generation"], benign["kb_generation"]);
    let (hi, lo) = (by_id(&exposed), by_id(&benign));
    for (id, h) in &hi {
        let l = &lo[id];
        let (hs, ls) = (h["score"].as_f64().unwrap(), l["score"].as_f64().unwrap());
        assert!(hs >= ls, "{id}: exposed {hs} < benign {ls}");
        for key in ["cvss_score", "cvss_vector", "kev", "epss", "known"] {
            assert_eq!(h[key], l[key], "{id} {key}");
        }
        assert_eq!(
            h["exploitability"]["probability"], l["exploitability"]["probability"],
            "{id} exploitability"
        );
    }
    eprintln!(
        "{test}: {} ids scored twice; top {} {} (exposed) / {} (benign)",
        hi.len(),
        exposed["scores"][0]["id"],
        exposed["scores"][0]["score"],
        benign["scores"][0]["score"]
    );
}

/// Rows in `jobs.jobs` of the stack's database.
async fn job_rows(stack: &Stack) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = stack.db.connect().await;
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM jobs.jobs")
        .get_result(&mut conn)
        .await
        .unwrap();
    c.n
}

/// A 4xx problem document whose `pointer` (or detail) names `field`.
fn assert_problem(case: &str, (status, ctype, doc): &(u16, String, Value), pointer: &str) {
    assert!(
        (400..500).contains(status),
        "{case}: answered {status}: {doc:#}"
    );
    assert!(
        ctype.starts_with("application/problem+json"),
        "{case}: content type {ctype}"
    );
    assert_eq!(
        doc["status"].as_u64(),
        Some(u64::from(*status)),
        "{case}: {doc:#}"
    );
    let named = doc["pointer"] == pointer
        || doc["detail"]
            .as_str()
            .is_some_and(|d| d.contains(pointer.trim_start_matches('/')));
    assert!(named, "{case}: problem does not name {pointer}: {doc:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_risk_score_batches_are_refused_without_a_job() {
    let test = "bad_risk_score_batches_are_refused_without_a_job";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let facts = Facts::load(&data);
    let kev: Vec<String> = facts
        .kev
        .iter()
        .take(2)
        .map(|k| k["cveID"].as_str().unwrap().to_owned())
        .collect();
    // No worker: nothing is taken off the queue, every row stays.
    let stack = Stack::start(
        &data,
        StackOptions {
            workers: 0,
            ..StackOptions::default()
        },
    )
    .await;

    let openapi: Value = stack
        .http
        .get(format!("{}/api/v1/openapi.json", stack.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cve_ids = &openapi["components"]["schemas"]["RiskScoreRequest"]["properties"]["cve_ids"];
    let max =
        usize::try_from(cve_ids["maxItems"].as_u64().unwrap_or_else(|| {
            panic!("no maxItems for cve_ids in the OpenAPI document: {cve_ids:#}")
        }))
        .unwrap();
    let many: Vec<String> = facts.epss.keys().take(max + 1).cloned().collect();
    assert_eq!(many.len(), max + 1, "EPSS ids for an oversized batch");

    // A real id with its separator broken.
    let malformed = kev[1].replacen('-', "_", 1);
    let device = exposed_device();
    let cases = [
        (
            "malformed CVE id",
            json!({ "cve_ids": [kev[0], malformed], "device": device }),
            "/cve_ids/1",
        ),
        (
            "empty batch",
            json!({ "cve_ids": [], "device": device }),
            "/cve_ids",
        ),
        (
            "oversized batch",
            json!({ "cve_ids": many, "device": device }),
            "/cve_ids",
        ),
        (
            "no device context",
            json!({ "cve_ids": [kev[0]] }),
            "/device",
        ),
        (
            "unknown device class",
            json!({ "cve_ids": [kev[0]], "device": { "device-class": "toaster", "network-exposure": "internet" } }),
            "/device",
        ),
    ];
    for (case, body, pointer) in &cases {
        let answer = post_risk_scores(&stack, body).await;
        assert_problem(case, &answer, pointer);
        if *case == "malformed CVE id" {
            let detail = answer.2["detail"].as_str().unwrap_or_default();
            assert!(detail.contains(&malformed), "{case}: {detail}");
        }
        assert_eq!(job_rows(&stack).await, 0, "{case}: a job row was written");
    }

    // The limit is the documented one: exactly `maxItems` ids are taken.
    let (status, _, doc) = post_risk_scores(
        &stack,
        &json!({ "cve_ids": &many[..max], "device": device }),
    )
    .await;
    assert_eq!(status, 202, "{max} ids: {doc:#}");
    assert_eq!(job_rows(&stack).await, 1, "one row for the accepted batch");
    eprintln!(
        "{test}: {} bad batches refused, {max} ids accepted",
        cases.len()
    );
}
