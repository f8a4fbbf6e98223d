//! Rows of the `kb` tables built from medsec-kb records, and their
//! multi-row inserts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use medsec_ident::cpe::{Attribute, Value as CpeValue, Wfn};
use medsec_kb::csaf::CsafAdvisory;
use medsec_kb::{Event, Operator, RangeKind, Severity, SeverityKind, Timestamp, Vulnerability};

use crate::error::StoreError;
use crate::kb::NewVulnerability;
use crate::schema::kb::{
    affected_packages, affected_ranges, cpe_configurations, cpe_matches, cpe_nodes,
    csaf_advisories, csaf_documents, csaf_product_statuses, csaf_products, csaf_remediations,
    cve_affected, cve_affected_versions, cve_records, range_events, severities, ssvc_decisions,
    vulnerability_cwes, vulnerability_records, vulnerability_references,
};

/// PostgreSQL's limit on bind parameters per statement, with room to spare.
const MAX_PARAMS: usize = 60_000;

/// Rows per INSERT for a table of `columns` columns.
pub(crate) fn chunk_rows(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).max(1)
}

/// Inserts `$rows` into `$table` in statements under the parameter limit.
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr, $context:expr) => {
        for chunk in $rows.chunks($crate::kb_rows::chunk_rows($columns)) {
            diesel::insert_into($table)
                .values(chunk)
                .execute($conn)
                .await
                .map_err(StoreError::query($context))?;
        }
    };
}
pub(crate) use insert_chunked;

pub(crate) fn ts(t: Option<Timestamp>) -> Option<DateTime<Utc>> {
    t.map(|t| t.0)
}

fn ordinal(i: usize) -> Result<i32, StoreError> {
    i32::try_from(i).map_err(|_| StoreError::Invalid(format!("ordinal {i} exceeds i32")))
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vulnerability_records, check_for_backend(diesel::pg::Pg))]
pub(crate) struct RecordRow {
    pub source: String,
    pub id: String,
    pub modified: Option<DateTime<Utc>>,
    pub withdrawn: Option<DateTime<Utc>>,
    pub document: serde_json::Value,
    pub record_hash: Vec<u8>,
    pub generation: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ssvc_decisions, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SsvcRow {
    source: String,
    vulnerability_id: String,
    ordinal: i32,
    provider: Option<String>,
    role: Option<String>,
    version: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    exploitation: Option<String>,
    automatable: Option<String>,
    technical_impact: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = severities, check_for_backend(diesel::pg::Pg))]
struct SeverityRow {
    vulnerability_id: String,
    ordinal: i32,
    source: String,
    source_type: Option<String>,
    score_type: String,
    vector: String,
    base_score: Option<f64>,
    computed_base_score: Option<f64>,
    computed_threat_score: Option<f64>,
    computed_environmental_score: Option<f64>,
    computed_severity: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vulnerability_references, check_for_backend(diesel::pg::Pg))]
struct ReferenceRow {
    vulnerability_id: String,
    ordinal: i32,
    url: String,
    ref_type: Option<String>,
    tags: Vec<String>,
    source: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = vulnerability_cwes, check_for_backend(diesel::pg::Pg))]
struct CweLinkRow {
    vulnerability_id: String,
    source: String,
    cwe_id: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = affected_packages, check_for_backend(diesel::pg::Pg))]
struct PackageRow {
    vulnerability_id: String,
    ordinal: i32,
    ecosystem: String,
    package_name: String,
    purl: Option<String>,
    versions: Vec<String>,
    ecosystem_specific: Option<serde_json::Value>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = affected_ranges, check_for_backend(diesel::pg::Pg))]
struct RangeRow {
    vulnerability_id: String,
    affected_ordinal: i32,
    ordinal: i32,
    range_type: String,
    repo: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = range_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    vulnerability_id: String,
    affected_ordinal: i32,
    range_ordinal: i32,
    ordinal: i32,
    kind: &'static str,
    value: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cpe_configurations, check_for_backend(diesel::pg::Pg))]
struct ConfigurationRow {
    vulnerability_id: String,
    ordinal: i32,
    operator: Option<&'static str>,
    negate: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cpe_nodes, check_for_backend(diesel::pg::Pg))]
struct NodeRow {
    vulnerability_id: String,
    configuration_ordinal: i32,
    ordinal: i32,
    operator: &'static str,
    negate: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cpe_matches, check_for_backend(diesel::pg::Pg))]
struct MatchRow {
    vulnerability_id: String,
    configuration_ordinal: i32,
    node_ordinal: i32,
    ordinal: i32,
    vulnerable: bool,
    criteria: String,
    part: String,
    vendor: String,
    product: String,
    match_criteria_id: Option<String>,
    version_start_including: Option<String>,
    version_start_excluding: Option<String>,
    version_end_including: Option<String>,
    version_end_excluding: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cve_records, check_for_backend(diesel::pg::Pg))]
struct CveRecordRow {
    cve_id: String,
    state: String,
    assigner_short_name: Option<String>,
    date_published: Option<DateTime<Utc>>,
    date_updated: Option<DateTime<Utc>>,
    record_hash: Vec<u8>,
    generation: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cve_affected, check_for_backend(diesel::pg::Pg))]
struct CveAffectedRow {
    cve_id: String,
    ordinal: i32,
    container: String,
    vendor: Option<String>,
    product: Option<String>,
    collection_url: Option<String>,
    package_name: Option<String>,
    repo: Option<String>,
    default_status: Option<String>,
    cpes: Vec<String>,
    platforms: Vec<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cve_affected_versions, check_for_backend(diesel::pg::Pg))]
struct CveVersionRow {
    cve_id: String,
    affected_ordinal: i32,
    ordinal: i32,
    version: String,
    status: String,
    less_than: Option<String>,
    less_than_or_equal: Option<String>,
    version_type: Option<String>,
    changes: Option<serde_json::Value>,
}

/// The SSVC rows of records (any source).
pub(crate) fn ssvc_rows(records: &[&Vulnerability]) -> Result<Vec<SsvcRow>, StoreError> {
    let mut out = Vec::new();
    for v in records {
        for (i, s) in v.ssvc.iter().enumerate() {
            out.push(SsvcRow {
                source: v.source.as_str().to_owned(),
                vulnerability_id: v.id.clone(),
                ordinal: ordinal(i)?,
                provider: s.source.clone(),
                role: s.role.clone(),
                version: s.version.clone(),
                decided_at: ts(s.timestamp),
                exploitation: s.exploitation.clone(),
                automatable: s.automatable.clone(),
                technical_impact: s.technical_impact.clone(),
            });
        }
    }
    Ok(out)
}

pub(crate) async fn insert_ssvc(
    conn: &mut AsyncPgConnection,
    rows: &[SsvcRow],
) -> Result<(), StoreError> {
    insert_chunked!(
        conn,
        ssvc_decisions::table,
        rows,
        10,
        "inserting SSVC decisions"
    );
    Ok(())
}

/// OSV's name for a severity type; CVSS 3.0 and 3.1 share `CVSS_V3`.
fn score_type(kind: &SeverityKind) -> String {
    match kind {
        SeverityKind::CvssV2 => "CVSS_V2".to_owned(),
        SeverityKind::CvssV30 | SeverityKind::CvssV31 => "CVSS_V3".to_owned(),
        SeverityKind::CvssV40 => "CVSS_V4".to_owned(),
        SeverityKind::Ubuntu => "Ubuntu".to_owned(),
        SeverityKind::Other(name) => name.clone(),
    }
}

fn severity_row(
    id: &str,
    i: usize,
    s: &Severity,
    fallback_source: &str,
) -> Result<SeverityRow, StoreError> {
    // A vector that does not parse keeps its row, without computed scores:
    // the published score is still worth showing.
    let parsed = medsec_cvss::parse(&s.vector).ok();
    let scores = parsed.as_ref().map(|c| c.scores());
    Ok(SeverityRow {
        vulnerability_id: id.to_owned(),
        ordinal: ordinal(i)?,
        source: s
            .source
            .clone()
            .unwrap_or_else(|| fallback_source.to_owned()),
        source_type: s.role.clone(),
        score_type: score_type(&s.kind),
        vector: s.vector.clone(),
        base_score: s.base_score.filter(|b| (0.0..=10.0).contains(b)),
        computed_base_score: scores.as_ref().map(|s| s.base),
        computed_threat_score: scores.as_ref().and_then(|s| s.threat.or(s.temporal)),
        computed_environmental_score: scores.as_ref().and_then(|s| s.environmental),
        computed_severity: parsed.as_ref().map(|c| c.base_severity().to_string()),
    })
}

fn operator(op: Operator) -> &'static str {
    match op {
        Operator::And => "AND",
        Operator::Or => "OR",
    }
}

/// An attribute of a CPE as the lookup columns hold it: `*` for ANY, `-`
/// for NA, else the unescaped text.
fn cpe_text(wfn: &Wfn, attribute: Attribute) -> String {
    match wfn.get(attribute) {
        CpeValue::Any => "*".to_owned(),
        CpeValue::Na => "-".to_owned(),
        CpeValue::Str(s) if s.has_wildcards() => s.to_wfn_form(),
        CpeValue::Str(s) => s.body().to_owned(),
    }
}

/// Every row of the normalised tables of NVD / OSV records.
#[derive(Default)]
pub(crate) struct VulnChildren {
    severities: Vec<SeverityRow>,
    references: Vec<ReferenceRow>,
    cwes: Vec<CweLinkRow>,
    packages: Vec<PackageRow>,
    ranges: Vec<RangeRow>,
    events: Vec<EventRow>,
    configurations: Vec<ConfigurationRow>,
    nodes: Vec<NodeRow>,
    matches: Vec<MatchRow>,
}

/// The `kb.vulnerabilities` row of a record. Records without `modified`
/// (none in the feeds read so far) take `published`, else the epoch, as the
/// column is required; the exact value stays in the record document.
pub(crate) fn vuln_row(v: &Vulnerability, hash: &[u8], generation: i64) -> NewVulnerability {
    NewVulnerability {
        id: v.id.clone(),
        source: v.source.as_str().to_owned(),
        aliases: v.aliases.clone(),
        related: v.related.clone(),
        published: ts(v.published),
        modified: ts(v.modified)
            .or(ts(v.published))
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        withdrawn: ts(v.withdrawn),
        summary: v.summary.clone(),
        details: v.details.clone(),
        record_hash: hash.to_vec(),
        generation,
    }
}

impl VulnChildren {
    pub(crate) fn add(&mut self, v: &Vulnerability) -> Result<(), StoreError> {
        let id = v.id.as_str();
        for (i, s) in v.severities.iter().enumerate() {
            self.severities
                .push(severity_row(id, i, s, v.source.as_str())?);
        }
        for (i, r) in v.references.iter().enumerate() {
            self.references.push(ReferenceRow {
                vulnerability_id: id.to_owned(),
                ordinal: ordinal(i)?,
                url: r.url.clone(),
                ref_type: r.kind.clone(),
                tags: r.tags.clone(),
                source: r.source.clone(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for w in &v.weaknesses {
            let source = w.source.clone().unwrap_or_default();
            if !w.id.is_empty() && seen.insert((source.clone(), w.id.clone())) {
                self.cwes.push(CweLinkRow {
                    vulnerability_id: id.to_owned(),
                    source,
                    cwe_id: w.id.clone(),
                });
            }
        }
        for (ai, a) in v.affected.iter().enumerate() {
            let ao = ordinal(ai)?;
            self.packages.push(PackageRow {
                vulnerability_id: id.to_owned(),
                ordinal: ao,
                ecosystem: a.ecosystem.clone(),
                package_name: a.name.clone(),
                purl: a.purl.clone(),
                versions: a.versions.clone(),
                ecosystem_specific: a.ecosystem_specific.clone(),
                database_specific: a.database_specific.clone(),
            });
            for (ri, r) in a.ranges.iter().enumerate() {
                let ro = ordinal(ri)?;
                let range_type = match &r.kind {
                    RangeKind::Semver => "SEMVER".to_owned(),
                    RangeKind::Ecosystem => "ECOSYSTEM".to_owned(),
                    RangeKind::Git => "GIT".to_owned(),
                    RangeKind::Other(other) => other.clone(),
                };
                self.ranges.push(RangeRow {
                    vulnerability_id: id.to_owned(),
                    affected_ordinal: ao,
                    ordinal: ro,
                    range_type,
                    repo: r.repo.clone(),
                });
                for (ei, e) in r.events.iter().enumerate() {
                    let kind = match e {
                        Event::Introduced(_) => "introduced",
                        Event::Fixed(_) => "fixed",
                        Event::LastAffected(_) => "last_affected",
                        Event::Limit(_) => "limit",
                    };
                    self.events.push(EventRow {
                        vulnerability_id: id.to_owned(),
                        affected_ordinal: ao,
                        range_ordinal: ro,
                        ordinal: ordinal(ei)?,
                        kind,
                        value: e.version().to_owned(),
                    });
                }
            }
        }
        for (ci, c) in v.configurations.iter().enumerate() {
            let co = ordinal(ci)?;
            self.configurations.push(ConfigurationRow {
                vulnerability_id: id.to_owned(),
                ordinal: co,
                operator: c.operator.map(operator),
                negate: c.negate,
            });
            for (ni, n) in c.nodes.iter().enumerate() {
                let no = ordinal(ni)?;
                self.nodes.push(NodeRow {
                    vulnerability_id: id.to_owned(),
                    configuration_ordinal: co,
                    ordinal: no,
                    operator: operator(n.operator),
                    negate: n.negate,
                });
                for (mi, m) in n.matches.iter().enumerate() {
                    let wfn = Wfn::parse_fs(&m.criteria).map_err(|e| {
                        StoreError::Invalid(format!(
                            "{id}: CPE criteria `{}` is not a CPE 2.3 formatted string: {e}",
                            m.criteria
                        ))
                    })?;
                    self.matches.push(MatchRow {
                        vulnerability_id: id.to_owned(),
                        configuration_ordinal: co,
                        node_ordinal: no,
                        ordinal: ordinal(mi)?,
                        vulnerable: m.vulnerable,
                        criteria: m.criteria.clone(),
                        part: cpe_text(&wfn, Attribute::Part),
                        vendor: cpe_text(&wfn, Attribute::Vendor),
                        product: cpe_text(&wfn, Attribute::Product),
                        match_criteria_id: m.match_criteria_id.clone(),
                        version_start_including: m.version_start_including.clone(),
                        version_start_excluding: m.version_start_excluding.clone(),
                        version_end_including: m.version_end_including.clone(),
                        version_end_excluding: m.version_end_excluding.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn insert(&self, conn: &mut AsyncPgConnection) -> Result<(), StoreError> {
        insert_chunked!(
            conn,
            severities::table,
            self.severities,
            11,
            "inserting severities"
        );
        insert_chunked!(
            conn,
            vulnerability_references::table,
            self.references,
            6,
            "inserting references"
        );
        insert_chunked!(
            conn,
            vulnerability_cwes::table,
            self.cwes,
            3,
            "inserting weakness links"
        );
        insert_chunked!(
            conn,
            affected_packages::table,
            self.packages,
            8,
            "inserting affected packages"
        );
        insert_chunked!(
            conn,
            affected_ranges::table,
            self.ranges,
            5,
            "inserting affected ranges"
        );
        insert_chunked!(
            conn,
            range_events::table,
            self.events,
            6,
            "inserting range events"
        );
        insert_chunked!(
            conn,
            cpe_configurations::table,
            self.configurations,
            4,
            "inserting CPE configurations"
        );
        insert_chunked!(conn, cpe_nodes::table, self.nodes, 5, "inserting CPE nodes");
        insert_chunked!(
            conn,
            cpe_matches::table,
            self.matches,
            14,
            "inserting CPE matches"
        );
        Ok(())
    }
}

/// The CVE JSON 5 rows (`kb.cve_records` and below) of CVE 5 records.
#[derive(Default)]
pub(crate) struct CveRows {
    records: Vec<CveRecordRow>,
    affected: Vec<CveAffectedRow>,
    versions: Vec<CveVersionRow>,
}

impl CveRows {
    pub(crate) fn add(
        &mut self,
        v: &Vulnerability,
        hash: &[u8],
        generation: i64,
    ) -> Result<(), StoreError> {
        let state = match v.status.as_deref() {
            Some(s) => s.to_ascii_uppercase(),
            None if v.is_withdrawn() => "REJECTED".to_owned(),
            None => "PUBLISHED".to_owned(),
        };
        // The model keeps the provider of each affected entry, not its
        // container; a provider that scored as an ADP is one.
        let adp: std::collections::HashSet<&str> = v
            .severities
            .iter()
            .filter(|s| s.role.as_deref() == Some("adp"))
            .filter_map(|s| s.source.as_deref())
            .chain(
                v.ssvc
                    .iter()
                    .filter(|s| s.role.as_deref() == Some("adp"))
                    .filter_map(|s| s.source.as_deref()),
            )
            .collect();
        self.records.push(CveRecordRow {
            cve_id: v.id.clone(),
            state,
            assigner_short_name: None,
            date_published: ts(v.published),
            date_updated: ts(v.modified),
            record_hash: hash.to_vec(),
            generation,
        });
        for (pi, p) in v.products.iter().enumerate() {
            let po = ordinal(pi)?;
            let container = match p.provider.as_deref() {
                Some(name) if adp.contains(name) => format!("adp:{name}"),
                _ => "cna".to_owned(),
            };
            self.affected.push(CveAffectedRow {
                cve_id: v.id.clone(),
                ordinal: po,
                container,
                vendor: p.vendor.clone(),
                product: p.product.clone(),
                collection_url: p.collection_url.clone(),
                package_name: p.package_name.clone(),
                repo: p.repo.clone(),
                default_status: p.default_status.clone(),
                cpes: p.cpes.clone(),
                platforms: p.platforms.clone(),
            });
            for (vi, pv) in p.versions.iter().enumerate() {
                let changes = if pv.changes.is_empty() {
                    None
                } else {
                    Some(serde_json::to_value(&pv.changes).map_err(|e| {
                        StoreError::Invalid(format!("{}: version changes: {e}", v.id))
                    })?)
                };
                self.versions.push(CveVersionRow {
                    cve_id: v.id.clone(),
                    affected_ordinal: po,
                    ordinal: ordinal(vi)?,
                    version: pv.version.clone(),
                    status: pv.status.clone(),
                    less_than: pv.less_than.clone(),
                    less_than_or_equal: pv.less_than_or_equal.clone(),
                    version_type: pv.version_type.clone(),
                    changes,
                });
            }
        }
        Ok(())
    }

    pub(crate) async fn insert(&self, conn: &mut AsyncPgConnection) -> Result<(), StoreError> {
        insert_chunked!(
            conn,
            cve_records::table,
            self.records,
            7,
            "inserting CVE 5 records"
        );
        insert_chunked!(
            conn,
            cve_affected::table,
            self.affected,
            11,
            "inserting CVE 5 affected entries"
        );
        insert_chunked!(
            conn,
            cve_affected_versions::table,
            self.versions,
            9,
            "inserting CVE 5 versions"
        );
        Ok(())
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = csaf_advisories, check_for_backend(diesel::pg::Pg))]
struct CsafAdvisoryRow {
    publisher_namespace: String,
    tracking_id: String,
    publisher_name: String,
    title: String,
    category: String,
    tlp_label: Option<String>,
    tracking_status: String,
    tracking_version: String,
    initial_release_date: DateTime<Utc>,
    current_release_date: DateTime<Utc>,
    record_hash: Vec<u8>,
    generation: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = csaf_documents, check_for_backend(diesel::pg::Pg))]
struct CsafDocumentRow {
    publisher_namespace: String,
    tracking_id: String,
    document: serde_json::Value,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = csaf_products, check_for_backend(diesel::pg::Pg))]
struct CsafProductRow {
    publisher_namespace: String,
    tracking_id: String,
    product_id: String,
    name: String,
    vendor: Option<String>,
    product_name: Option<String>,
    product_version: Option<String>,
    cpe: Option<String>,
    purl: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = csaf_product_statuses, check_for_backend(diesel::pg::Pg))]
struct CsafStatusRow {
    publisher_namespace: String,
    tracking_id: String,
    vulnerability_id: String,
    product_id: String,
    status: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = csaf_remediations, check_for_backend(diesel::pg::Pg))]
struct CsafRemediationRow {
    publisher_namespace: String,
    tracking_id: String,
    vulnerability_id: String,
    ordinal: i32,
    category: String,
    details: String,
    url: Option<String>,
    date: Option<DateTime<Utc>>,
    product_ids: Vec<String>,
    group_ids: Vec<String>,
}

/// The key of a CSAF advisory. The model carries the publisher's name, not
/// its namespace URL, so the name stands in for the namespace.
pub(crate) fn csaf_key(a: &CsafAdvisory) -> (String, String) {
    (a.publisher.clone().unwrap_or_default(), a.id.clone())
}

#[derive(Default)]
pub(crate) struct CsafRows {
    advisories: Vec<CsafAdvisoryRow>,
    documents: Vec<CsafDocumentRow>,
    products: Vec<CsafProductRow>,
    statuses: Vec<CsafStatusRow>,
    remediations: Vec<CsafRemediationRow>,
}

impl CsafRows {
    pub(crate) fn add(
        &mut self,
        a: &CsafAdvisory,
        document: serde_json::Value,
        hash: &[u8],
        generation: i64,
    ) -> Result<(), StoreError> {
        let (ns, tid) = csaf_key(a);
        self.advisories.push(CsafAdvisoryRow {
            publisher_namespace: ns.clone(),
            tracking_id: tid.clone(),
            publisher_name: a.publisher.clone().unwrap_or_default(),
            title: a.title.clone(),
            category: a.category.clone(),
            tlp_label: None,
            tracking_status: a.status.clone(),
            tracking_version: a.version.clone(),
            initial_release_date: a.initial_release.0,
            current_release_date: a.current_release.0,
            record_hash: hash.to_vec(),
            generation,
        });
        self.documents.push(CsafDocumentRow {
            publisher_namespace: ns.clone(),
            tracking_id: tid.clone(),
            document,
        });
        let mut seen = std::collections::HashSet::new();
        for p in &a.products {
            if seen.insert(p.product_id.as_str()) {
                self.products.push(CsafProductRow {
                    publisher_namespace: ns.clone(),
                    tracking_id: tid.clone(),
                    product_id: p.product_id.clone(),
                    name: p.name.clone(),
                    vendor: p.vendor.clone(),
                    product_name: p.product_name.clone(),
                    product_version: p.version.clone().or_else(|| p.version_range.clone()),
                    cpe: p.cpe.clone(),
                    purl: p.purls.as_slice().first().cloned(),
                });
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (vi, cv) in a.vulnerabilities.iter().enumerate() {
            // Vulnerabilities without a CVE are keyed by their place.
            let vid = cv
                .cve
                .clone()
                .unwrap_or_else(|| format!("vulnerabilities[{vi}]"));
            for (status, ids) in &cv.product_status {
                for pid in ids {
                    if seen.insert((vid.clone(), pid.clone(), status.clone())) {
                        self.statuses.push(CsafStatusRow {
                            publisher_namespace: ns.clone(),
                            tracking_id: tid.clone(),
                            vulnerability_id: vid.clone(),
                            product_id: pid.clone(),
                            status: status.clone(),
                        });
                    }
                }
            }
            for (ri, r) in cv.remediations.iter().enumerate() {
                self.remediations.push(CsafRemediationRow {
                    publisher_namespace: ns.clone(),
                    tracking_id: tid.clone(),
                    vulnerability_id: vid.clone(),
                    ordinal: ordinal(ri)?,
                    category: r.category.clone(),
                    details: r.details.clone(),
                    url: r.url.clone(),
                    date: None,
                    product_ids: r.product_ids.clone(),
                    group_ids: Vec::new(),
                });
            }
        }
        Ok(())
    }

    pub(crate) async fn insert(&self, conn: &mut AsyncPgConnection) -> Result<(), StoreError> {
        insert_chunked!(
            conn,
            csaf_advisories::table,
            self.advisories,
            12,
            "inserting CSAF advisories"
        );
        insert_chunked!(
            conn,
            csaf_documents::table,
            self.documents,
            3,
            "inserting CSAF documents"
        );
        insert_chunked!(
            conn,
            csaf_products::table,
            self.products,
            9,
            "inserting CSAF products"
        );
        insert_chunked!(
            conn,
            csaf_product_statuses::table,
            self.statuses,
            5,
            "inserting CSAF product statuses"
        );
        insert_chunked!(
            conn,
            csaf_remediations::table,
            self.remediations,
            10,
            "inserting CSAF remediations"
        );
        Ok(())
    }
}

/// Only NVD, legacy NVD and OSV records have rows in `kb.vulnerabilities`;
/// when feeds share an id the higher-ranked one (lower number) owns the row.
pub(crate) fn vulnerabilities_rank(source: &str) -> Option<u8> {
    match source {
        "nvd" => Some(0),
        "osv" => Some(1),
        "nvd_legacy" => Some(2),
        _ => None,
    }
}
