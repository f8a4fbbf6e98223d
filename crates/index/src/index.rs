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
    AdvisoryInfo, BuildMeta, EpssInfo, KevInfo, OsvEntry, ScoredVector, SsvcInfo, VulnRecord,
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

/// The lookup tables. Every table is sorted by its key, so lookups are
/// binary searches and the encoding is deterministic. The records
/// themselves are not here: they stay encoded in the [`Store`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tables {
    pub(crate) meta: BuildMeta,
    /// End offset of each record in the store, records sorted by
    /// (id, source), one per (id, source).
    pub(crate) record_ends: Vec<u64>,
    /// (ecosystem, normalized name) → (record, affected entry).
    pub(crate) osv_keys: Keyed<(u32, u32)>,
    /// (vendor, product) of vulnerable criteria → records; empty strings
    /// for criteria whose vendor or product is a pattern.
    pub(crate) cpe_keys: Keyed<u32>,
    /// (vendor, product) of CVE 5 / CSAF products → records.
    pub(crate) cve5_keys: Keyed<u32>,
    /// Groups of two or more ids, sorted by their ids.
    pub(crate) alias_groups: Vec<AliasGroup>,
    /// id → its group, sorted by id.
    pub(crate) alias_index: Vec<(String, u32)>,
    pub(crate) kev: Vec<(String, KevInfo)>,
    pub(crate) epss: Vec<(String, EpssRow)>,
    /// (score date, model version) of the EPSS files, referenced by rows.
    pub(crate) epss_files: Vec<(Option<String>, Option<String>)>,
    pub(crate) cwe: Vec<(u32, String)>,
    /// Sorted by id.
    pub(crate) advisories: Vec<AdvisoryInfo>,
    pub(crate) advisory_by_cve: Vec<(String, Vec<u32>)>,
}

/// One EPSS row; the file's date and model are shared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct EpssRow {
    pub(crate) score: f64,
    pub(crate) percentile: f64,
    pub(crate) file: u32,
}

/// The records, each postcard-encoded, back to back. A loaded index keeps
/// the snapshot buffer itself and decodes a record when asked for it:
/// loading costs no per-record work, and memory stays near the file size.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    bytes: Vec<u8>,
    start: usize,
}

impl Store {
    pub(crate) fn new(bytes: Vec<u8>, start: usize) -> Store {
        Store { bytes, start }
    }

    pub(crate) fn arena(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or(&[])
    }
}

impl PartialEq for Store {
    fn eq(&self, other: &Store) -> bool {
        self.arena() == other.arena()
    }
}

/// Largest decoded record accepted; far above any real one, it bounds the
/// allocation a damaged length could ask for.
const MAX_RECORD_BYTES: usize = 64 << 20;

/// A record as the store holds it: its (id, source) in postcard, readable
/// for binary search without unpacking, then the whole record in postcard,
/// LZ4-compressed, after its length (u32, little-endian).
pub(crate) fn pack_record(v: &VulnRecord) -> Result<Vec<u8>, postcard::Error> {
    let mut out = postcard::to_allocvec(&(&v.id, v.source))?;
    let body = postcard::to_allocvec(v)?;
    let len = u32::try_from(body.len()).map_err(|_| postcard::Error::SerializeBufferFull)?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&lz4_flex::block::compress(&body));
    Ok(out)
}

fn unpack_record(bytes: &[u8]) -> Result<VulnRecord, String> {
    let (_, rest) = postcard::take_from_bytes::<(&str, Source)>(bytes)
        .map_err(|e| format!("record key: {e}"))?;
    let (len, packed) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| "record length is cut off".to_owned())?;
    let len = u32::from_le_bytes(*len) as usize;
    // LZ4 expands at most 255-fold.
    if len > MAX_RECORD_BYTES || len > packed.len().saturating_mul(255).saturating_add(16) {
        return Err(format!("record length {len} is implausible"));
    }
    let body = lz4_flex::block::decompress(packed, len).map_err(|e| format!("LZ4: {e}"))?;
    postcard::from_bytes(&body).map_err(|e| e.to_string())
}

/// The read-optimised matching index. Build it with
/// [`crate::IndexBuilder`] or load it from a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    generation: u64,
    pub(crate) tables: Tables,
    pub(crate) store: Store,
}

/// A record of the snapshot that does not decode. Only a file altered
/// with a recomputed checksum, or written by another build, can hold one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {index} of the index does not decode: {message}")]
pub struct RecordError {
    pub index: u32,
    pub message: String,
}

/// A purl's verdict for one vulnerability, over all its entries for the
/// package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Affected,
    NotAffected,
    /// Cannot be decided; never guessed.
    NotResolvable {
        reason: String,
    },
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
pub struct Enrichment {
    pub cve: String,
    /// The canonical id of its alias group and the group's ids.
    pub canonical: String,
    pub aliases: Vec<String>,
    /// From the KEV catalog, else from a record's own KEV mark.
    pub kev: Option<KevInfo>,
    pub epss: Option<EpssInfo>,
    /// CWE ids of the records, with their names when known.
    pub cwes: Vec<(String, Option<String>)>,
    /// Every severity vector of every record of the group, scored, with
    /// the record's id and source.
    pub cvss: Vec<(String, Source, ScoredVector)>,
    pub fixed: Vec<FixedVersion>,
    /// Advisories (ICSMA, CSAF) that name the CVE or an alias.
    pub advisories: Vec<AdvisoryInfo>,
    /// SSVC decisions of the CVE's own records, else of the group's.
    pub ssvc: Vec<SsvcInfo>,
    /// The CNA short name of the CVE's own records, else of the group's.
    pub cna: Option<String>,
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
    pub(crate) fn from_parts(generation: u64, tables: Tables, store: Store) -> Index {
        Index {
            generation,
            tables,
            store,
        }
    }

    /// The knowledge-base generation this index was built from.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn meta(&self) -> &BuildMeta {
        &self.tables.meta
    }

    /// How many vulnerability records the index holds.
    pub fn len(&self) -> usize {
        self.tables.record_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.record_ends.is_empty()
    }

    fn record_bytes(&self, i: u32) -> Option<&[u8]> {
        let ends = &self.tables.record_ends;
        let i = i as usize;
        let end = usize::try_from(*ends.get(i)?).ok()?;
        let start = match i.checked_sub(1) {
            Some(p) => usize::try_from(*ends.get(p)?).ok()?,
            None => 0,
        };
        self.store.arena().get(start..end)
    }

    /// The base OSV ecosystems (`PyPI`, `npm`...) that have at least one
    /// affected entry of a record that is not withdrawn, sorted; read from
    /// the lookup table, no record decoded.
    pub fn osv_ecosystems(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for ((eco, _), _) in &self.tables.osv_keys {
            if out.last() != Some(&eco.as_str()) {
                out.push(eco);
            }
        }
        out
    }

    /// Whether any record that is not withdrawn has a vulnerable NVD
    /// criterion or a CVE 5 / CSAF product to match CPEs against.
    pub fn has_cpe_data(&self) -> bool {
        !self.tables.cpe_keys.is_empty() || !self.tables.cve5_keys.is_empty()
    }

    /// Record `i` (in (id, source) order), decoded.
    pub fn record(&self, i: u32) -> Result<VulnRecord, RecordError> {
        let err = |message: String| RecordError { index: i, message };
        let bytes = self
            .record_bytes(i)
            .ok_or_else(|| err("outside the record store".to_owned()))?;
        unpack_record(bytes).map_err(err)
    }

    /// Decodes every record once: what a caller that must trust every
    /// record (an import check) runs after loading.
    pub fn verify_records(&self) -> Result<(), RecordError> {
        for i in 0..self.len() {
            self.record(u32::try_from(i).unwrap_or(u32::MAX))?;
        }
        Ok(())
    }

    /// Every record, in (id, source) order; records that do not decode
    /// are given as errors.
    pub fn records_iter(&self) -> impl Iterator<Item = Result<VulnRecord, RecordError>> + '_ {
        (0..self.len()).map(|i| self.record(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// The (id, source) of record `i`, read without decoding the rest.
    fn record_key(&self, i: u32) -> Option<(&str, Source)> {
        let bytes = self.record_bytes(i)?;
        postcard::take_from_bytes::<(&str, Source)>(bytes)
            .ok()
            .map(|(k, _)| k)
    }

    /// The records of one id, one per source.
    pub fn records(&self, id: &str) -> Vec<VulnRecord> {
        let n = self.len();
        // Binary search over the ids stored at the front of each record.
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let below = self
                .record_key(u32::try_from(mid).unwrap_or(u32::MAX))
                .is_some_and(|(k, _)| k < id);
            if below {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        for i in lo..n {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match self.record_key(i) {
                Some((k, _)) if k == id => out.extend(self.record(i).ok()),
                _ => break,
            }
        }
        out
    }

    fn records_at(&self, ids: impl IntoIterator<Item = u32>) -> Vec<(u32, VulnRecord)> {
        ids.into_iter()
            .filter_map(|i| self.record(i).ok().map(|r| (i, r)))
            .collect()
    }

    /// OSV entries for an OSV ecosystem (base name, e.g. `PyPI`) and
    /// package name (normalized here).
    pub fn osv_entries(&self, ecosystem: &str, name: &str) -> Vec<(VulnRecord, OsvEntry)> {
        let eco = base_ecosystem(ecosystem);
        let key = normalize_name(eco, name);
        let refs = find_key(&self.tables.osv_keys, eco, &key);
        let mut out = Vec::with_capacity(refs.len());
        let mut current: Option<(u32, VulnRecord)> = None;
        for &(vi, ai) in refs {
            if current.as_ref().is_none_or(|(i, _)| *i != vi) {
                current = self.record(vi).ok().map(|r| (vi, r));
            }
            if let Some((i, r)) = &current {
                if *i == vi {
                    if let Some(e) = r.affected.get(ai as usize) {
                        out.push((r.clone(), e.clone()));
                    }
                }
            }
        }
        out
    }

    /// OSV entries for the package a purl names (release-specific
    /// entries of another release left out).
    pub fn osv_candidates(
        &self,
        purl: &PackageUrl,
    ) -> Result<Vec<(VulnRecord, OsvEntry)>, UnmappedPurl> {
        let pkg = osv_package(purl)?;
        let mut out = self.osv_entries(&pkg.ecosystem, &pkg.name);
        if let Some(want) = &pkg.release {
            out.retain(|(_, e)| {
                ecosystem_release(&e.ecosystem).is_none_or(|have| want.eq_ignore_ascii_case(have))
            });
        }
        Ok(out)
    }

    /// Evaluates the purl's version against every candidate entry, per
    /// vulnerability: affected when some entry says so, otherwise not
    /// resolvable when some entry could not be decided, otherwise not
    /// affected.
    pub fn affected_by(&self, purl: &PackageUrl) -> Result<Vec<PackageFinding>, UnmappedPurl> {
        Index::affected_among(purl, &self.osv_candidates(purl)?)
    }

    /// [`Index::affected_by`] over candidates already read with
    /// [`Index::osv_candidates`] for a purl of the same package and
    /// release (any version), so that several versions of one package
    /// decode its records once.
    pub fn affected_among(
        purl: &PackageUrl,
        candidates: &[(VulnRecord, OsvEntry)],
    ) -> Result<Vec<PackageFinding>, UnmappedPurl> {
        let pkg = osv_package(purl)?;
        let mut per_vuln: BTreeMap<(String, Source), PackageFinding> = BTreeMap::new();
        let rank = |v: &Verdict| match v {
            Verdict::Affected => 2,
            Verdict::NotResolvable { .. } => 1,
            Verdict::NotAffected => 0,
        };
        for (v, e) in candidates {
            let (verdict, exact, why) = evaluate_entry(e, &pkg);
            let f = per_vuln
                .entry((v.id.clone(), v.source))
                .or_insert_with(|| PackageFinding {
                    id: v.id.clone(),
                    source: v.source,
                    verdict: Verdict::NotAffected,
                    ecosystem: e.ecosystem.clone(),
                    package: e.name.clone(),
                    exact_order: true,
                    why: String::new(),
                });
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
    pub fn cpe_candidates(&self, cpe: &Wfn) -> Vec<VulnRecord> {
        let (vendor, product) = cpe_key(cpe);
        let mut ids: Vec<u32> = find_key(&self.tables.cpe_keys, &vendor, &product).to_vec();
        let mut pattern_ids: Vec<u32> = Vec::new();
        // Criteria keyed with an empty vendor or product: patterns.
        for ((kv, kp), refs) in &self.tables.cpe_keys {
            let pattern = kv.is_empty() || kp.is_empty();
            let fits = (kv.is_empty() || *kv == vendor) && (kp.is_empty() || *kp == product);
            if pattern && fits && (kv, kp) != (&vendor, &product) {
                pattern_ids.extend(refs);
            }
        }
        pattern_ids.sort_unstable();
        pattern_ids.dedup();
        pattern_ids.retain(|i| !ids.contains(i));
        let mut out: Vec<(u32, VulnRecord)> = self.records_at(ids.iter().copied());
        out.extend(
            self.records_at(pattern_ids)
                .into_iter()
                .filter(|(_, v)| has_criterion_for(v, cpe)),
        );
        ids.clear();
        out.sort_by_key(|(i, _)| *i);
        out.dedup_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, v)| v).collect()
    }

    /// Evaluates the NVD configurations of every candidate for a
    /// component's CPE.
    pub fn evaluate_cpe(&self, cpe: &Wfn) -> Vec<CpeFinding> {
        self.cpe_candidates(cpe)
            .into_iter()
            .map(|v| CpeFinding {
                verdict: evaluate_configurations(&v.configurations, cpe),
                id: v.id,
                source: v.source,
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
    ) -> Vec<(VulnRecord, ProductAffected)> {
        let (kv, kp) = (product_key(vendor), product_key(product));
        let refs = find_key(&self.tables.cve5_keys, &kv, &kp);
        let mut out = Vec::new();
        for (_, v) in self.records_at(refs.iter().copied()) {
            for p in &v.products {
                let pv = product_key(p.vendor.as_deref().unwrap_or(""));
                let pp = product_key(
                    p.product
                        .as_deref()
                        .or(p.package_name.as_deref())
                        .unwrap_or(""),
                );
                if pv == kv && pp == kp {
                    out.push((v.clone(), p.clone()));
                }
            }
        }
        out
    }

    /// Evaluates a version against the CVE 5 product entries, per
    /// vulnerability (affected wins, then not resolvable).
    pub fn evaluate_cve5(&self, vendor: &str, product: &str, version: &str) -> Vec<ProductFinding> {
        let mut per: BTreeMap<(String, Source), ProductFinding> = BTreeMap::new();
        let rank = |v: &Cve5Verdict| match v {
            Cve5Verdict::Affected => 2,
            Cve5Verdict::NotResolvable { .. } => 1,
            Cve5Verdict::NotAffected => 0,
        };
        for (v, p) in self.cve5_candidates(vendor, product) {
            let e = evaluate_product(&p, version);
            let f = per
                .entry((v.id.clone(), v.source))
                .or_insert_with(|| ProductFinding {
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
        let gi = find_by(&self.tables.alias_index, id)?;
        self.tables.alias_groups.get(*gi as usize)
    }

    /// The id to report `id` under: its group's canonical id, or itself.
    pub fn canonical_id<'a>(&'a self, id: &'a str) -> &'a str {
        self.alias_group(id).map_or(id, |g| g.canonical.as_str())
    }

    pub fn alias_groups(&self) -> &[AliasGroup] {
        &self.tables.alias_groups
    }

    pub fn kev(&self, cve: &str) -> Option<&KevInfo> {
        find_by(&self.tables.kev, cve)
    }

    pub fn epss(&self, cve: &str) -> Option<EpssInfo> {
        let row = find_by(&self.tables.epss, cve)?;
        let (date, model_version) = self
            .tables
            .epss_files
            .get(row.file as usize)
            .cloned()
            .unwrap_or_default();
        Some(EpssInfo {
            score: row.score,
            percentile: row.percentile,
            date,
            model_version,
        })
    }

    /// The name of `CWE-n` (or of `n`).
    pub fn cwe_name(&self, cwe: &str) -> Option<&str> {
        let n: u32 = cwe.strip_prefix("CWE-").unwrap_or(cwe).parse().ok()?;
        find_by(&self.tables.cwe, &n).map(String::as_str)
    }

    /// Advisories naming a CVE.
    pub fn advisories_for(&self, cve: &str) -> Vec<&AdvisoryInfo> {
        find_by(&self.tables.advisory_by_cve, cve)
            .map(|ids| {
                ids.iter()
                    .filter_map(|&i| self.tables.advisories.get(i as usize))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// KEV, EPSS, CWE names, scored CVSS vectors, fixed versions and
    /// advisories of a CVE, over the records of its alias group.
    pub fn enrichment(&self, cve: &str) -> Enrichment {
        let group = self.alias_group(cve);
        let ids: Vec<&str> = match group {
            Some(g) => g.ids.iter().map(String::as_str).collect(),
            None => vec![cve],
        };
        let records: Vec<VulnRecord> = ids.iter().flat_map(|id| self.records(id)).collect();
        let kev = self
            .kev(cve)
            .cloned()
            .or_else(|| {
                records
                    .iter()
                    .filter(|r| r.id == cve)
                    .find_map(|r| r.kev.clone())
            })
            .or_else(|| records.iter().find_map(|r| r.kev.clone()));
        let mut cwe_ids: Vec<&str> = records
            .iter()
            .flat_map(|r| r.cwe_ids.iter().map(String::as_str))
            .collect();
        cwe_ids.sort_unstable();
        cwe_ids.dedup();
        let cwes = cwe_ids
            .into_iter()
            .map(|c| (c.to_owned(), self.cwe_name(c).map(str::to_owned)))
            .collect();
        let mut fixed: Vec<FixedVersion> = records
            .iter()
            .flat_map(|r| r.fixed.iter().cloned())
            .collect();
        fixed.sort();
        fixed.dedup();
        let mut advisories: Vec<AdvisoryInfo> = ids
            .iter()
            .flat_map(|id| self.advisories_for(id))
            .cloned()
            .collect();
        advisories.sort_by(|a, b| a.id.cmp(&b.id));
        advisories.dedup_by(|a, b| a.id == b.id);
        let cvss = records
            .iter()
            .flat_map(|r| {
                r.severities
                    .iter()
                    .map(|s| (r.id.clone(), r.source, s.clone()))
            })
            .collect();
        let own_first = || {
            records
                .iter()
                .filter(|r| r.id == cve)
                .chain(records.iter().filter(|r| r.id != cve))
        };
        let mut ssvc: Vec<SsvcInfo> = own_first()
            .find(|r| !r.ssvc.is_empty())
            .map(|r| r.ssvc.clone())
            .unwrap_or_default();
        ssvc.dedup();
        let cna = own_first().find_map(|r| r.cna.clone());
        Enrichment {
            ssvc,
            cna,
            cve: cve.to_owned(),
            canonical: self.canonical_id(cve).to_owned(),
            aliases: group.map(|g| g.ids.clone()).unwrap_or_default(),
            kev,
            epss: self.epss(cve),
            cwes,
            cvss,
            fixed,
            advisories,
        }
    }

    /// Checks that every stored reference points inside its table.
    pub(crate) fn check_references(&self) -> Result<(), String> {
        let t = &self.tables;
        let n = t.record_ends.len();
        let arena = self.store.arena().len() as u64;
        let mut prev = 0u64;
        for (i, &end) in t.record_ends.iter().enumerate() {
            if end < prev || end > arena {
                return Err(format!(
                    "record {i} ends at {end}, outside the record store ({arena} bytes)"
                ));
            }
            prev = end;
        }
        if prev != arena {
            return Err(format!(
                "the records end at {prev} but the store has {arena} bytes"
            ));
        }
        for ((e, p), refs) in &t.osv_keys {
            if refs.iter().any(|&(vi, _)| vi as usize >= n) {
                return Err(format!("OSV key ({e}, {p}) refers to a missing record"));
            }
        }
        for (name, table) in [("CPE", &t.cpe_keys), ("CVE 5", &t.cve5_keys)] {
            for ((a, b), refs) in table {
                if refs.iter().any(|&i| i as usize >= n) {
                    return Err(format!("{name} key ({a}, {b}) refers to a missing record"));
                }
            }
        }
        for (id, g) in &t.alias_index {
            if *g as usize >= t.alias_groups.len() {
                return Err(format!("alias entry {id} refers to a missing group"));
            }
        }
        for (cve, refs) in &t.advisory_by_cve {
            if refs.iter().any(|&i| i as usize >= t.advisories.len()) {
                return Err(format!(
                    "advisory list of {cve} refers to a missing advisory"
                ));
            }
        }
        for (cve, row) in &t.epss {
            if row.file as usize >= t.epss_files.len() {
                return Err(format!("EPSS row of {cve} refers to a missing file"));
            }
        }
        Ok(())
    }
}

fn has_criterion_for(v: &VulnRecord, cpe: &Wfn) -> bool {
    v.configurations
        .iter()
        .flat_map(|c| &c.nodes)
        .flat_map(|n| &n.matches)
        .any(|m| {
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
    let same =
        |l: &String| l == version || (eco == Ecosystem::PyPI && l.eq_ignore_ascii_case(version));
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
