//! The index and its lookups.

use std::collections::BTreeMap;

use medsec_ident::cpe::{compare_values, Attribute, Relation, Wfn};
use medsec_ident::purl::PackageUrl;
use medsec_kb::{Event, FixedVersion, ProductAffected, RangeKind, Source};
use medsec_versions::osv as vosv;
use medsec_versions::Ecosystem;
use serde::{Deserialize, Serialize};

use crate::build::{cpe_key, product_key};
use crate::cpe_eval::{evaluate_configurations, CpeVerdict};
use crate::cve5_eval::{evaluate_product, Cve5Verdict};
use crate::ecosystem::{
    base_ecosystem, ecosystem_release, normalize_name, osv_package, OsvPackage, UnmappedPurl,
};
use crate::record::{
    AdvisoryInfo, BuildMeta, EpssInfo, KevInfo, OsvEntry, ScoredVector, VulnRecord,
};

/// Ids that name the same vulnerability, and the one to report it under
/// (the lowest CVE id, else the lowest id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasGroup {
    pub canonical: String,
    /// Sorted.
    pub ids: Vec<String>,
}

type Keyed<T> = Vec<((String, String), Vec<T>)>;

/// Everything the snapshot stores. Every table is sorted by its key, so
/// lookups are binary searches and the encoding is deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IndexData {
    pub(crate) meta: BuildMeta,
    /// Sorted by (id, source); one record per (id, source).
    pub(crate) vulns: Vec<VulnRecord>,
    /// (ecosystem, normalized name) → (record, affected entry).
    pub(crate) osv_keys: Keyed<(u32, u32)>,
    /// (vendor, product) of vulnerable criteria → records; empty strings
    /// for criteria whose vendor or product is a pattern.
    pub(crate) cpe_keys: Keyed<u32>,
    /// (vendor, product) of CVE 5 / CSAF products → records.
    pub(crate) cve5_keys: Keyed<u32>,
    /// Groups of two or more ids, sorted by their ids.
    pub(crate) alias_groups: Vec<AliasGroup>,
    pub(crate) kev: Vec<(String, KevInfo)>,
    pub(crate) epss: Vec<(String, EpssInfo)>,
    pub(crate) cwe: Vec<(u32, String)>,
    /// Sorted by id.
    pub(crate) advisories: Vec<AdvisoryInfo>,
    pub(crate) advisory_by_cve: Vec<(String, Vec<u32>)>,
}

/// The read-optimised matching index. Build it with
/// [`crate::IndexBuilder`] or load it from a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    generation: u64,
    pub(crate) data: IndexData,
    /// id → alias group, derived on load (not stored).
    alias_of: BTreeMap<String, u32>,
}

/// A purl's verdict for one vulnerability, over all its entries for the
/// package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Affected,
    NotAffected,
    /// Cannot be decided; never guessed.
    NotResolvable { reason: String },
}

/// One vulnerability's outcome for a purl.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFinding {
    pub id: String,
    pub source: Source,
    pub verdict: Verdict,
    /// The OSV ecosystem and name that matched.
    pub ecosystem: String,
    pub package: String,
    /// False when some range was decided with the generic order.
    pub exact_order: bool,
    /// Why: which entry or range decided.
    pub why: String,
}

/// One vulnerability's outcome for a component CPE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpeFinding {
    pub id: String,
    pub source: Source,
    pub verdict: CpeVerdict,
    /// NVD bounds carry no version scheme: always `generic`.
    pub version_order: String,
}

/// One vulnerability's outcome for a vendor, product and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFinding {
    pub id: String,
    pub source: Source,
    pub verdict: Cve5Verdict,
    pub exact_order: bool,
    pub why: String,
}

/// What is known about a CVE beyond matching.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrichment<'a> {
    pub cve: String,
    /// The canonical id of its alias group and the group's ids.
    pub canonical: String,
    pub aliases: Vec<String>,
    /// From the KEV catalog, else from a record's own KEV mark.
    pub kev: Option<KevInfo>,
    pub epss: Option<EpssInfo>,
    /// CWE ids of the records, with their names when known.
    pub cwes: Vec<(String, Option<String>)>,
    /// Every severity vector of every record of the group, scored.
    pub cvss: Vec<(String, Source, &'a ScoredVector)>,
    pub fixed: Vec<FixedVersion>,
    /// Advisories (ICSMA, CSAF) that name the CVE.
    pub advisories: Vec<&'a AdvisoryInfo>,
}

fn find_key<'a, T>(table: &'a Keyed<T>, a: &str, b: &str) -> &'a [T] {
    match table.binary_search_by(|((x, y), _)| (x.as_str(), y.as_str()).cmp(&(a, b))) {
        Ok(i) => table.get(i).map_or(&[], |(_, v)| v.as_slice()),
        Err(_) => &[],
    }
}

fn find_by<'a, K: Ord + ?Sized, T, Q: std::borrow::Borrow<K>>(
    table: &'a [(Q, T)],
    key: &K,
) -> Option<&'a T> {
    table
        .binary_search_by(|(k, _)| k.borrow().cmp(key))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, v)| v)
}

impl Index {
    pub(crate) fn from_parts(generation: u64, data: IndexData) -> Index {
        let mut alias_of = BTreeMap::new();
        for (gi, g) in data.alias_groups.iter().enumerate() {
            for id in &g.ids {
                alias_of.insert(id.clone(), u32::try_from(gi).unwrap_or(u32::MAX));
            }
        }
        Index {
            generation,
            data,
            alias_of,
        }
    }

    /// The knowledge-base generation this index was built from.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn meta(&self) -> &BuildMeta {
        &self.data.meta
    }

    /// All vulnerability records, sorted by (id, source).
    pub fn vulnerabilities(&self) -> &[VulnRecord] {
        &self.data.vulns
    }

    /// The records of one id, one per source.
    pub fn records(&self, id: &str) -> &[VulnRecord] {
        let v = &self.data.vulns;
        let start = v.partition_point(|r| r.id.as_str() < id);
        let end = v.partition_point(|r| r.id.as_str() <= id);
        v.get(start..end).unwrap_or(&[])
    }

    fn vuln(&self, i: u32) -> Option<&VulnRecord> {
        self.data.vulns.get(i as usize)
    }

    /// OSV entries for an OSV ecosystem (base name, e.g. `PyPI`) and
    /// package name (normalized here).
    pub fn osv_entries(
        &self,
        ecosystem: &str,
        name: &str,
    ) -> impl Iterator<Item = (&VulnRecord, &OsvEntry)> + '_ {
        let eco = base_ecosystem(ecosystem);
        let key = normalize_name(eco, name);
        find_key(&self.data.osv_keys, eco, &key)
            .iter()
            .filter_map(move |&(vi, ai)| {
                let v = self.vuln(vi)?;
                Some((v, v.affected.get(ai as usize)?))
            })
    }

    /// OSV entries for the package a purl names (release-specific
    /// entries of another release left out).
    pub fn osv_candidates(
        &self,
        purl: &PackageUrl,
    ) -> Result<impl Iterator<Item = (&VulnRecord, &OsvEntry)> + '_, UnmappedPurl> {
        let pkg = osv_package(purl)?;
        let release = pkg.release.clone();
        Ok(self
            .osv_entries(&pkg.ecosystem, &pkg.name)
            .filter(move |(_, e)| match (&release, ecosystem_release(&e.ecosystem)) {
                (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
                _ => true,
            }))
    }

    /// Evaluates the purl's version against every candidate entry, per
    /// vulnerability: affected when some entry says so, otherwise not
    /// resolvable when some entry could not be decided, otherwise not
    /// affected.
    pub fn affected_by(&self, purl: &PackageUrl) -> Result<Vec<PackageFinding>, UnmappedPurl> {
        let pkg = osv_package(purl)?;
        let mut per_vuln: BTreeMap<(&str, Source), PackageFinding> = BTreeMap::new();
        for (v, e) in self.osv_candidates(purl)? {
            let (verdict, exact, why) = evaluate_entry(e, &pkg);
            let f = per_vuln
                .entry((v.id.as_str(), v.source))
                .or_insert_with(|| PackageFinding {
                    id: v.id.clone(),
                    source: v.source,
                    verdict: Verdict::NotAffected,
                    ecosystem: e.ecosystem.clone(),
                    package: e.name.clone(),
                    exact_order: true,
                    why: String::new(),
                });
            let rank = |v: &Verdict| match v {
                Verdict::Affected => 2,
                Verdict::NotResolvable { .. } => 1,
                Verdict::NotAffected => 0,
            };
            if rank(&verdict) > rank(&f.verdict) || f.why.is_empty() {
                f.verdict = verdict;
                f.ecosystem = e.ecosystem.clone();
                f.package = e.name.clone();
                f.why = why;
                f.exact_order = exact;
            }
        }
        Ok(per_vuln.into_values().collect())
    }

    /// Records with a vulnerable NVD criterion for the CPE's vendor and
    /// product (and records whose criteria have pattern vendors or
    /// products that match it).
    pub fn cpe_candidates(&self, cpe: &Wfn) -> Vec<&VulnRecord> {
        let (vendor, product) = cpe_key(cpe);
        let mut out: Vec<u32> = find_key(&self.data.cpe_keys, &vendor, &product).to_vec();
        // Criteria keyed with an empty vendor or product: patterns.
        for ((kv, kp), ids) in &self.data.cpe_keys {
            if (kv.is_empty() || kp.is_empty()) && (kv.is_empty() || *kv == vendor) && (kp.is_empty() || *kp == product) && (kv, kp) != (&vendor, &product) {
                out.extend(ids.iter().copied().filter(|&i| {
                    self.vuln(i).is_some_and(|v| has_criterion_for(v, cpe))
                }));
            }
        }
        out.sort_unstable();
        out.dedup();
        out.into_iter().filter_map(|i| self.vuln(i)).collect()
    }

    /// Evaluates the NVD configurations of every candidate for a
    /// component's CPE.
    pub fn evaluate_cpe(&self, cpe: &Wfn) -> Vec<CpeFinding> {
        self.cpe_candidates(cpe)
            .into_iter()
            .map(|v| CpeFinding {
                id: v.id.clone(),
                source: v.source,
                verdict: evaluate_configurations(&v.configurations, cpe),
                version_order: Ecosystem::Generic.name().to_owned(),
            })
            .collect()
    }

    /// CVE 5 (and CSAF) product entries for a vendor and product
    /// (compared trimmed and case-insensitively).
    pub fn cve5_candidates(
        &self,
        vendor: &str,
        product: &str,
    ) -> impl Iterator<Item = (&VulnRecord, &ProductAffected)> + '_ {
        let (kv, kp) = (product_key(vendor), product_key(product));
        find_key(&self.data.cve5_keys, &kv, &kp)
            .iter()
            .filter_map(|&i| self.vuln(i))
            .flat_map(move |v| {
                let (kv, kp) = (kv.clone(), kp.clone());
                v.products.iter().filter_map(move |p| {
                    let pv = product_key(p.vendor.as_deref().unwrap_or(""));
                    let pp = product_key(p.product.as_deref().or(p.package_name.as_deref()).unwrap_or(""));
                    (pv == kv && pp == kp).then_some((v, p))
                })
            })
    }

    /// Evaluates a version against the CVE 5 product entries, per
    /// vulnerability (affected wins, then not resolvable).
    pub fn evaluate_cve5(&self, vendor: &str, product: &str, version: &str) -> Vec<ProductFinding> {
        let mut per: BTreeMap<(&str, Source), ProductFinding> = BTreeMap::new();
        let rank = |v: &Cve5Verdict| match v {
            Cve5Verdict::Affected => 2,
            Cve5Verdict::NotResolvable { .. } => 1,
            Cve5Verdict::NotAffected => 0,
        };
        for (v, p) in self.cve5_candidates(vendor, product) {
            let e = evaluate_product(p, version);
            let f = per.entry((v.id.as_str(), v.source)).or_insert_with(|| ProductFinding {
                id: v.id.clone(),
                source: v.source,
                verdict: Cve5Verdict::NotAffected,
                exact_order: true,
                why: String::new(),
            });
            if rank(&e.verdict) > rank(&f.verdict) || f.why.is_empty() {
                f.verdict = e.verdict;
                f.exact_order = e.exact_order;
                f.why = e.why;
            }
        }
        per.into_values().collect()
    }

    /// The alias group of an id, when it has aliases.
    pub fn alias_group(&self, id: &str) -> Option<&AliasGroup> {
        let gi = self.alias_of.get(id)?;
        self.data.alias_groups.get(*gi as usize)
    }

    /// The id to report `id` under: its group's canonical id, or itself.
    pub fn canonical_id<'a>(&'a self, id: &'a str) -> &'a str {
        self.alias_group(id).map_or(id, |g| g.canonical.as_str())
    }

    pub fn alias_groups(&self) -> &[AliasGroup] {
        &self.data.alias_groups
    }

    pub fn kev(&self, cve: &str) -> Option<&KevInfo> {
        find_by(&self.data.kev, cve)
    }

    pub fn epss(&self, cve: &str) -> Option<&EpssInfo> {
        find_by(&self.data.epss, cve)
    }

    /// The name of `CWE-n` (or of `n`).
    pub fn cwe_name(&self, cwe: &str) -> Option<&str> {
        let n: u32 = cwe.strip_prefix("CWE-").unwrap_or(cwe).parse().ok()?;
        find_by(&self.data.cwe, &n).map(String::as_str)
    }

    /// Advisories naming a CVE.
    pub fn advisories_for(&self, cve: &str) -> Vec<&AdvisoryInfo> {
        find_by(&self.data.advisory_by_cve, cve)
            .map(|ids| ids.iter().filter_map(|&i| self.data.advisories.get(i as usize)).collect())
            .unwrap_or_default()
    }

    /// KEV, EPSS, CWE names, scored CVSS vectors, fixed versions and
    /// advisories of a CVE, over the records of its alias group.
    pub fn enrichment(&self, cve: &str) -> Enrichment<'_> {
        let group = self.alias_group(cve);
        let ids: Vec<&str> = match group {
            Some(g) => g.ids.iter().map(String::as_str).collect(),
            None => vec![cve],
        };
        let records: Vec<&VulnRecord> = ids.iter().flat_map(|id| self.records(id)).collect();
        let kev = self
            .kev(cve)
            .cloned()
            .or_else(|| records.iter().filter(|r| r.id == cve).find_map(|r| r.kev.clone()))
            .or_else(|| records.iter().find_map(|r| r.kev.clone()));
        let mut cwe_ids: Vec<&str> = records
            .iter()
            .flat_map(|r| r.cwe_ids.iter().map(String::as_str))
            .collect();
        cwe_ids.sort_unstable();
        cwe_ids.dedup();
        let mut fixed: Vec<FixedVersion> = records.iter().flat_map(|r| r.fixed.iter().cloned()).collect();
        fixed.sort();
        fixed.dedup();
        let mut advisories: Vec<&AdvisoryInfo> = ids.iter().flat_map(|id| self.advisories_for(id)).collect();
        advisories.sort_by(|a, b| a.id.cmp(&b.id));
        advisories.dedup_by(|a, b| a.id == b.id);
        Enrichment {
            cve: cve.to_owned(),
            canonical: self.canonical_id(cve).to_owned(),
            aliases: group.map(|g| g.ids.clone()).unwrap_or_default(),
            kev,
            epss: self.epss(cve).cloned(),
            cwes: cwe_ids
                .into_iter()
                .map(|c| (c.to_owned(), self.cwe_name(c).map(str::to_owned)))
                .collect(),
            cvss: records
                .iter()
                .flat_map(|r| r.severities.iter().map(|s| (r.id.clone(), r.source, s)))
                .collect(),
            fixed,
            advisories,
        }
    }

    /// Checks that every stored reference points inside its table.
    pub(crate) fn check_references(&self) -> Result<(), String> {
        let d = &self.data;
        let n = d.vulns.len();
        for ((e, p), refs) in &d.osv_keys {
            for &(vi, ai) in refs {
                let ok = d.vulns.get(vi as usize).is_some_and(|v| (ai as usize) < v.affected.len());
                if !ok {
                    return Err(format!("OSV key ({e}, {p}) refers to a missing entry"));
                }
            }
        }
        for (name, table) in [("CPE", &d.cpe_keys), ("CVE 5", &d.cve5_keys)] {
            for ((a, b), refs) in table {
                if refs.iter().any(|&i| i as usize >= n) {
                    return Err(format!("{name} key ({a}, {b}) refers to a missing record"));
                }
            }
        }
        for (cve, refs) in &d.advisory_by_cve {
            if refs.iter().any(|&i| i as usize >= d.advisories.len()) {
                return Err(format!("advisory list of {cve} refers to a missing advisory"));
            }
        }
        Ok(())
    }
}

fn has_criterion_for(v: &VulnRecord, cpe: &Wfn) -> bool {
    v.configurations.iter().flat_map(|c| &c.nodes).flat_map(|n| &n.matches).any(|m| {
        m.vulnerable
            && Wfn::parse(&m.criteria).is_ok_and(|w| {
                [Attribute::Vendor, Attribute::Product].iter().all(|&a| {
                    matches!(
                        compare_values(w.get(a), cpe.get(a)),
                        Relation::Equal | Relation::Superset
                    )
                })
            })
    })
}

/// One OSV entry for the purl's version, with the order used and why.
fn evaluate_entry(e: &OsvEntry, pkg: &OsvPackage) -> (Verdict, bool, String) {
    let Some(version) = pkg.version.as_deref() else {
        return (
            Verdict::NotResolvable {
                reason: "the purl has no version".to_owned(),
            },
            true,
            format!("{}/{}", e.ecosystem, e.name),
        );
    };
    let place = format!("{} {} {}", e.ecosystem, e.name, version);
    let eco = Ecosystem::from_osv_or_generic(&e.ecosystem);
    // The enumerated list is matched as written first, as osv.dev does: a
    // listed version need not parse in the ecosystem's scheme.
    // PEP 440 versions are case-insensitive (and purls of PyPI packages
    // may come lowercased).
    let same = |l: &String| l == version || (eco == Ecosystem::PyPI && l.eq_ignore_ascii_case(version));
    if e.versions.iter().any(same) {
        return (
            Verdict::Affected,
            true,
            format!("{place}: listed in the entry's versions"),
        );
    }
    let affected = vosv::Affected {
        package: Some(vosv::Package {
            ecosystem: e.ecosystem.clone(),
            name: e.name.clone(),
            purl: e.purl.clone(),
        }),
        ranges: e
            .ranges
            .iter()
            .map(|r| vosv::Range {
                range_type: match &r.kind {
                    RangeKind::Semver => "SEMVER".to_owned(),
                    RangeKind::Ecosystem => "ECOSYSTEM".to_owned(),
                    RangeKind::Git => "GIT".to_owned(),
                    RangeKind::Other(o) => o.clone(),
                },
                repo: r.repo.clone(),
                events: r
                    .events
                    .iter()
                    .map(|ev| {
                        let mut out = vosv::Event::default();
                        match ev {
                            Event::Introduced(v) => out.introduced = Some(v.clone()),
                            Event::Fixed(v) => out.fixed = Some(v.clone()),
                            Event::LastAffected(v) => out.last_affected = Some(v.clone()),
                            Event::Limit(v) => out.limit = Some(v.clone()),
                        }
                        out
                    })
                    .collect(),
            })
            .collect(),
        versions: e.versions.clone(),
    };
    match vosv::evaluate(&affected, eco, version) {
        Ok(ev) => {
            let exact = ev.exact;
            let order = ev.ecosystem.name();
            match ev.verdict {
                vosv::Verdict::Affected => (
                    Verdict::Affected,
                    exact,
                    format!("{place}: in an affected range or listed ({order} order)"),
                ),
                vosv::Verdict::NotAffected => (
                    Verdict::NotAffected,
                    exact,
                    format!("{place}: outside every range ({order} order)"),
                ),
                vosv::Verdict::NotResolvable { reason } => (
                    Verdict::NotResolvable {
                        reason: reason.clone(),
                    },
                    exact,
                    format!("{place}: {reason}"),
                ),
            }
        }
        Err(err) => (
            Verdict::NotResolvable {
                reason: err.to_string(),
            },
            eco.is_exact(),
            format!("{place}: {err}"),
        ),
    }
}
