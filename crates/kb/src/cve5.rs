//! CVE JSON 5.x records (CVE List, CISA vulnrichment): the CNA container
//! and every ADP container (CISA-ADP adds CVSS, SSVC, KEV, CWE and CPEs).

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::feed::{english, from_value, join_path, parse_json, FeedRead};
use crate::model::{
    KevMark, ProductAffected, ProductVersion, Reference, Severity, SeverityKind, Source,
    VersionChange, Vulnerability, Weakness,
};
use crate::nvd::RawSsvc;
use crate::time::{parse_date, Timestamp};

/// Reads one CVE JSON 5 record, or a JSON array of records (gzip allowed).
pub fn read(bytes: &[u8], file: &str) -> Result<FeedRead<Vulnerability>, Error> {
    let doc = parse_json(bytes, file)?;
    let mut out = FeedRead::default();
    match doc {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                out.push(record(item, file, &format!("[{i}]")));
            }
        }
        Value::Object(ref map) if map.contains_key("cveMetadata") => {
            out.push(record(doc, file, ""));
        }
        _ => {
            return Err(Error::unsupported(
                file,
                "not a CVE JSON 5 record: no `cveMetadata`",
            ))
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord {
    data_type: String,
    data_version: String,
    cve_metadata: RawMeta,
    containers: RawContainers,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMeta {
    cve_id: String,
    state: String,
    assigner_short_name: Option<String>,
    date_published: Option<String>,
    date_updated: Option<String>,
    date_rejected: Option<String>,
}

#[derive(Deserialize)]
struct RawContainers {
    cna: RawContainer,
    #[serde(default)]
    adp: Vec<RawContainer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContainer {
    provider_metadata: RawProvider,
    title: Option<String>,
    #[serde(default)]
    descriptions: Vec<RawDescription>,
    #[serde(default)]
    affected: Vec<RawAffected>,
    #[serde(default)]
    metrics: Vec<RawMetric>,
    #[serde(default)]
    problem_types: Vec<RawProblemType>,
    #[serde(default)]
    references: Vec<RawReference>,
    #[serde(default)]
    rejected_reasons: Vec<RawDescription>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProvider {
    short_name: Option<String>,
    org_id: Option<String>,
}

#[derive(Deserialize)]
struct RawDescription {
    lang: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAffected {
    vendor: Option<String>,
    product: Option<String>,
    package_name: Option<String>,
    #[serde(rename = "collectionURL")]
    collection_url: Option<String>,
    repo: Option<String>,
    default_status: Option<String>,
    #[serde(default)]
    versions: Vec<RawVersion>,
    #[serde(default)]
    cpes: Vec<String>,
    #[serde(rename = "packageURL")]
    package_url: Option<String>,
    #[serde(default)]
    platforms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVersion {
    version: String,
    status: String,
    version_type: Option<String>,
    less_than: Option<String>,
    less_than_or_equal: Option<String>,
    #[serde(default)]
    changes: Vec<VersionChange>,
}

#[derive(Deserialize)]
struct RawMetric {
    #[serde(rename = "cvssV2_0")]
    v2: Option<RawCvss>,
    #[serde(rename = "cvssV3_0")]
    v30: Option<RawCvss>,
    #[serde(rename = "cvssV3_1")]
    v31: Option<RawCvss>,
    #[serde(rename = "cvssV4_0")]
    v40: Option<RawCvss>,
    other: Option<RawOther>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvss {
    vector_string: String,
    base_score: Option<f64>,
}

#[derive(Deserialize)]
struct RawOther {
    #[serde(rename = "type")]
    kind: String,
    content: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKev {
    date_added: String,
}

#[derive(Deserialize)]
struct RawProblemType {
    #[serde(default)]
    descriptions: Vec<RawProblem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProblem {
    cwe_id: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawReference {
    url: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// `CWE-284` from `cweId`, else the leading `CWE-...` token of the
/// description (which also carries `CWE-noinfo` / `CWE-Other`).
fn cwe_of(p: &RawProblem) -> Option<String> {
    if let Some(id) = &p.cwe_id {
        return Some(id.trim().to_owned());
    }
    let d = p.description.as_deref()?.trim();
    let rest = d.strip_prefix("CWE-")?;
    let token: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!token.is_empty()).then(|| format!("CWE-{token}"))
}

fn record(value: Value, file: &str, base: &str) -> Result<Vulnerability, Error> {
    let id = value
        .pointer("/cveMetadata/cveId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let raw: RawRecord = from_value(value, file, base, id.as_deref())?;
    let meta = raw.cve_metadata;
    let id = meta.cve_id;
    let invalid = |msg: String, field: &str| {
        Error::invalid(file, msg)
            .record(Some(&id))
            .at(join_path(base, field))
    };
    if raw.data_type != "CVE_RECORD" {
        return Err(invalid(
            format!("`dataType` is `{}`, expected `CVE_RECORD`", raw.data_type),
            "dataType",
        ));
    }
    if !raw.data_version.starts_with("5.") {
        return Err(Error::unsupported(
            file,
            format!("CVE JSON `dataVersion` {} (5.x is read)", raw.data_version),
        )
        .record(Some(&id))
        .at(join_path(base, "dataVersion")));
    }
    let time = |v: &Option<String>, field: &str| {
        v.as_deref()
            .map(Timestamp::parse)
            .transpose()
            .map_err(|e| invalid(e, &format!("cveMetadata.{field}")))
    };
    let mut v = Vulnerability::new(id.clone(), Source::Cve5);
    v.published = time(&meta.date_published, "datePublished")?;
    v.modified = time(&meta.date_updated, "dateUpdated")?;
    let rejected = time(&meta.date_rejected, "dateRejected")?;
    v.status = Some(meta.state.clone());
    match meta.state.as_str() {
        "PUBLISHED" => {}
        "REJECTED" => v.withdrawn = rejected.or(v.modified).or(v.published),
        other => {
            return Err(invalid(
                format!("`state` is `{other}`, expected PUBLISHED or REJECTED"),
                "cveMetadata.state",
            ))
        }
    }
    let cna = raw.containers.cna;
    v.summary = cna.title.clone();
    v.details = english(
        cna.descriptions
            .iter()
            .map(|d| (d.lang.as_str(), d.value.as_str())),
    )
    .or_else(|| {
        english(
            cna.rejected_reasons
                .iter()
                .map(|d| (d.lang.as_str(), d.value.as_str())),
        )
    });
    let containers = std::iter::once(("containers.cna".to_owned(), "cna", cna)).chain(
        raw.containers
            .adp
            .into_iter()
            .enumerate()
            .map(|(i, c)| (format!("containers.adp[{i}]"), "adp", c)),
    );
    for (path, role, c) in containers {
        let provider = c
            .provider_metadata
            .short_name
            .clone()
            .or(c.provider_metadata.org_id.clone())
            .or_else(|| {
                (role == "cna")
                    .then(|| meta.assigner_short_name.clone())
                    .flatten()
            });
        for a in c.affected {
            v.products.push(ProductAffected {
                provider: provider.clone(),
                vendor: a.vendor,
                product: a.product,
                package_name: a.package_name,
                collection_url: a.collection_url,
                repo: a.repo,
                default_status: a.default_status,
                versions: a
                    .versions
                    .into_iter()
                    .map(|x| ProductVersion {
                        version: x.version,
                        status: x.status,
                        version_type: x.version_type,
                        less_than: x.less_than,
                        less_than_or_equal: x.less_than_or_equal,
                        changes: x.changes,
                    })
                    .collect(),
                cpes: a.cpes,
                purls: a.package_url.into_iter().collect(),
                platforms: a.platforms,
            });
        }
        for (mi, m) in c.metrics.into_iter().enumerate() {
            let groups = [
                (m.v2, SeverityKind::CvssV2),
                (m.v30, SeverityKind::CvssV30),
                (m.v31, SeverityKind::CvssV31),
                (m.v40, SeverityKind::CvssV40),
            ];
            for (cvss, kind) in groups {
                if let Some(cvss) = cvss {
                    v.severities.push(Severity {
                        kind,
                        vector: cvss.vector_string,
                        base_score: cvss.base_score,
                        source: provider.clone(),
                        role: Some(role.to_owned()),
                    });
                }
            }
            let Some(other) = m.other else { continue };
            let at = format!("{path}.metrics[{mi}].other.content");
            match other.kind.as_str() {
                "ssvc" => {
                    let raw: RawSsvc =
                        from_value(other.content, file, &join_path(base, &at), Some(&id))?;
                    v.ssvc.push(
                        raw.into_ssvc(provider.clone())
                            .map_err(|e| invalid(e, &at))?,
                    );
                }
                "kev" => {
                    let raw: RawKev =
                        from_value(other.content, file, &join_path(base, &at), Some(&id))?;
                    let date_added = parse_date(&raw.date_added)
                        .map_err(|e| invalid(e, &format!("{at}.dateAdded")))?;
                    v.kev = Some(KevMark {
                        date_added,
                        due_date: None,
                        required_action: None,
                        vulnerability_name: None,
                    });
                }
                // Free-text severities and other kinds carry nothing to match on.
                _ => {}
            }
        }
        for pt in &c.problem_types {
            for p in &pt.descriptions {
                if let Some(cwe) = cwe_of(p) {
                    let name = p.description.as_deref().map(|d| {
                        d.trim()
                            .strip_prefix(cwe.as_str())
                            .map(|rest| rest.trim_start_matches([':', ' ']).to_owned())
                            .unwrap_or_else(|| d.to_owned())
                    });
                    let w = Weakness {
                        id: cwe,
                        name: name.filter(|n| !n.is_empty()),
                        source: provider.clone(),
                    };
                    if !v.weaknesses.contains(&w) {
                        v.weaknesses.push(w);
                    }
                }
            }
        }
        for r in c.references {
            if !v.references.iter().any(|x| x.url == r.url) {
                v.references.push(Reference {
                    url: r.url,
                    kind: None,
                    tags: r.tags,
                    source: provider.clone(),
                });
            }
        }
    }
    Ok(v)
}
