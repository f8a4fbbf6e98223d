//! The index built from every file of the shared `vulns/` data, checked
//! against what the raw records and published verdicts say.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use medsec_ident::cpe::{Attribute, Value, Wfn};
use medsec_ident::purl::PackageUrl;
use medsec_index::{cpe_eval, CpeVerdict, Cve5Verdict, Index, Verdict};
use medsec_kb::{Operator, Source};

struct Fixture {
    records: common::Records,
    index: Index,
    subset: String,
}

fn fixture(test: &str) -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    let data = medsec_testdata::require(test)?;
    F.get_or_init(|| {
        let records = common::load(&data);
        let index = common::builder(records.clone()).build(7);
        let subset = String::from_utf8(medsec_testdata::read(
            &data.join("vulns/osv/GHSA-SUBSET.md"),
        ))
        .unwrap();
        Some(Fixture {
            records,
            index,
            subset,
        })
    })
    .as_ref()
}

#[test]
fn build_counts_every_kind_of_record() {
    let Some(f) = fixture("build_counts_every_kind_of_record") else {
        return;
    };
    let meta = f.index.meta();
    let counts: BTreeMap<&str, u64> = meta
        .records_in
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let by_source = |s: Source| f.records.vulns.iter().filter(|v| v.source == s).count() as u64;
    assert_eq!(counts.get("osv").copied(), Some(by_source(Source::Osv)));
    assert_eq!(counts.get("nvd").copied(), Some(by_source(Source::Nvd)));
    assert_eq!(counts.get("cve5").copied(), Some(by_source(Source::Cve5)));
    assert_eq!(counts.get("kev").copied(), Some(f.records.kev.len() as u64));
    assert_eq!(
        counts.get("epss").copied(),
        Some(f.records.epss.len() as u64)
    );
    assert_eq!(
        counts.get("csaf_advisory").copied(),
        Some(f.records.csaf.len() as u64)
    );
    let csaf_vulns: usize = f
        .records
        .csaf
        .iter()
        .map(|a| a.vulnerability_records().len())
        .sum();
    assert_eq!(counts.get("csaf").copied(), Some(csaf_vulns as u64));
    // Every (id, source) given is kept once.
    let distinct: BTreeSet<(String, Source)> = f
        .records
        .vulns
        .iter()
        .map(|v| (v.id.clone(), v.source))
        .chain(
            f.records
                .csaf
                .iter()
                .flat_map(|a| a.vulnerability_records())
                .map(|v| (v.id, v.source)),
        )
        .collect();
    assert_eq!(meta.vulnerabilities, distinct.len() as u64);
    let total: u64 = ["osv", "nvd", "nvd_legacy", "cve5", "csaf"]
        .iter()
        .filter_map(|k| counts.get(k))
        .sum();
    assert_eq!(meta.duplicates_dropped, total - meta.vulnerabilities);
    let newest = f
        .records
        .vulns
        .iter()
        .filter_map(|v| v.modified)
        .max()
        .unwrap();
    let newest_csaf = f
        .records
        .csaf
        .iter()
        .map(|a| a.current_release)
        .max()
        .unwrap();
    assert_eq!(
        meta.newest_modified.as_deref(),
        Some(newest.max(newest_csaf).to_rfc3339().as_str())
    );
    assert_eq!(f.index.generation(), 7);
}

fn purl_for(eco: &str, name: &str, version: &str) -> PackageUrl {
    try_purl(eco, name, version).unwrap_or_else(|e| panic!("{e}"))
}

fn try_purl(eco: &str, name: &str, version: &str) -> Result<PackageUrl, String> {
    let (ty, ns, n) = match eco {
        "Maven" => {
            let (g, a) = name.split_once(':').unwrap();
            ("maven", Some(g), a)
        }
        "npm" => match name.strip_prefix('@').and_then(|s| s.split_once('/')) {
            Some((scope, n)) => ("npm", Some(&name[..scope.len() + 1]), n),
            None => ("npm", None, name),
        },
        "NuGet" => ("nuget", None, name),
        "PyPI" => ("pypi", None, name),
        "crates.io" => ("cargo", None, name),
        "Go" => match name.rsplit_once('/') {
            Some((ns, n)) => ("golang", Some(ns), n),
            None => ("golang", None, name),
        },
        other => panic!("no purl type for {other}"),
    };
    let mut b = PackageUrl::builder(ty, n).version(version);
    if let Some(ns) = ns {
        b = b.namespace(ns);
    }
    b.build()
        .map_err(|e| format!("{eco} {name} {version}: {e}"))
}

#[test]
fn ghsa_subset_verdicts_match_univers() {
    let Some(f) = fixture("ghsa_subset_verdicts_match_univers") else {
        return;
    };
    // Advisories whose ecosystem or name the source got wrong: a literal
    // lookup must not find them under the SBOM's package.
    let mut noted: BTreeSet<(String, String)> = BTreeSet::new();
    let mut last_pkg = String::new();
    let mut lines = Vec::new();
    for line in f.subset.lines() {
        if let Some(note) = line.trim().strip_prefix("- note: ") {
            let id = note.split(':').next().unwrap().to_owned();
            noted.insert((last_pkg.clone(), id));
        } else if let Some(l) = line.strip_prefix("- ") {
            let cols: Vec<&str> = l.split(" | ").collect();
            if cols.len() == 6 && ["Maven", "npm", "NuGet"].contains(&cols[0]) {
                last_pkg = cols[1].to_owned();
                lines.push(cols.iter().map(|c| c.to_string()).collect::<Vec<_>>());
            }
        }
    }
    assert!(lines.len() > 100, "{} package lines", lines.len());
    let mut checked = 0;
    let mut affecting: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for cols in &lines {
        let (eco, pkg) = (&cols[0], &cols[1]);
        let versions: Vec<&str> = cols[2]
            .split("; ")
            .map(|v| v.split(" [").next().unwrap().trim())
            .collect();
        let advisories = common::parse_advisories(&cols[3]);
        // "N of M affect an SBOM version".
        let n_of_m: Vec<usize> = cols[4].split(' ').filter_map(|w| w.parse().ok()).collect();
        assert_eq!(n_of_m[1], advisories.len(), "{pkg}");
        assert_eq!(
            n_of_m[0],
            advisories.iter().filter(|(_, s)| !s.is_empty()).count(),
            "{pkg}"
        );
        // What the index says for each SBOM version.
        let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for v in &versions {
            let purl = purl_for(eco, pkg, v);
            for finding in f.index.affected_by(&purl).unwrap() {
                if finding.verdict == Verdict::Affected {
                    got.entry(finding.id.clone())
                        .or_default()
                        .insert(v.to_string());
                }
                assert!(
                    !matches!(finding.verdict, Verdict::NotResolvable { .. }),
                    "{pkg} {v} {}: {:?}",
                    finding.id,
                    finding.verdict
                );
            }
        }
        for (id, want) in &advisories {
            let is_noted = noted.contains(&(pkg.clone(), id.clone()));
            let have = got.get(id).cloned().unwrap_or_default();
            if is_noted {
                assert!(
                    have.is_empty(),
                    "{pkg}: {id} names another package but matched {have:?}"
                );
            } else {
                assert_eq!(&have, want, "{eco} {pkg}: {id}");
                checked += 1;
            }
            if !have.is_empty() {
                affecting.entry(eco.clone()).or_default().insert(id.clone());
            }
        }
        // Nothing outside the advisories listed for the package.
        for id in got.keys() {
            assert!(
                advisories.iter().any(|(a, _)| a == id),
                "{pkg}: unexpected {id}"
            );
        }
    }
    assert!(checked > 180, "{checked}");
    // The totals' "with strict matching ... N affect".
    for line in f
        .subset
        .lines()
        .filter(|l| l.contains("with strict matching"))
    {
        let eco = line.trim_start_matches("- ").split(':').next().unwrap();
        let n: usize = line
            .rsplit("taken literally) ")
            .next()
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert_eq!(affecting.get(eco).map_or(0, BTreeSet::len), n, "{eco}");
    }
}

#[test]
fn every_ghsa_file_is_found_by_its_own_packages() {
    let Some(f) = fixture("every_ghsa_file_is_found_by_its_own_packages") else {
        return;
    };
    let mut n = 0;
    for v in f.records.vulns.iter().filter(|v| v.id.starts_with("GHSA-")) {
        for a in &v.affected {
            let found = f
                .index
                .osv_entries(&a.ecosystem, &a.name)
                .into_iter()
                .any(|(r, e)| r.id == v.id && e.name == a.name);
            assert!(found, "{} {} {}", v.id, a.ecosystem, a.name);
            n += 1;
        }
    }
    assert!(n >= 189, "{n}");
}

#[test]
fn listed_versions_are_affected_pypi_go_crates() {
    let Some(f) = fixture("listed_versions_are_affected") else {
        return;
    };
    let mut per_eco: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, v) in f.records.vulns.iter().enumerate() {
        if v.source != Source::Osv || v.withdrawn.is_some() || i % 3 != 0 {
            continue;
        }
        for a in &v.affected {
            let eco = a.ecosystem.as_str();
            if !["PyPI", "Go", "crates.io"].contains(&eco) {
                continue;
            }
            // A sample: the first, middle and last listed version.
            let n = a.versions.len();
            let picks: BTreeSet<usize> = [0, n / 2, n.saturating_sub(1)]
                .into_iter()
                .filter(|&k| k < n)
                .collect();
            for k in picks {
                let ver = &a.versions[k];
                let Ok(purl) = PackageUrl::builder(
                    match eco {
                        "PyPI" => "pypi",
                        "Go" => "golang",
                        _ => "cargo",
                    },
                    a.name.clone(),
                )
                .version(ver.clone())
                .build()
                .or_else(|_| Ok::<_, ()>(purl_for(eco, &a.name, ver))) else {
                    continue;
                };
                let purl = if eco == "Go" {
                    purl_for(eco, &a.name, ver)
                } else {
                    purl
                };
                let findings = f.index.affected_by(&purl).unwrap();
                let hit = findings
                    .iter()
                    .find(|x| x.id == v.id)
                    .unwrap_or_else(|| panic!("{} {} {ver}: not a candidate", v.id, a.name));
                assert_eq!(
                    hit.verdict,
                    Verdict::Affected,
                    "{} {} {ver}: {}",
                    v.id,
                    a.name,
                    hit.why
                );
                *per_eco
                    .entry(if eco == "PyPI" {
                        "PyPI"
                    } else if eco == "Go" {
                        "Go"
                    } else {
                        "crates.io"
                    })
                    .or_default() += 1;
            }
        }
    }
    // The Go and RustSec exports list no versions (ranges only); their
    // ranges are checked by `range_bounds_evaluate_as_written`.
    assert!(
        per_eco.get("PyPI").copied().unwrap_or(0) > 500,
        "{per_eco:?}"
    );
}

#[test]
fn range_bounds_evaluate_as_written() {
    let Some(f) = fixture("range_bounds_evaluate_as_written") else {
        return;
    };
    // A single range introduced..fixed: the introduced version is inside
    // it and the fixed version outside, per the OSV evaluation rules.
    let mut n: BTreeMap<String, usize> = BTreeMap::new();
    for v in f
        .records
        .vulns
        .iter()
        .filter(|v| v.source == Source::Osv && v.withdrawn.is_none())
    {
        for a in v.affected.iter().filter(|a| {
            ["PyPI", "crates.io", "Go", "npm", "Maven", "NuGet"].contains(&a.ecosystem.as_str())
        }) {
            let same_pkg = v
                .affected
                .iter()
                .filter(|b| b.name == a.name && b.ecosystem == a.ecosystem)
                .count();
            if a.ranges.len() != 1 || !a.versions.is_empty() || same_pkg != 1 {
                continue;
            }
            let ev = &a.ranges[0].events;
            let (Some(medsec_kb::Event::Introduced(intro)), Some(medsec_kb::Event::Fixed(fx)), 2) =
                (ev.first(), ev.get(1), ev.len())
            else {
                continue;
            };
            let eco = medsec_versions::Ecosystem::from_osv(&a.ecosystem).unwrap();
            let versions = [(intro, Verdict::Affected), (fx, Verdict::NotAffected)];
            for (ver, want) in versions {
                if ver == "0" || medsec_versions::Version::parse(eco, ver).is_err() {
                    continue;
                }
                // A Go module path without a slash has no purl form.
                let Ok(purl) = try_purl(&a.ecosystem, &a.name, ver) else {
                    continue;
                };
                let finding = f
                    .index
                    .affected_by(&purl)
                    .unwrap()
                    .into_iter()
                    .find(|x| x.id == v.id)
                    .unwrap();
                assert_eq!(
                    finding.verdict, want,
                    "{} {} {ver}: {}",
                    v.id, a.name, finding.why
                );
                *n.entry(a.ecosystem.clone()).or_default() += 1;
            }
        }
    }
    for eco in ["PyPI", "crates.io", "Go", "npm", "Maven", "NuGet"] {
        assert!(n.get(eco).copied().unwrap_or(0) > 5, "{n:?}");
    }
}

fn with_version(criteria: &Wfn, version: &str) -> Wfn {
    criteria.clone().with(
        Attribute::Version,
        Value::literal(Attribute::Version, version).unwrap(),
    )
}

#[test]
fn nvd_criteria_bounds_and_platforms() {
    let Some(f) = fixture("nvd_criteria_bounds_and_platforms") else {
        return;
    };
    let (mut bounds, mut platforms, mut listed) = (0, 0, 0);
    for v in f
        .records
        .vulns
        .iter()
        .filter(|v| matches!(v.source, Source::Nvd | Source::NvdLegacy))
    {
        for c in &v.configurations {
            for m in c
                .nodes
                .iter()
                .flat_map(|n| &n.matches)
                .filter(|m| m.vulnerable)
            {
                let Ok(crit) = Wfn::parse(&m.criteria) else {
                    continue;
                };
                // Make the component concrete where the criterion is ANY.
                let mut comp = crit.clone();
                for a in Attribute::ALL {
                    if matches!(comp.get(a), Value::Str(s) if s.has_wildcards()) {
                        comp.set(a, Value::Any);
                    }
                }
                let candidates = f.index.cpe_candidates(&comp);
                if let Some(b) = &m.version_end_excluding {
                    let at = with_version(&comp, b);
                    assert_eq!(
                        cpe_eval::criterion(m, &at),
                        Ok(false),
                        "{} {} at {b}",
                        v.id,
                        m.criteria
                    );
                    bounds += 1;
                }
                if let Some(b) = &m.version_end_including {
                    let at = with_version(&comp, b);
                    let in_range = m.version_start_including.as_deref().is_none_or(|s| {
                        medsec_versions::compare(medsec_versions::Ecosystem::Generic, s, b)
                            .is_ok_and(|o| o.is_le())
                    });
                    if in_range && m.version_start_excluding.is_none() {
                        assert_eq!(
                            cpe_eval::criterion(m, &at),
                            Ok(true),
                            "{} {} at {b}",
                            v.id,
                            m.criteria
                        );
                        bounds += 1;
                    }
                }
                if let Some(b) = &m.version_start_including {
                    let at = with_version(&comp, b);
                    if m.version_end_excluding.as_deref() != Some(b.as_str()) {
                        assert_eq!(
                            cpe_eval::criterion(m, &at),
                            Ok(true),
                            "{} {} at {b}",
                            v.id,
                            m.criteria
                        );
                    }
                }
                let version = crit
                    .get(Attribute::Version)
                    .literal_text()
                    .map(str::to_owned);
                let Some(version) = version else { continue };
                if version == "-" {
                    continue;
                }
                // A criterion naming one version: that version is a
                // candidate, and its configuration is affected or, when an
                // AND names a platform, requires it.
                assert!(
                    candidates.iter().any(|r| r.id == v.id),
                    "{} not a candidate for {}",
                    v.id,
                    comp
                );
                let only_this = c.nodes.iter().all(|n| {
                    n.matches
                        .iter()
                        .all(|x| x.vulnerable || x.criteria != m.criteria)
                });
                if !only_this || c.negate || c.nodes.iter().any(|n| n.negate) {
                    continue;
                }
                let verdict = cpe_eval::evaluate_configuration(c, &comp);
                let needs_platform = c.operator == Some(Operator::And)
                    && c.nodes.iter().any(|n| {
                        n.matches.iter().all(|x| {
                            !x.vulnerable
                                && Wfn::parse(&x.criteria).is_ok_and(|w| !w.matches(&comp))
                        })
                    });
                match (&verdict, needs_platform) {
                    (CpeVerdict::Affected { .. }, false)
                        if c.nodes.iter().all(|n| n.operator == Operator::Or) =>
                    {
                        listed += 1
                    }
                    (CpeVerdict::RequiresPlatform { platforms: p, .. }, true) => {
                        assert!(!p.is_empty());
                        platforms += 1
                    }
                    (_, false) if c.nodes.iter().any(|n| n.operator == Operator::And) => {}
                    other => panic!("{} {}: {other:?}", v.id, m.criteria),
                }
            }
        }
    }
    assert!(
        bounds > 50 && listed > 20 && platforms > 0,
        "bounds {bounds}, listed {listed}, platforms {platforms}"
    );
}

#[test]
fn cve5_listed_versions_evaluate_as_listed() {
    let Some(f) = fixture("cve5_listed_versions_evaluate_as_listed") else {
        return;
    };
    let mut n = 0;
    for v in f.records.vulns.iter().filter(|v| v.source == Source::Cve5) {
        for p in &v.products {
            let (Some(vendor), Some(product)) = (p.vendor.as_deref(), p.product.as_deref()) else {
                continue;
            };
            // Entries naming one version with no range, listed once.
            for e in p.versions.iter().filter(|e| {
                e.less_than.is_none()
                    && e.less_than_or_equal.is_none()
                    && !matches!(e.version.as_str(), "n/a" | "unspecified" | "")
            }) {
                if p.versions.iter().filter(|x| x.version == e.version).count() != 1 {
                    continue;
                }
                let same_product = v
                    .products
                    .iter()
                    .filter(|q| q.vendor == p.vendor && q.product == p.product)
                    .count();
                if same_product != 1 {
                    continue;
                }
                let got = f.index.evaluate_cve5(vendor, product, &e.version);
                let hit = got
                    .iter()
                    .find(|x| x.id == v.id && x.source == Source::Cve5)
                    .unwrap();
                let want = match e.status.as_str() {
                    "affected" => Cve5Verdict::Affected,
                    "unaffected" => Cve5Verdict::NotAffected,
                    _ => continue,
                };
                assert_eq!(
                    hit.verdict, want,
                    "{} {vendor} {product} {}: {}",
                    v.id, e.version, hit.why
                );
                n += 1;
            }
        }
    }
    assert!(n > 100, "{n}");
}

#[test]
fn aliases_group_ids_both_ways() {
    let Some(f) = fixture("aliases_group_ids_both_ways") else {
        return;
    };
    let mut n = 0;
    for v in f.records.vulns.iter().filter(|v| v.source == Source::Osv) {
        for a in &v.aliases {
            let g = f
                .index
                .alias_group(a)
                .unwrap_or_else(|| panic!("{a} has no group"));
            assert!(g.ids.contains(&v.id), "{} not with {a}", v.id);
            assert_eq!(f.index.alias_group(&v.id), Some(g));
            if a.starts_with("CVE-")
                && v.aliases.iter().filter(|x| x.starts_with("CVE-")).count() == 1
            {
                let cves = g.ids.iter().filter(|x| x.starts_with("CVE-")).count();
                if cves == 1 {
                    assert_eq!(f.index.canonical_id(&v.id), a);
                }
            }
            n += 1;
        }
    }
    assert!(n > 1000, "{n}");
    // CSAF advisory ids do not merge the CVEs of one advisory.
    let a = &f
        .records
        .csaf
        .iter()
        .find(|a| a.vulnerabilities.len() > 1)
        .unwrap();
    let cves: Vec<&String> = a
        .vulnerabilities
        .iter()
        .filter_map(|v| v.cve.as_ref())
        .collect();
    assert!(f.index.canonical_id(cves[0]) != f.index.canonical_id(cves[1]));
}

#[test]
fn enrichment_joins_kev_epss_cwe_cvss_and_advisories() {
    let Some(f) = fixture("enrichment_joins_kev_epss_cwe_cvss_and_advisories") else {
        return;
    };
    let epss: BTreeMap<&str, &medsec_kb::epss::EpssScore> =
        f.records.epss.iter().map(|s| (s.cve.as_str(), s)).collect();
    for k in &f.records.kev {
        let e = f.index.enrichment(&k.cve_id);
        let kev = e.kev.unwrap();
        assert_eq!(kev.date_added, k.date_added.to_string());
        assert_eq!(kev.due_date, k.due_date.map(|d| d.to_string()));
        assert_eq!(
            kev.known_ransomware_use,
            Some(k.known_ransomware_use == medsec_kb::kev::RansomwareUse::Known)
        );
        if let Some(s) = epss.get(k.cve_id.as_str()) {
            let got = e.epss.unwrap();
            assert_eq!((got.score, got.percentile), (s.epss, s.percentile));
        }
    }
    let cwe_names: BTreeMap<String, &str> = f
        .records
        .cwe
        .iter()
        .map(|c| (c.cwe_id(), c.name.as_str()))
        .collect();
    let mut scored = 0;
    for v in f.records.vulns.iter().filter(|v| v.id.starts_with("CVE-")) {
        let e = f.index.enrichment(&v.id);
        for s in &v.severities {
            let got = e
                .cvss
                .iter()
                .find(|(id, src, x)| *id == v.id && *src == v.source && x.vector == s.vector)
                .unwrap();
            if let Ok(c) = medsec_cvss::parse(&s.vector) {
                assert_eq!(got.2.computed.as_ref().unwrap().base, c.base_score());
                scored += 1;
            }
        }
        for w in v.cwe_ids() {
            let (_, name) = e.cwes.iter().find(|(id, _)| *id == w).unwrap();
            assert_eq!(name.as_deref(), cwe_names.get(&w).copied(), "{w}");
        }
        // CVE 5 ranges of versionType git bound commits, not versions: they
        // are never offered as fixed versions; every other one is.
        let commits: Vec<&str> = v
            .products
            .iter()
            .flat_map(|p| &p.versions)
            .filter(|pv| pv.version_type.as_deref() == Some("git"))
            .filter_map(|pv| pv.less_than.as_deref())
            .collect();
        for fx in v.fixed_versions() {
            if commits.contains(&fx.version.as_str()) {
                assert!(!e.fixed.contains(&fx), "{}: commit {fx:?}", v.id);
            } else {
                assert!(e.fixed.contains(&fx), "{}: {fx:?}", v.id);
            }
        }
    }
    assert!(scored > 100, "{scored}");
    for a in &f.records.csaf {
        for c in a.vulnerabilities.iter().filter_map(|v| v.cve.as_ref()) {
            let e = f.index.enrichment(c);
            assert!(
                e.advisories.iter().any(|x| x.id == a.id),
                "{c} lacks {}",
                a.id
            );
        }
    }
}

#[test]
fn go_versions_with_and_without_v_agree_and_withdrawn_records_do_not_match() {
    let Some(f) = fixture("go_versions_and_withdrawn") else {
        return;
    };
    let mut n = 0;
    for v in f
        .records
        .vulns
        .iter()
        .filter(|v| v.id.starts_with("GO-") && v.withdrawn.is_none())
        .step_by(10)
    {
        for a in v.affected.iter().filter(|a| a.ecosystem == "Go") {
            for e in a.ranges.iter().flat_map(|r| &r.events) {
                let ver = e.version();
                if ver == "0" {
                    continue;
                }
                let (Ok(plain), Ok(with_v)) = (
                    try_purl("Go", &a.name, ver),
                    try_purl("Go", &a.name, &format!("v{ver}")),
                ) else {
                    continue;
                };
                let pick = |p: &PackageUrl| {
                    f.index
                        .affected_by(p)
                        .unwrap()
                        .into_iter()
                        .find(|x| x.id == v.id)
                        .map(|x| x.verdict)
                };
                assert_eq!(pick(&plain), pick(&with_v), "{} {} {ver}", v.id, a.name);
                assert!(pick(&with_v).is_some());
                n += 1;
            }
        }
    }
    assert!(n > 100, "{n}");
    let withdrawn: Vec<_> = f
        .records
        .vulns
        .iter()
        .filter(|v| v.withdrawn.is_some() && !v.affected.is_empty())
        .collect();
    assert!(!withdrawn.is_empty());
    for v in withdrawn {
        assert!(!f.index.records(&v.id).is_empty(), "{} not stored", v.id);
        for a in &v.affected {
            let hit = f
                .index
                .osv_entries(&a.ecosystem, &a.name)
                .into_iter()
                .any(|(r, _)| r.id == v.id);
            assert!(!hit, "withdrawn {} still matches {}", v.id, a.name);
        }
    }
}
