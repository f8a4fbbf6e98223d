//! OSV records, JSON and YAML, schema versions 1.x.

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::feed::{from_value, inflate, join_path, parse_json, small_json, FeedRead};
use crate::model::{
    AffectedPackage, Event, Range, RangeKind, Reference, Severity, SeverityKind, Source,
    Vulnerability,
};
use crate::time::Timestamp;

/// Reads OSV JSON: one record, an array of records, or a `{"vulns": [...]}`
/// query result (gzip allowed).
pub fn read_json(bytes: &[u8], file: &str) -> Result<FeedRead<Vulnerability>, Error> {
    let doc = parse_json(bytes, file)?;
    let mut out = FeedRead::default();
    match doc {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                out.extend(json_record(item, file, &format!("[{i}]")));
            }
        }
        Value::Object(mut map) => match map.remove("vulns") {
            Some(Value::Array(items)) if !map.contains_key("id") => {
                for (i, item) in items.into_iter().enumerate() {
                    out.extend(json_record(item, file, &format!("vulns[{i}]")));
                }
            }
            other => {
                if let Some(v) = other {
                    map.insert("vulns".to_owned(), v);
                }
                out.extend(json_record(Value::Object(map), file, ""));
            }
        },
        _ => {
            return Err(Error::unsupported(
                file,
                "an OSV document is a JSON object or array",
            ))
        }
    }
    Ok(out)
}

/// Reads one OSV record written in YAML (as the PyPA advisory database
/// does). Scalars are taken as written, so `1.0` stays the version `1.0`.
pub fn read_yaml(bytes: &[u8], file: &str) -> Result<FeedRead<Vulnerability>, Error> {
    let bytes = inflate(bytes, file)?;
    if flow_depth_exceeds(&bytes, MAX_YAML_FLOW_DEPTH) {
        return Err(Error::invalid(
            file,
            format!("YAML flow collections nest deeper than {MAX_YAML_FLOW_DEPTH}"),
        ));
    }
    let mut out = FeedRead::default();
    let de = serde_norway::Deserializer::from_slice(&bytes);
    let raw: Result<RawOsv, _> = serde_path_to_error::deserialize(de);
    match raw {
        Ok(raw) => out.extend(convert(raw, file, "")),
        Err(e) => {
            // Name the record when at least its id can be read.
            let id = serde_norway::from_slice::<IdOnly>(&bytes)
                .ok()
                .and_then(|r| r.id);
            let path = e.path().to_string();
            out.rejected.push(
                Error::malformed(file, "YAML", e.into_inner())
                    .record(id.as_deref())
                    .at(path),
            );
        }
    }
    Ok(out)
}

/// Deepest `[`/`{` nesting accepted in YAML. The YAML parser's time grows
/// with the square of flow depth, so a 200 KB file of `[` would hold a
/// worker for minutes; real records nest a few levels. Brackets inside
/// text are counted too, which only matters past this many unclosed ones.
const MAX_YAML_FLOW_DEPTH: usize = 1000;

fn flow_depth_exceeds(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    for &b in bytes {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<String>,
}

fn json_record(value: Value, file: &str, base: &str) -> FeedRead<Vulnerability> {
    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    match from_value::<RawOsv>(value, file, base, id.as_deref()) {
        Ok(raw) => convert(raw, file, base),
        Err(e) => FeedRead {
            rejected: vec![e],
            ..FeedRead::default()
        },
    }
}

#[derive(Deserialize)]
struct RawOsv {
    schema_version: Option<String>,
    id: String,
    modified: String,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    upstream: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<RawSeverity>>,
    affected: Option<Vec<RawAffected>>,
    references: Option<Vec<RawReference>>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    severity: Option<Vec<RawSeverity>>,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
    ecosystem_specific: Option<Value>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    repo: Option<String>,
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: String,
}

fn severity(s: RawSeverity, source: &str) -> Severity {
    let kind = match s.kind.as_str() {
        "CVSS_V2" => SeverityKind::CvssV2,
        "CVSS_V3" => SeverityKind::from_vector(&s.score, SeverityKind::CvssV31),
        "CVSS_V4" => SeverityKind::CvssV40,
        "Ubuntu" => SeverityKind::Ubuntu,
        other => SeverityKind::Other(other.to_owned()),
    };
    Severity {
        kind,
        vector: s.score,
        base_score: None,
        source: Some(source.to_owned()),
        role: None,
    }
}

/// A GIT event value per the OSV schema: `0` or a full SHA-1 / SHA-256.
fn is_commit_hash(v: &str) -> bool {
    v == "0"
        || ((v.len() == 40 || v.len() == 64)
            && v.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

fn convert(raw: RawOsv, file: &str, base: &str) -> FeedRead<Vulnerability> {
    let mut out = FeedRead::default();
    let id = raw.id.clone();
    let err = |msg: String, field: &str| {
        Error::invalid(file, msg)
            .record(Some(&id))
            .at(join_path(base, field))
    };
    if id.trim().is_empty() {
        out.rejected.push(err("empty `id`".to_owned(), "id"));
        return out;
    }
    if let Some(sv) = &raw.schema_version {
        if !sv.starts_with("1.") {
            out.rejected.push(
                Error::unsupported(file, format!("OSV schema_version {sv} (1.x is read)"))
                    .record(Some(&id))
                    .at(join_path(base, "schema_version")),
            );
            return out;
        }
    }
    let time = |v: Option<&str>, field: &str| {
        v.map(Timestamp::parse)
            .transpose()
            .map_err(|e| err(e, field))
    };
    let mut v = Vulnerability::new(id.clone(), Source::Osv);
    let times = (|| {
        Ok::<_, Error>((
            time(Some(&raw.modified), "modified")?,
            time(raw.published.as_deref(), "published")?,
            time(raw.withdrawn.as_deref(), "withdrawn")?,
        ))
    })();
    match times {
        Ok((m, p, w)) => {
            v.modified = m;
            v.published = p;
            v.withdrawn = w;
        }
        Err(e) => {
            out.rejected.push(e);
            return out;
        }
    }
    v.aliases = raw.aliases.unwrap_or_default();
    v.related = raw.related.unwrap_or_default();
    v.upstream = raw.upstream.unwrap_or_default();
    v.summary = raw.summary;
    v.details = raw.details;
    v.severities = raw
        .severity
        .unwrap_or_default()
        .into_iter()
        .map(|s| severity(s, &id))
        .collect();
    v.references = raw
        .references
        .unwrap_or_default()
        .into_iter()
        .map(|r| Reference {
            url: r.url,
            kind: r.kind,
            tags: Vec::new(),
            source: None,
        })
        .collect();
    v.database_specific = small_json(raw.database_specific);
    for (ai, a) in raw.affected.unwrap_or_default().into_iter().enumerate() {
        let (ecosystem, name, purl) = match a.package {
            Some(p) => (p.ecosystem, p.name, p.purl),
            None => (String::new(), String::new(), None),
        };
        let mut ranges = Vec::new();
        for (ri, r) in a.ranges.unwrap_or_default().into_iter().enumerate() {
            let at = format!("affected[{ai}].ranges[{ri}]");
            let kind = match r.kind.as_str() {
                "SEMVER" => RangeKind::Semver,
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "GIT" => RangeKind::Git,
                other => RangeKind::Other(other.to_owned()),
            };
            let mut events = Vec::with_capacity(r.events.len());
            for (ei, e) in r.events.into_iter().enumerate() {
                let set = [
                    e.introduced.map(Event::Introduced),
                    e.fixed.map(Event::Fixed),
                    e.last_affected.map(Event::LastAffected),
                    e.limit.map(Event::Limit),
                ];
                let mut set = set.into_iter().flatten();
                match (set.next(), set.next()) {
                    (Some(event), None) => events.push(event),
                    _ => {
                        out.rejected.push(err(
                            "an event must have exactly one of introduced, fixed, last_affected, limit"
                                .to_owned(),
                            &format!("{at}.events[{ei}]"),
                        ));
                        return out;
                    }
                }
            }
            if kind == RangeKind::Git {
                // A truncated hash or a `.patch` name cannot be placed in
                // a repository's history; keeping the range without that
                // bound would widen it, so the whole GIT range is dropped.
                let bad = events
                    .iter()
                    .enumerate()
                    .find(|(_, e)| !is_commit_hash(e.version()));
                if let Some((ei, e)) = bad {
                    let field = match e {
                        Event::Introduced(_) => "introduced",
                        Event::Fixed(_) => "fixed",
                        Event::LastAffected(_) => "last_affected",
                        Event::Limit(_) => "limit",
                    };
                    out.warnings.push(err(
                        format!(
                            "GIT event `{}` is not a full 40- or 64-hex commit hash as the OSV schema requires; GIT range dropped",
                            e.version()
                        ),
                        &format!("{at}.events[{ei}].{field}"),
                    ));
                    continue;
                }
                if r.repo.is_none() {
                    out.warnings.push(err(
                        "GIT range without `repo`; range dropped".to_owned(),
                        &format!("{at}.repo"),
                    ));
                    continue;
                }
            }
            ranges.push(Range {
                kind,
                repo: r.repo,
                events,
            });
        }
        v.affected.push(AffectedPackage {
            ecosystem,
            name,
            purl,
            ranges,
            versions: a.versions.unwrap_or_default(),
            severities: a
                .severity
                .unwrap_or_default()
                .into_iter()
                .map(|s| severity(s, &id))
                .collect(),
            ecosystem_specific: small_json(a.ecosystem_specific),
            database_specific: small_json(a.database_specific),
        });
    }
    out.records.push(v);
    out
}
