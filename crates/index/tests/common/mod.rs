//! Reading the shared knowledge-base files with the medsec_kb readers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use medsec_index::IndexBuilder;
use medsec_kb::csaf::CsafAdvisory;
use medsec_kb::cwe::CweEntry;
use medsec_kb::epss::{EpssMeta, EpssReader, EpssScore};
use medsec_kb::kev::KevEntry;
use medsec_kb::{csaf, cve5, cwe, kev, nvd, osv, Vulnerability};

/// Every record of `vulns/` the readers accept.
#[derive(Default, Clone)]
pub struct Records {
    pub vulns: Vec<Vulnerability>,
    pub kev: Vec<KevEntry>,
    pub epss_meta: EpssMeta,
    pub epss: Vec<EpssScore>,
    pub cwe: Vec<CweEntry>,
    pub csaf: Vec<CsafAdvisory>,
}

fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    medsec_testdata::files_under(dir)
        .into_iter()
        .filter(|p| {
            let n = p.to_string_lossy();
            suffixes.iter().any(|s| n.ends_with(s))
        })
        .collect()
}

fn name(data: &Path, p: &Path) -> String {
    p.strip_prefix(data).unwrap_or(p).display().to_string()
}

pub fn load(data: &Path) -> Records {
    let v = data.join("vulns");
    let mut r = Records::default();
    for p in files(&v.join("osv"), &[".json", ".yaml"]) {
        let f = name(data, &p);
        let bytes = medsec_testdata::read(&p);
        let got = if f.ends_with(".yaml") {
            osv::read_yaml(&bytes, &f)
        } else {
            osv::read_json(&bytes, &f)
        };
        r.vulns
            .extend(got.unwrap_or_else(|e| panic!("{e}")).records);
    }
    for p in files(&v.join("nvd"), &[".json", ".json.gz"]) {
        let f = name(data, &p);
        let got = nvd::read(&medsec_testdata::read(&p), &f).unwrap_or_else(|e| panic!("{e}"));
        r.vulns.extend(got.records);
    }
    for p in files(&v.join("vulnrichment"), &[".json"]) {
        let f = name(data, &p);
        let got = cve5::read(&medsec_testdata::read(&p), &f).unwrap_or_else(|e| panic!("{e}"));
        r.vulns.extend(got.records);
    }
    for p in files(&v.join("icsma-csaf"), &[".json"]) {
        let f = name(data, &p);
        let got = csaf::read(&medsec_testdata::read(&p), &f).unwrap_or_else(|e| panic!("{e}"));
        r.csaf.extend(got.records);
    }
    let kev_path = v.join("kev/known_exploited_vulnerabilities.json.gz");
    let (_, got) = kev::read_json(&std::fs::read(&kev_path).unwrap(), "kev.json.gz").unwrap();
    r.kev = got.records;
    let epss_path = v.join("epss/epss_scores-2026-08-16.emba.csv.gz");
    let reader = EpssReader::new(std::fs::File::open(&epss_path).unwrap(), "epss.csv.gz").unwrap();
    r.epss_meta = reader.meta().clone();
    r.epss = reader.filter_map(Result::ok).collect();
    for p in files(&v.join("cwe"), &[".csv", ".csv.gz"]) {
        let got = cwe::read_csv(std::fs::File::open(&p).unwrap(), &name(data, &p)).unwrap();
        r.cwe.extend(got.records);
    }
    r
}

/// A builder holding every record, each kind in the order given.
pub fn builder(r: Records) -> IndexBuilder {
    let mut b = IndexBuilder::new();
    b.add_vulnerabilities(r.vulns);
    for e in r.kev {
        b.add_kev(e);
    }
    for s in r.epss {
        b.add_epss(&r.epss_meta, s);
    }
    for c in r.cwe {
        b.add_cwe(c);
    }
    for a in r.csaf {
        b.add_csaf(a);
    }
    b
}

/// A deterministic permutation (xorshift), to feed records out of order.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut s = seed | 1;
    for i in (1..items.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        items.swap(i, (s % (i as u64 + 1)) as usize);
    }
}

/// The advisories column of vulns/osv/GHSA-SUBSET.md: each id, and the
/// `{a,b}` after it: the SBOM versions univers found affected.
pub fn parse_advisories(field: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let mut rest = field.trim();
    while !rest.is_empty() {
        let end = rest.find([',', ' ', '{']).unwrap_or(rest.len());
        let id = rest[..end].to_owned();
        rest = rest[end..].trim_start();
        let mut set = BTreeSet::new();
        if let Some(r) = rest.strip_prefix('{') {
            let close = r.find('}').unwrap();
            set = r[..close].split(',').map(str::to_owned).collect();
            rest = r[close + 1..].trim_start();
        }
        rest = rest.trim_start_matches(',').trim_start();
        out.push((id, set));
    }
    out
}
