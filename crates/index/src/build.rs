//! Building the index from knowledge-base records.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use medsec_ident::cpe::{Attribute, Wfn};
use medsec_kb::csaf::CsafAdvisory;
use medsec_kb::cwe::CweEntry;
use medsec_kb::epss::{EpssMeta, EpssScore};
use medsec_kb::kev::{KevEntry, RansomwareUse};
use medsec_kb::{AffectedPackage, Severity, SeverityKind, Source, Timestamp, Vulnerability};

use crate::ecosystem::{base_ecosystem, normalize_name};
use crate::index::{AliasGroup, EpssRow, Index, Store, Tables};
use crate::record::{
    AdvisoryInfo, BuildMeta, CvssScores, EpssInfo, KevInfo, OsvEntry, ScoredVector, SsvcInfo,
    VulnRecord,
};

/// Collects records of every kind and builds an [`Index`].
///
/// The result depends only on the set of records given, not on their
/// order: everything is sorted, and duplicates (same id and source) are
/// resolved to the one with the newest `modified`, ties by content.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    vulns: Vec<(VulnRecord, Option<Timestamp>)>,
    kev: Vec<(String, KevInfo)>,
    epss: Vec<(String, EpssInfo)>,
    cwe: Vec<(u32, String)>,
    advisories: Vec<AdvisoryInfo>,
    counts: BTreeMap<String, u64>,
}

impl IndexBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn count(&mut self, kind: &str) {
        *self.counts.entry(kind.to_owned()).or_default() += 1;
    }

    /// A vulnerability from any feed (NVD, CVE 5, OSV, CSAF).
    pub fn add_vulnerability(&mut self, v: Vulnerability) {
        self.count(v.source.as_str());
        let modified = v.modified;
        self.vulns.push((reduce(v), modified));
    }

    pub fn add_vulnerabilities(&mut self, vs: impl IntoIterator<Item = Vulnerability>) {
        for v in vs {
            self.add_vulnerability(v);
        }
    }

    /// A CISA KEV catalog entry.
    pub fn add_kev(&mut self, e: KevEntry) {
        self.count("kev");
        let info = KevInfo {
            date_added: e.date_added.to_string(),
            due_date: e.due_date.map(|d| d.to_string()),
            known_ransomware_use: Some(e.known_ransomware_use == RansomwareUse::Known),
            vulnerability_name: Some(e.vulnerability_name),
            required_action: Some(e.required_action),
            from: "catalog".to_owned(),
        };
        self.kev.push((e.cve_id, info));
    }

    /// One EPSS row, with the comment line of its file.
    pub fn add_epss(&mut self, meta: &EpssMeta, s: EpssScore) {
        self.count("epss");
        let info = EpssInfo {
            score: s.epss,
            percentile: s.percentile,
            date: meta.score_date.map(|t| t.0.date_naive().to_string()),
            model_version: meta.model_version.clone(),
        };
        self.epss.push((s.cve, info));
    }

    /// A CWE weakness (id and name).
    pub fn add_cwe(&mut self, c: CweEntry) {
        self.count("cwe");
        self.cwe.push((c.id, c.name));
    }

    /// A CSAF advisory: kept for citation, and its vulnerabilities are
    /// added as [`Source::Csaf`] records (do not add those separately).
    pub fn add_csaf(&mut self, a: CsafAdvisory) {
        self.count("csaf_advisory");
        let cves: BTreeSet<String> = a
            .vulnerabilities
            .iter()
            .filter_map(|v| v.cve.clone())
            .collect();
        for v in a.vulnerability_records() {
            self.add_vulnerability(v);
        }
        self.advisories.push(AdvisoryInfo {
            id: a.id,
            title: a.title,
            publisher: a.publisher,
            initial_release: a.initial_release.to_rfc3339(),
            current_release: a.current_release.to_rfc3339(),
            cves: cves.into_iter().collect(),
        });
    }

    /// Builds the index, stamped with the knowledge base's `generation`.
    pub fn build(self, generation: u64) -> Index {
        let IndexBuilder {
            mut vulns,
            kev,
            epss,
            cwe,
            advisories,
            counts,
        } = self;
        let given = vulns.len() as u64;
        vulns.sort_by(|(a, ta), (b, tb)| {
            a.id.cmp(&b.id)
                .then(a.source.cmp(&b.source))
                .then(ta.cmp(tb))
                .then_with(|| by_content(a, b))
        });
        // Of each (id, source) run, the last is the newest.
        let mut kept: Vec<VulnRecord> = Vec::with_capacity(vulns.len());
        for (v, _) in vulns {
            match kept.last_mut() {
                Some(last) if last.id == v.id && last.source == v.source => *last = v,
                _ => kept.push(v),
            }
        }
        // Encode each record once; the store is their concatenation.
        let mut arena: Vec<u8> = Vec::new();
        let mut record_ends: Vec<u64> = Vec::with_capacity(kept.len());
        let mut unencodable = 0u64;
        kept.retain(|v| match crate::index::pack_record(v) {
            Ok(bytes) => {
                arena.extend_from_slice(&bytes);
                record_ends.push(arena.len() as u64);
                true
            }
            Err(_) => {
                unencodable += 1;
                false
            }
        });
        let newest_modified = kept
            .iter()
            .filter_map(|v| v.modified.as_deref())
            .filter_map(|m| Timestamp::parse(m).ok())
            .max()
            .map(|t| t.to_rfc3339());
        let meta = BuildMeta {
            records_in: counts.into_iter().collect(),
            vulnerabilities: kept.len() as u64,
            duplicates_dropped: given.saturating_sub(kept.len() as u64 + unencodable),
            unencodable,
            newest_modified,
        };
        let alias_groups = alias_groups(&kept);
        let mut alias_index: Vec<(String, u32)> = alias_groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| g.ids.iter().map(move |id| (id.clone(), idx(gi))))
            .collect();
        alias_index.sort();
        let mut advisories = advisories;
        advisories.sort_by(|x, y| {
            x.id.cmp(&y.id)
                .then(x.current_release.cmp(&y.current_release))
                .then(x.cmp(y))
        });
        let mut adv: Vec<AdvisoryInfo> = Vec::with_capacity(advisories.len());
        for x in advisories {
            match adv.last_mut() {
                Some(last) if last.id == x.id => *last = x,
                _ => adv.push(x),
            }
        }
        let (epss, epss_files) = epss_tables(epss);
        let tables = Tables {
            meta,
            record_ends,
            osv_keys: osv_keys(&kept),
            cpe_keys: cpe_keys(&kept),
            cve5_keys: cve5_keys(&kept),
            alias_groups,
            alias_index,
            kev: max_per_key(kev, |a, b| a.cmp(b)),
            epss,
            epss_files,
            cwe: max_per_key(cwe, |a, b| a.cmp(b)),
            advisory_by_cve: advisory_by_cve(&adv),
            advisories: adv,
        };
        Index::from_parts(generation, tables, Store::new(arena, 0))
    }
}

/// Score date and model version of an EPSS file.
type EpssFile = (Option<String>, Option<String>);

/// EPSS rows, one per CVE (the newest file's, ties by score), and the
/// distinct (date, model) of the files they come from.
fn epss_tables(rows: Vec<(String, EpssInfo)>) -> (Vec<(String, EpssRow)>, Vec<EpssFile>) {
    let rows = max_per_key(rows, |a, b| {
        a.date
            .cmp(&b.date)
            .then(a.score.total_cmp(&b.score))
            .then(a.percentile.total_cmp(&b.percentile))
            .then(a.model_version.cmp(&b.model_version))
    });
    let files: BTreeSet<EpssFile> = rows
        .iter()
        .map(|(_, e)| (e.date.clone(), e.model_version.clone()))
        .collect();
    let files: Vec<EpssFile> = files.into_iter().collect();
    let rows = rows
        .into_iter()
        .map(|(cve, e)| {
            let key = (e.date, e.model_version);
            let file = files.binary_search(&key).map_or(0, idx);
            (
                cve,
                EpssRow {
                    score: e.score,
                    percentile: e.percentile,
                    file,
                },
            )
        })
        .collect();
    (rows, files)
}

/// Ties between records of the same id, source and time: by encoded bytes,
/// a total order independent of input order.
fn by_content(a: &VulnRecord, b: &VulnRecord) -> Ordering {
    match (postcard::to_allocvec(a), postcard::to_allocvec(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => Ordering::Equal,
    }
}

/// Sorted by key; of several values per key the greatest under `cmp`.
fn max_per_key<K: Ord, V>(mut items: Vec<(K, V)>, cmp: impl Fn(&V, &V) -> Ordering) -> Vec<(K, V)> {
    items.sort_by(|(ka, va), (kb, vb)| ka.cmp(kb).then_with(|| cmp(va, vb)));
    let mut out: Vec<(K, V)> = Vec::with_capacity(items.len());
    for (k, v) in items {
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 = v,
            _ => out.push((k, v)),
        }
    }
    out
}

/// The record's fixed versions that are versions: CVE 5 ranges of
/// `versionType` git bound commits (which have no order against a
/// component's version), so their `lessThan` values are left out, as the
/// record's OSV GIT ranges already are.
fn own_scheme_fixed_versions(v: &Vulnerability) -> Vec<medsec_kb::FixedVersion> {
    let commits: BTreeSet<&str> = v
        .products
        .iter()
        .flat_map(|p| &p.versions)
        .filter(|pv| {
            pv.version_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("git"))
        })
        .filter_map(|pv| pv.less_than.as_deref())
        .collect();
    let mut fixed = v.fixed_versions();
    if !commits.is_empty() {
        fixed.retain(|f| !commits.contains(f.version.as_str()));
    }
    fixed
}

fn reduce(v: Vulnerability) -> VulnRecord {
    let fixed = own_scheme_fixed_versions(&v);
    let cwe_ids = v.cwe_ids();
    let mut severities: Vec<ScoredVector> = v.severities.iter().map(score).collect();
    for a in &v.affected {
        severities.extend(a.severities.iter().map(score));
    }
    let (aliases, advisories) = if v.source == Source::Csaf {
        (Vec::new(), v.aliases)
    } else {
        (v.aliases, Vec::new())
    };
    let kev = v.kev.map(|k| KevInfo {
        date_added: k.date_added.to_string(),
        due_date: k.due_date.map(|d| d.to_string()),
        known_ransomware_use: None,
        vulnerability_name: k.vulnerability_name,
        required_action: k.required_action,
        from: v.source.as_str().to_owned(),
    });
    let ssvc = v
        .ssvc
        .iter()
        .map(|s| SsvcInfo {
            source: s.source.clone(),
            automatable: s.automatable.as_deref().map(str::to_lowercase),
            technical_impact: s.technical_impact.as_deref().map(str::to_lowercase),
        })
        .collect();
    // CVE 5: the CNA container is read first, so its provider is the first
    // `cna` severity's or, without one, the first affected entry's (the
    // schema requires the CNA to list affected products).
    let cna = (v.source == Source::Cve5)
        .then(|| {
            v.severities
                .iter()
                .find(|s| s.role.as_deref() == Some("cna"))
                .and_then(|s| s.source.clone())
                .or_else(|| v.products.first().and_then(|p| p.provider.clone()))
        })
        .flatten();
    VulnRecord {
        ssvc,
        cna,
        status: v.status,
        aliases,
        advisories,
        published: v.published.map(|t| t.to_rfc3339()),
        modified: v.modified.map(|t| t.to_rfc3339()),
        withdrawn: v.withdrawn.map(|t| t.to_rfc3339()),
        summary: v.summary,
        details: v.details,
        severities,
        cwe_ids,
        kev,
        affected: v.affected.into_iter().map(osv_entry).collect(),
        configurations: v.configurations,
        products: v.products,
        fixed,
        id: v.id,
        source: v.source,
    }
}

fn osv_entry(a: AffectedPackage) -> OsvEntry {
    OsvEntry {
        ecosystem: a.ecosystem,
        name: a.name,
        purl: a.purl,
        ranges: a.ranges,
        versions: a.versions,
    }
}

/// The vector with the scores `medsec_cvss` computes for it.
pub(crate) fn score(s: &Severity) -> ScoredVector {
    let kind = match &s.kind {
        SeverityKind::CvssV2 => "2.0".to_owned(),
        SeverityKind::CvssV30 => "3.0".to_owned(),
        SeverityKind::CvssV31 => "3.1".to_owned(),
        SeverityKind::CvssV40 => "4.0".to_owned(),
        SeverityKind::Ubuntu => "Ubuntu".to_owned(),
        SeverityKind::Other(o) => o.clone(),
    };
    let computed = match s.kind {
        SeverityKind::Ubuntu | SeverityKind::Other(_) => {
            Err(format!("`{kind}` severities are not CVSS vectors"))
        }
        _ => medsec_cvss::parse(&s.vector)
            .map(|c| {
                let sc = c.scores();
                CvssScores {
                    version: sc.version.to_string(),
                    base: sc.base,
                    temporal: sc.temporal,
                    threat: sc.threat,
                    environmental: sc.environmental,
                    overall: sc.overall,
                    severity: format!("{:?}", sc.severity).to_uppercase(),
                }
            })
            .map_err(|e| e.to_string()),
    };
    ScoredVector {
        kind,
        vector: s.vector.clone(),
        source: s.source.clone(),
        role: s.role.clone(),
        stated_base_score: s.base_score,
        computed,
    }
}

type Keyed<T> = Vec<((String, String), Vec<T>)>;

fn into_sorted<T: Ord>(map: BTreeMap<(String, String), BTreeSet<T>>) -> Keyed<T> {
    map.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn osv_keys(vulns: &[VulnRecord]) -> Keyed<(u32, u32)> {
    let mut map: BTreeMap<(String, String), BTreeSet<(u32, u32)>> = BTreeMap::new();
    for (vi, v) in vulns.iter().enumerate().filter(|(_, v)| !v.is_withdrawn()) {
        for (ai, a) in v.affected.iter().enumerate() {
            let eco = base_ecosystem(&a.ecosystem).to_owned();
            let name = normalize_name(&eco, &a.name);
            map.entry((eco, name))
                .or_default()
                .insert((idx(vi), idx(ai)));
        }
    }
    into_sorted(map)
}

/// The (vendor, product) of a CPE name, lowercased; empty strings stand
/// for a vendor or product that is not a plain value (ANY, a pattern).
pub(crate) fn cpe_key(w: &Wfn) -> (String, String) {
    let lit = |a| {
        w.get(a)
            .literal_text()
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    };
    (lit(Attribute::Vendor), lit(Attribute::Product))
}

fn cpe_keys(vulns: &[VulnRecord]) -> Keyed<u32> {
    let mut map: BTreeMap<(String, String), BTreeSet<u32>> = BTreeMap::new();
    for (vi, v) in vulns.iter().enumerate().filter(|(_, v)| !v.is_withdrawn()) {
        for c in &v.configurations {
            for n in &c.nodes {
                for m in n.matches.iter().filter(|m| m.vulnerable) {
                    // A criterion that does not parse is still findable
                    // by its raw vendor and product fields.
                    let key = match Wfn::parse(&m.criteria) {
                        Ok(w) => cpe_key(&w),
                        Err(_) => raw_cpe_key(&m.criteria),
                    };
                    map.entry(key).or_default().insert(idx(vi));
                }
            }
        }
    }
    into_sorted(map)
}

fn raw_cpe_key(criteria: &str) -> (String, String) {
    let mut parts = criteria.split(':').skip(3);
    let vendor = parts.next().unwrap_or("").to_ascii_lowercase();
    let product = parts.next().unwrap_or("").to_ascii_lowercase();
    let plain = |s: String| {
        if s.contains(['*', '?']) {
            String::new()
        } else {
            s
        }
    };
    (plain(vendor), plain(product))
}

/// A CVE 5 vendor or product as a key: trimmed, lowercased.
pub fn product_key(s: &str) -> String {
    s.trim().to_lowercase()
}

fn cve5_keys(vulns: &[VulnRecord]) -> Keyed<u32> {
    let mut map: BTreeMap<(String, String), BTreeSet<u32>> = BTreeMap::new();
    for (vi, v) in vulns.iter().enumerate().filter(|(_, v)| !v.is_withdrawn()) {
        for p in &v.products {
            let vendor = product_key(p.vendor.as_deref().unwrap_or(""));
            let product = product_key(
                p.product
                    .as_deref()
                    .or(p.package_name.as_deref())
                    .unwrap_or(""),
            );
            map.entry((vendor, product)).or_default().insert(idx(vi));
        }
    }
    into_sorted(map)
}

/// Union-find over ids and aliases of every record but CSAF ones, whose
/// "aliases" are advisory ids shared by unrelated CVEs.
fn alias_groups(vulns: &[VulnRecord]) -> Vec<AliasGroup> {
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for v in vulns {
        let n = ids.len();
        ids.entry(v.id.as_str()).or_insert(n);
        for a in &v.aliases {
            let n = ids.len();
            ids.entry(a.as_str()).or_insert(n);
        }
    }
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        // Iterative with path halving: no recursion on input.
        while let Some(&p) = parent.get(x) {
            if p == x {
                break;
            }
            let gp = parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = parent.get_mut(x) {
                *slot = gp;
            }
            x = gp;
        }
        x
    }
    for v in vulns {
        let Some(&a) = ids.get(v.id.as_str()) else {
            continue;
        };
        for al in &v.aliases {
            let Some(&b) = ids.get(al.as_str()) else {
                continue;
            };
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
                if let Some(slot) = parent.get_mut(hi) {
                    *slot = lo;
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let keys: Vec<(&str, usize)> = ids.iter().map(|(k, v)| (*k, *v)).collect();
    for (id, i) in keys {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(id.to_owned());
    }
    let mut out: Vec<AliasGroup> = groups
        .into_values()
        .filter(|g| g.len() > 1)
        .map(|mut ids| {
            ids.sort();
            let canonical = ids
                .iter()
                .find(|i| i.starts_with("CVE-"))
                .or(ids.first())
                .cloned()
                .unwrap_or_default();
            AliasGroup { canonical, ids }
        })
        .collect();
    out.sort_by(|a, b| a.ids.cmp(&b.ids));
    out
}

fn advisory_by_cve(advisories: &[AdvisoryInfo]) -> Vec<(String, Vec<u32>)> {
    let mut map: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, a) in advisories.iter().enumerate() {
        for c in &a.cves {
            map.entry(c.as_str()).or_default().push(idx(i));
        }
    }
    map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
