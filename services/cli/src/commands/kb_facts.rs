//! The facts-only knowledge base (`db import --snapshot --facts-only
//! --only-for-sbom FILE...`): what `examples/kb.snapshot` is built from.
//!
//! Two independent steps on the records read from the feeds:
//!
//! * [`relevant_ids`] / [`restrict`]: keep only the vulnerabilities an SBOM
//!   can meet (every OSV entry for its purls' packages, every NVD record
//!   with a criterion for its CPEs' vendor and product, every CVE 5 entry
//!   for that vendor and product, whatever the version), the records of
//!   their alias groups, and the KEV, EPSS, CWE and advisory facts of those.
//!   Candidates are kept, not only matches, so versions that are not
//!   affected stay decided the same way as against the whole knowledge base.
//! * [`strip_text`]: drop prose (summaries, descriptions, KEV names and
//!   required actions, advisory and remediation text, free-form
//!   `database_specific` data), keeping identifiers, ranges, vectors,
//!   scores, dates and URLs.

use std::collections::BTreeSet;

use medsec_ident::cpe::{Attribute, Value, Wfn};
use medsec_ident::purl::PackageUrl;
use medsec_index::Index;
use medsec_sbom::Sbom;
use medsec_store::kb_read::KbRecords;

/// Ids of every vulnerability record the SBOMs' components are candidates
/// for, closed over alias groups.
pub fn relevant_ids(index: &Index, sboms: &[Sbom]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for c in sboms.iter().flat_map(|s| &s.components) {
        let purl = c
            .purl_canonical
            .as_deref()
            .and_then(|p| PackageUrl::parse(p).ok());
        if let Some(purl) = purl {
            if let Ok(found) = index.osv_candidates(&purl) {
                ids.extend(found.into_iter().map(|(v, _)| v.id));
            }
        }
        for raw in &c.cpes {
            let Ok(wfn) = Wfn::parse(raw) else { continue };
            ids.extend(index.cpe_candidates(&wfn).into_iter().map(|v| v.id));
            if let (Some(vendor), Some(product)) = (
                literal(&wfn, Attribute::Vendor),
                literal(&wfn, Attribute::Product),
            ) {
                ids.extend(
                    index
                        .cve5_candidates(vendor, product)
                        .into_iter()
                        .map(|(v, _)| v.id),
                );
            }
        }
    }
    let groups: Vec<String> = ids
        .iter()
        .filter_map(|id| index.alias_group(id))
        .flat_map(|g| g.ids.iter().cloned())
        .collect();
    ids.extend(groups);
    ids
}

fn literal(wfn: &Wfn, a: Attribute) -> Option<&str> {
    match wfn.get(a) {
        Value::Str(s) if !s.has_wildcards() && !s.body().is_empty() => Some(s.body()),
        _ => None,
    }
}

/// Keeps the vulnerability records whose id is in `ids`, the KEV and EPSS
/// entries of those ids, the CWE entries they cite, and the advisories
/// (with only their vulnerabilities) that name them.
pub fn restrict(records: &mut KbRecords, ids: &BTreeSet<String>) {
    records.vulnerabilities.retain(|v| ids.contains(&v.id));
    records.kev.retain(|k| ids.contains(&k.cve_id));
    for day in &mut records.epss {
        day.scores.retain(|s| ids.contains(&s.cve));
    }
    records.epss.retain(|day| !day.scores.is_empty());
    for a in &mut records.csaf {
        a.vulnerabilities
            .retain(|v| v.cve.as_ref().is_some_and(|c| ids.contains(c)));
    }
    records.csaf.retain(|a| !a.vulnerabilities.is_empty());
    let mut cited: BTreeSet<u32> = BTreeSet::new();
    for v in &records.vulnerabilities {
        cited.extend(v.weaknesses.iter().filter_map(|w| w.cwe_number()));
    }
    for k in &records.kev {
        cited.extend(
            k.cwes
                .iter()
                .filter_map(|c| c.strip_prefix("CWE-")?.parse::<u32>().ok()),
        );
    }
    for a in &records.csaf {
        cited.extend(
            a.vulnerabilities
                .iter()
                .filter_map(|v| v.cwe.as_ref()?.cwe_number()),
        );
    }
    records.cwes.retain(|c| cited.contains(&c.id));
}

/// Drops prose from every record; identifiers, names of CWEs and products,
/// ranges, vectors, scores, dates and URLs stay.
pub fn strip_text(records: &mut KbRecords) {
    for v in &mut records.vulnerabilities {
        v.summary = None;
        v.details = None;
        v.database_specific = None;
        if let Some(k) = &mut v.kev {
            k.required_action = None;
            k.vulnerability_name = None;
        }
        for w in &mut v.weaknesses {
            w.name = None;
        }
        for r in &mut v.references {
            r.kind = None;
            r.tags.clear();
            r.source = None;
        }
        for a in &mut v.affected {
            a.ecosystem_specific = None;
            a.database_specific = None;
        }
    }
    for k in &mut records.kev {
        k.vulnerability_name.clear();
        k.short_description.clear();
        k.required_action.clear();
        k.notes.clear();
    }
    for a in &mut records.csaf {
        // The tracking id stands in for the title.
        a.title = a.id.clone();
        for v in &mut a.vulnerabilities {
            v.title = None;
            for r in &mut v.remediations {
                r.details.clear();
            }
        }
    }
}
