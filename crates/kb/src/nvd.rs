//! NVD CVE API 2.0 JSON: single `cve` objects, API result pages and the
//! yearly feed files (same shape as a page), plain or gzip; and the legacy
//! NVD JSON 1.1 feed (`CVE_Items`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::feed::{english, from_value, inflate, json_syntax, str_at, FeedRead};
use crate::model::{
    Configuration, CpeMatch, KevMark, Node, Operator, Reference, Severity, SeverityKind, Source,
    Ssvc, Vulnerability, Weakness,
};
use crate::time::{parse_date, Timestamp};
use serde_json::value::RawValue;

/// Reads any NVD JSON document: an API 2.0 page or yearly feed
/// (`vulnerabilities[]`), a single `cve` object (bare or wrapped as
/// `{"cve": ...}`), or a legacy 1.1 feed (`CVE_Items[]`). Gzip is inflated.
///
/// A document that is not JSON, or of another shape, is an `Err`; a bad
/// record inside a page is listed in `rejected` and the rest is read.
pub fn read(bytes: &[u8], file: &str) -> Result<FeedRead<Vulnerability>, Error> {
    let bytes = inflate(bytes, file)?;
    // Pages and yearly feeds are read one record at a time from borrowed
    // raw text: a feed costs its bytes plus the records read, not a `Value`
    // tree of the whole file (several times its size).
    let outline: Outline<'_> =
        serde_json::from_slice(&bytes).map_err(|e| outline_error(file, &e))?;
    let mut out = FeedRead::default();
    if let Some(items) = outline.vulnerabilities {
        if let Some(format) = outline.format.as_deref() {
            if format != "NVD_CVE" {
                return Err(Error::unsupported(
                    file,
                    format!("`format` is `{format}`, expected `NVD_CVE`"),
                )
                .at("format"));
            }
        }
        for (i, raw) in items.into_iter().enumerate() {
            let base = format!("vulnerabilities[{i}]");
            out.push(match record_value(raw, file, &base) {
                Ok(Value::Object(mut wrapper)) => match wrapper.remove("cve") {
                    Some(cve) => cve_record(cve, file, &format!("{base}.cve")),
                    None => Err(Error::invalid(file, "entry has no `cve` object").at(base)),
                },
                Ok(_) => Err(Error::invalid(file, "entry is not an object").at(base)),
                Err(e) => Err(e),
            });
        }
        return Ok(out);
    }
    if let Some(items) = outline.cve_items {
        for (i, raw) in items.into_iter().enumerate() {
            let base = format!("CVE_Items[{i}]");
            out.push(record_value(raw, file, &base).and_then(|v| legacy_record(v, file, &base)));
        }
        return Ok(out);
    }
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| json_syntax(file, &e))?;
    read_value(doc, file)
}

/// The top level of an NVD document, records left as raw text.
#[derive(Deserialize)]
struct Outline<'a> {
    format: Option<String>,
    #[serde(borrow, default)]
    vulnerabilities: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default, rename = "CVE_Items")]
    cve_items: Option<Vec<&'a RawValue>>,
}

fn outline_error(file: &str, e: &serde_json::Error) -> Error {
    match e.classify() {
        // Well-formed JSON of another shape (an array, `vulnerabilities`
        // that is not a list).
        serde_json::error::Category::Data => {
            Error::unsupported(file, format!("not an NVD document: {e}"))
        }
        _ => json_syntax(file, e),
    }
}

fn record_value(raw: &RawValue, file: &str, base: &str) -> Result<Value, Error> {
    serde_json::from_str(raw.get()).map_err(|e| json_syntax(file, &e).at(base))
}

/// A single `cve` object, bare or wrapped.
fn read_value(doc: Value, file: &str) -> Result<FeedRead<Vulnerability>, Error> {
    let Value::Object(mut map) = doc else {
        return Err(Error::unsupported(file, "an NVD document is a JSON object"));
    };
    let mut out = FeedRead::default();
    if let Some(cve) = map.remove("cve") {
        out.push(cve_record(cve, file, "cve"));
        return Ok(out);
    }
    if map.contains_key("id") && map.contains_key("sourceIdentifier") {
        out.push(cve_record(Value::Object(map), file, ""));
        return Ok(out);
    }
    if map.contains_key("dataType") && map.contains_key("cveMetadata") {
        return Err(Error::unsupported(
            file,
            "this is a CVE JSON 5 record; read it with cve5::read",
        ));
    }
    Err(Error::unsupported(
        file,
        "not an NVD document: no `vulnerabilities`, `CVE_Items` or `cve`",
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCve {
    id: String,
    published: Option<String>,
    last_modified: Option<String>,
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<LangString>,
    #[serde(default)]
    metrics: RawMetrics,
    #[serde(default)]
    weaknesses: Vec<RawWeakness>,
    #[serde(default)]
    configurations: Vec<RawConfiguration>,
    #[serde(default)]
    references: Vec<RawReference>,
    cisa_exploit_add: Option<String>,
    cisa_action_due: Option<String>,
    cisa_required_action: Option<String>,
    cisa_vulnerability_name: Option<String>,
}

#[derive(Deserialize)]
struct LangString {
    lang: String,
    value: String,
}

#[derive(Deserialize, Default)]
struct RawMetrics {
    #[serde(default, rename = "cvssMetricV2")]
    v2: Vec<RawCvssMetric>,
    #[serde(default, rename = "cvssMetricV30")]
    v30: Vec<RawCvssMetric>,
    #[serde(default, rename = "cvssMetricV31")]
    v31: Vec<RawCvssMetric>,
    #[serde(default, rename = "cvssMetricV40")]
    v40: Vec<RawCvssMetric>,
    #[serde(default, rename = "ssvcV203")]
    ssvc: Vec<RawSsvcMetric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvssMetric {
    source: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    cvss_data: RawCvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvssData {
    vector_string: String,
    base_score: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSsvcMetric {
    source: Option<String>,
    ssvc_data: RawSsvc,
}

#[derive(Deserialize)]
pub(crate) struct RawSsvc {
    pub(crate) timestamp: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) version: Option<String>,
    #[serde(default)]
    pub(crate) options: Vec<BTreeMap<String, Value>>,
}

impl RawSsvc {
    /// Normalises option names (`Technical Impact`, `technicalImpact`) and
    /// values (`PoC`, `poc`) to lower case without separators.
    pub(crate) fn into_ssvc(self, source: Option<String>) -> Result<Ssvc, String> {
        let mut s = Ssvc {
            source,
            role: self.role,
            version: self.version,
            timestamp: self
                .timestamp
                .as_deref()
                .map(Timestamp::parse)
                .transpose()?,
            exploitation: None,
            automatable: None,
            technical_impact: None,
        };
        for option in self.options {
            for (k, v) in option {
                let key: String = k
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                let value = match v {
                    Value::String(v) => v.to_ascii_lowercase(),
                    other => other.to_string(),
                };
                match key.as_str() {
                    "exploitation" => s.exploitation = Some(value),
                    "automatable" => s.automatable = Some(value),
                    "technicalimpact" => s.technical_impact = Some(value),
                    _ => {}
                }
            }
        }
        Ok(s)
    }
}

#[derive(Deserialize)]
struct RawWeakness {
    source: Option<String>,
    #[serde(default)]
    description: Vec<LangString>,
}

#[derive(Deserialize)]
struct RawConfiguration {
    operator: Option<String>,
    #[serde(default)]
    negate: bool,
    #[serde(default)]
    nodes: Vec<RawNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNode {
    operator: String,
    #[serde(default)]
    negate: bool,
    #[serde(default)]
    cpe_match: Vec<RawCpeMatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCpeMatch {
    vulnerable: bool,
    criteria: String,
    match_criteria_id: Option<String>,
    version_start_including: Option<String>,
    version_start_excluding: Option<String>,
    version_end_including: Option<String>,
    version_end_excluding: Option<String>,
}

#[derive(Deserialize)]
struct RawReference {
    url: String,
    source: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

fn time_field(
    value: Option<&str>,
    field: &str,
    file: &str,
    base: &str,
    id: &str,
) -> Result<Option<Timestamp>, Error> {
    value.map(Timestamp::parse).transpose().map_err(|e| {
        Error::invalid(file, e)
            .record(Some(id))
            .at(crate::feed::join_path(base, field))
    })
}

fn cve_record(value: Value, file: &str, base: &str) -> Result<Vulnerability, Error> {
    let id = str_at(&value, "id").map(str::to_owned);
    let raw: RawCve = from_value(value, file, base, id.as_deref())?;
    let id = raw.id;
    if id.trim().is_empty() {
        return Err(Error::invalid(file, "empty `id`").at(crate::feed::join_path(base, "id")));
    }
    let invalid = |msg: String, field: &str| {
        Error::invalid(file, msg)
            .record(Some(&id))
            .at(crate::feed::join_path(base, field))
    };
    let mut v = Vulnerability::new(id.clone(), Source::Nvd);
    v.published = time_field(raw.published.as_deref(), "published", file, base, &id)?;
    v.modified = time_field(
        raw.last_modified.as_deref(),
        "lastModified",
        file,
        base,
        &id,
    )?;
    v.status = raw.vuln_status.clone();
    if raw.vuln_status.as_deref() == Some("Rejected") {
        v.withdrawn = v.modified.or(v.published);
    }
    v.details = english(
        raw.descriptions
            .iter()
            .map(|d| (d.lang.as_str(), d.value.as_str())),
    );
    let groups = [
        (raw.metrics.v2, SeverityKind::CvssV2),
        (raw.metrics.v30, SeverityKind::CvssV30),
        (raw.metrics.v31, SeverityKind::CvssV31),
        (raw.metrics.v40, SeverityKind::CvssV40),
    ];
    for (metrics, kind) in groups {
        for m in metrics {
            v.severities.push(Severity {
                kind: kind.clone(),
                vector: m.cvss_data.vector_string,
                base_score: m.cvss_data.base_score,
                source: m.source,
                role: m.kind,
            });
        }
    }
    for (i, m) in raw.metrics.ssvc.into_iter().enumerate() {
        let s = m
            .ssvc_data
            .into_ssvc(m.source)
            .map_err(|e| invalid(e, &format!("metrics.ssvcV203[{i}].ssvcData")))?;
        v.ssvc.push(s);
    }
    for w in raw.weaknesses {
        for d in w.description {
            v.weaknesses.push(Weakness {
                id: d.value,
                name: None,
                source: w.source.clone(),
            });
        }
    }
    for (ci, c) in raw.configurations.into_iter().enumerate() {
        let operator = c
            .operator
            .as_deref()
            .map(Operator::parse)
            .transpose()
            .map_err(|e| invalid(e, &format!("configurations[{ci}].operator")))?;
        let mut nodes = Vec::with_capacity(c.nodes.len());
        for (ni, n) in c.nodes.into_iter().enumerate() {
            let operator = Operator::parse(&n.operator)
                .map_err(|e| invalid(e, &format!("configurations[{ci}].nodes[{ni}].operator")))?;
            nodes.push(Node {
                operator,
                negate: n.negate,
                matches: n
                    .cpe_match
                    .into_iter()
                    .map(|m| CpeMatch {
                        vulnerable: m.vulnerable,
                        criteria: m.criteria,
                        match_criteria_id: m.match_criteria_id,
                        version_start_including: m.version_start_including,
                        version_start_excluding: m.version_start_excluding,
                        version_end_including: m.version_end_including,
                        version_end_excluding: m.version_end_excluding,
                    })
                    .collect(),
            });
        }
        v.configurations.push(Configuration {
            operator,
            negate: c.negate,
            nodes,
        });
    }
    v.references = raw
        .references
        .into_iter()
        .map(|r| Reference {
            url: r.url,
            kind: None,
            tags: r.tags,
            source: r.source,
        })
        .collect();
    if let Some(added) = raw.cisa_exploit_add.as_deref() {
        let date_added = parse_date(added).map_err(|e| invalid(e, "cisaExploitAdd"))?;
        let due_date = raw
            .cisa_action_due
            .as_deref()
            .map(parse_date)
            .transpose()
            .map_err(|e| invalid(e, "cisaActionDue"))?;
        v.kev = Some(KevMark {
            date_added,
            due_date,
            required_action: raw.cisa_required_action,
            vulnerability_name: raw.cisa_vulnerability_name,
        });
    }
    Ok(v)
}

// Legacy NVD JSON 1.1 (`CVE_Items`): same content, older layout; nodes
// nest through `children` (one level in practice: an AND of ORs).

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyItem {
    cve: LegacyCve,
    #[serde(default)]
    configurations: Option<LegacyConfigurations>,
    #[serde(default)]
    impact: LegacyImpact,
    published_date: Option<String>,
    last_modified_date: Option<String>,
}

#[derive(Deserialize)]
struct LegacyCve {
    #[serde(rename = "CVE_data_meta")]
    meta: LegacyMeta,
    #[serde(default)]
    problemtype: Option<LegacyProblemtype>,
    #[serde(default)]
    references: Option<LegacyReferences>,
    #[serde(default)]
    description: Option<LegacyDescription>,
}

#[derive(Deserialize)]
struct LegacyMeta {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "ASSIGNER")]
    assigner: Option<String>,
}

#[derive(Deserialize)]
struct LegacyProblemtype {
    #[serde(default)]
    problemtype_data: Vec<LegacyDescription2>,
}

#[derive(Deserialize)]
struct LegacyDescription2 {
    #[serde(default)]
    description: Vec<LangString>,
}

#[derive(Deserialize)]
struct LegacyReferences {
    #[serde(default)]
    reference_data: Vec<LegacyReference>,
}

#[derive(Deserialize)]
struct LegacyReference {
    url: String,
    refsource: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct LegacyDescription {
    #[serde(default)]
    description_data: Vec<LangString>,
}

#[derive(Deserialize)]
struct LegacyConfigurations {
    #[serde(default)]
    nodes: Vec<LegacyNode>,
}

#[derive(Deserialize)]
struct LegacyNode {
    operator: String,
    #[serde(default)]
    negate: bool,
    #[serde(default)]
    children: Vec<LegacyNode>,
    #[serde(default)]
    cpe_match: Vec<LegacyCpeMatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyCpeMatch {
    vulnerable: bool,
    #[serde(rename = "cpe23Uri")]
    cpe23_uri: String,
    version_start_including: Option<String>,
    version_start_excluding: Option<String>,
    version_end_including: Option<String>,
    version_end_excluding: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LegacyImpact {
    base_metric_v3: Option<LegacyMetricV3>,
    base_metric_v2: Option<LegacyMetricV2>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyMetricV3 {
    cvss_v3: RawCvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacyMetricV2 {
    cvss_v2: RawCvssData,
}

fn legacy_node(n: LegacyNode, path: &str) -> Result<Node, (String, String)> {
    if !n.children.is_empty() {
        return Err((
            "a node nested below a child node; NVD 1.1 nests one level only".to_owned(),
            format!("{path}.children"),
        ));
    }
    Ok(Node {
        operator: Operator::parse(&n.operator).map_err(|e| (e, format!("{path}.operator")))?,
        negate: n.negate,
        matches: n
            .cpe_match
            .into_iter()
            .map(|m| CpeMatch {
                vulnerable: m.vulnerable,
                criteria: m.cpe23_uri,
                match_criteria_id: None,
                version_start_including: m.version_start_including,
                version_start_excluding: m.version_start_excluding,
                version_end_including: m.version_end_including,
                version_end_excluding: m.version_end_excluding,
            })
            .collect(),
    })
}

fn legacy_record(value: Value, file: &str, base: &str) -> Result<Vulnerability, Error> {
    let id = value
        .pointer("/cve/CVE_data_meta/ID")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let raw: LegacyItem = from_value(value, file, base, id.as_deref())?;
    let id = raw.cve.meta.id;
    let mut v = Vulnerability::new(id.clone(), Source::NvdLegacy);
    v.published = time_field(
        raw.published_date.as_deref(),
        "publishedDate",
        file,
        base,
        &id,
    )?;
    v.modified = time_field(
        raw.last_modified_date.as_deref(),
        "lastModifiedDate",
        file,
        base,
        &id,
    )?;
    if let Some(d) = raw.cve.description {
        v.details = english(
            d.description_data
                .iter()
                .map(|d| (d.lang.as_str(), d.value.as_str())),
        );
        // The 1.1 feed marks rejected CVEs only in the description text.
        if v.details
            .as_deref()
            .is_some_and(|t| t.starts_with("** REJECT **"))
        {
            v.status = Some("Rejected".to_owned());
            v.withdrawn = v.modified.or(v.published);
        }
    }
    for p in raw
        .cve
        .problemtype
        .map(|p| p.problemtype_data)
        .unwrap_or_default()
    {
        for d in p.description {
            v.weaknesses.push(Weakness {
                id: d.value,
                name: None,
                source: raw.cve.meta.assigner.clone(),
            });
        }
    }
    v.references = raw
        .cve
        .references
        .map(|r| r.reference_data)
        .unwrap_or_default()
        .into_iter()
        .map(|r| Reference {
            url: r.url,
            kind: r.refsource,
            tags: r.tags,
            source: None,
        })
        .collect();
    if let Some(m) = raw.impact.base_metric_v3 {
        let kind = SeverityKind::from_vector(&m.cvss_v3.vector_string, SeverityKind::CvssV31);
        v.severities.push(Severity {
            kind,
            vector: m.cvss_v3.vector_string,
            base_score: m.cvss_v3.base_score,
            source: Some("nvd@nist.gov".to_owned()),
            role: Some("Primary".to_owned()),
        });
    }
    if let Some(m) = raw.impact.base_metric_v2 {
        v.severities.push(Severity {
            kind: SeverityKind::CvssV2,
            vector: m.cvss_v2.vector_string,
            base_score: m.cvss_v2.base_score,
            source: Some("nvd@nist.gov".to_owned()),
            role: Some("Primary".to_owned()),
        });
    }
    let nodes = raw.configurations.map(|c| c.nodes).unwrap_or_default();
    for (i, n) in nodes.into_iter().enumerate() {
        let path = format!("configurations.nodes[{i}]");
        let located = |(msg, at): (String, String)| {
            Error::invalid(file, msg)
                .record(Some(&id))
                .at(crate::feed::join_path(base, &at))
        };
        // A top-level node with children is an AND/OR of child nodes: the
        // 2.0 API writes that as one configuration with several nodes.
        if n.children.is_empty() {
            v.configurations.push(Configuration {
                operator: None,
                negate: false,
                nodes: vec![legacy_node(n, &path).map_err(located)?],
            });
        } else {
            if !n.cpe_match.is_empty() {
                return Err(located((
                    "a node with both children and cpe_match".to_owned(),
                    path,
                )));
            }
            let operator = Operator::parse(&n.operator)
                .map_err(|e| located((e, format!("{path}.operator"))))?;
            let mut children = Vec::with_capacity(n.children.len());
            for (j, c) in n.children.into_iter().enumerate() {
                children.push(legacy_node(c, &format!("{path}.children[{j}]")).map_err(located)?);
            }
            v.configurations.push(Configuration {
                operator: Some(operator),
                negate: n.negate,
                nodes: children,
            });
        }
    }
    Ok(v)
}
