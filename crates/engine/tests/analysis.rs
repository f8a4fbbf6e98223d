//! The engine over the index built from all of the shared `vulns/` data and
//! every SBOM of the shared `sboms/` data.

// The index crate's loader for the shared knowledge-base files.
#[path = "../../index/tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use chrono::NaiveDate;
use medsec_engine::{
    Analyser, Analysis, CoverageStatus, DependencyGraph, DeviceClass, DeviceContext,
    ExploitAssessment, ExploitSignals, Exploitability, IdentifierKind, KnowledgeScope, MatchStatus,
    NetworkExposure, Options, Priority, WEIGHT_DATA, WEIGHT_EXPLOITABILITY, WEIGHT_PATIENT_HARM,
    WEIGHT_SEVERITY,
};
use medsec_ident::purl::PackageUrl;
use medsec_index::Index;
use medsec_sbom::Sbom;

struct Fixture {
    data: PathBuf,
    index: Index,
    scope: KnowledgeScope,
}

fn fixture(test: &str) -> Option<&'static Fixture> {
    static F: OnceLock<Fixture> = OnceLock::new();
    let data = medsec_testdata::require(test)?;
    Some(F.get_or_init(|| {
        let records = common::load(&data);
        let index = common::builder(records).build(1);
        let scope = KnowledgeScope::from_index(&index);
        Fixture { data, index, scope }
    }))
}

fn large(f: &Fixture, name: &str) -> Sbom {
    let p = f.data.join("sboms/large").join(name);
    medsec_sbom::parse(&medsec_testdata::read(&p)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const LARGE: [&str; 4] = [
    "apache-flink.cdxgen.cdx.json.gz",
    "apache-tika.cyclonedx-maven-plugin.cdx.json.gz",
    "apache_airflow-sbom-2.8.0-python3.10.cdx.json.gz",
    "blogifier-dotnet.syft.cdx.json.gz",
];

fn hospital() -> DeviceContext {
    DeviceContext {
        device_class: DeviceClass::LifeSustaining,
        network_exposure: NetworkExposure::Internet,
        patient_contact: true,
        handles_phi: true,
    }
}

fn back_office() -> DeviceContext {
    DeviceContext {
        device_class: DeviceClass::Administrative,
        network_exposure: NetworkExposure::None,
        patient_contact: false,
        handles_phi: false,
    }
}

fn analyse(f: &Fixture, sbom: &Sbom, device: &DeviceContext) -> Analysis {
    Analyser::new(&f.index, &f.scope).analyse(sbom, device, &Options::default())
}

fn check_coverage(name: &str, sbom: &Sbom, a: &Analysis) {
    let cov = &a.coverage;
    assert_eq!(cov.components.len(), sbom.components.len(), "{name}");
    for (c, k) in sbom.components.iter().zip(&cov.components) {
        assert_eq!(c.reference, k.component.reference, "{name}");
        let n = a
            .findings
            .iter()
            .filter(|f| f.component.reference == c.reference)
            .count();
        // References can repeat in a document; then the counts add up.
        let same_ref = cov
            .components
            .iter()
            .filter(|x| x.component.reference == c.reference)
            .map(|x| x.findings)
            .sum::<usize>();
        assert_eq!(n, same_ref, "{name} {}", c.reference);
        assert_eq!(
            matches!(k.status, CoverageStatus::Matched),
            k.findings > 0,
            "{name} {}",
            c.reference
        );
        if c.purl.is_none() && c.cpes.is_empty() {
            assert!(
                matches!(k.status, CoverageStatus::NotCheckable { .. }),
                "{name} {}",
                c.reference
            );
        }
    }
    assert_eq!(
        cov.matched + cov.no_known_vulnerabilities + cov.not_checkable,
        sbom.components.len(),
        "{name}"
    );
    assert_eq!(
        cov.not_checkable_by_reason.values().sum::<usize>(),
        cov.not_checkable
    );
    assert_eq!(a.summary.findings, a.findings.len());
    assert_eq!(
        a.summary.by_priority.values().sum::<usize>(),
        a.findings.len()
    );
    // Each finding carries its component's place in the graph; the graph
    // tests check those places against the edges.
    let graph = DependencyGraph::new(sbom);
    for f in &a.findings {
        assert_eq!(
            f.dependency,
            graph.position(&f.component.reference),
            "{name} {}",
            f.component.reference
        );
    }
    assert_eq!(a.dependency_graph, graph.facts(), "{name}");
    let l = &a.licences.summary;
    assert_eq!(l.components, sbom.components.len(), "{name}");
    assert_eq!(
        l.without_issues + a.licences.components.len(),
        l.components,
        "{name}"
    );
    assert_eq!(
        l.copyleft_by_strength.values().sum::<usize>(),
        l.copyleft,
        "{name}"
    );
    assert_eq!(
        l.unknown_by_reason.values().sum::<usize>(),
        l.unknown,
        "{name}"
    );
}

/// The scope read from the index's tables equals the one found by
/// decoding every record.
#[test]
fn knowledge_scope_matches_the_decoded_records() {
    let Some(f) = fixture("knowledge_scope_matches_the_decoded_records") else {
        return;
    };
    let mut ecosystems = BTreeSet::new();
    let mut cpe = false;
    for r in f.index.records_iter() {
        let r = r.unwrap();
        if r.is_withdrawn() {
            continue;
        }
        for e in &r.affected {
            ecosystems.insert(medsec_index::ecosystem::base_ecosystem(&e.ecosystem).to_owned());
        }
        cpe |= r
            .configurations
            .iter()
            .flat_map(|c| &c.nodes)
            .flat_map(|n| &n.matches)
            .any(|m| m.vulnerable)
            || !r.products.is_empty();
    }
    assert_eq!(f.scope.osv_ecosystems, ecosystems);
    assert_eq!(f.scope.cpe_data, cpe);
    assert!(ecosystems.len() >= 6, "{ecosystems:?}");
}

#[test]
fn every_sbom_that_parses_is_fully_covered() {
    let Some(f) = fixture("every_sbom_that_parses_is_fully_covered") else {
        return;
    };
    let (mut parsed, mut rejected, mut components, mut findings) = (0, 0, 0, 0);
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for p in medsec_testdata::files_under(&f.data.join("sboms")) {
        let Ok(sbom) = medsec_sbom::parse(&medsec_testdata::read(&p)) else {
            rejected += 1;
            continue;
        };
        let a = analyse(f, &sbom, &DeviceContext::default());
        check_coverage(&p.display().to_string(), &sbom, &a);
        parsed += 1;
        components += sbom.components.len();
        findings += a.findings.len();
        for r in a.findings.iter().flat_map(|x| &x.reasons) {
            *kinds
                .entry(format!("{:?} {:?}", r.identifier_kind, r.confidence))
                .or_default() += 1;
        }
        for c in &a.coverage.components {
            let key = match &c.status {
                CoverageStatus::NotCheckable { reason, .. } => format!("not-checkable {reason:?}"),
                s => format!("{s:?}"),
            };
            *statuses.entry(key).or_default() += 1;
        }
    }
    println!(
        "{parsed} SBOMs analysed ({rejected} did not parse): {components} components, {findings} findings; {statuses:?}; reasons {kinds:?}"
    );
    assert!(parsed >= 50, "{parsed}");
    assert!(findings > 0);
    assert!(statuses.keys().any(|k| k == "Matched"));
    assert!(statuses.keys().any(|k| k == "NoKnownVulnerabilities"));
}

/// (ecosystem, OSV name) → advisory → SBOM versions it affects, and the
/// advisories the list flags as source errors.
type Verdicts = BTreeMap<(String, String), Vec<(String, BTreeSet<String>)>>;

fn subset(f: &Fixture) -> (Verdicts, BTreeSet<(String, String)>) {
    let text = String::from_utf8(medsec_testdata::read(
        &f.data.join("vulns/osv/GHSA-SUBSET.md"),
    ))
    .unwrap();
    let mut out = Verdicts::new();
    let mut noted = BTreeSet::new();
    let mut last = String::new();
    for line in text.lines() {
        if let Some(note) = line.trim().strip_prefix("- note: ") {
            noted.insert((last.clone(), note.split(':').next().unwrap().to_owned()));
        } else if let Some(l) = line.strip_prefix("- ") {
            let cols: Vec<&str> = l.split(" | ").collect();
            if cols.len() == 6 && ["Maven", "npm", "NuGet"].contains(&cols[0]) {
                last = cols[1].to_owned();
                out.insert(
                    (cols[0].to_owned(), cols[1].to_owned()),
                    common::parse_advisories(cols[3]),
                );
            }
        }
    }
    (out, noted)
}

/// The OSV ecosystem, name and version the GHSA list uses for a purl.
fn osv_key(purl: &str) -> Option<(String, String, String)> {
    let p = PackageUrl::parse(purl).ok()?;
    let join = |sep: &str| match p.namespace() {
        Some(ns) => format!("{ns}{sep}{}", p.name()),
        None => p.name().to_owned(),
    };
    let (eco, name) = match p.ty() {
        "maven" => ("Maven", join(":")),
        "npm" => ("npm", join("/")),
        "nuget" | "dotnet" => ("NuGet", p.name().to_owned()),
        _ => return None,
    };
    Some((eco.to_owned(), name, p.version()?.to_owned()))
}

#[test]
fn findings_agree_with_the_univers_verdicts() {
    let Some(f) = fixture("findings_agree_with_the_univers_verdicts") else {
        return;
    };
    let (verdicts, noted) = subset(f);
    assert!(verdicts.len() > 100, "{}", verdicts.len());
    let (mut positive, mut negative) = (0, 0);
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for name in LARGE {
        let sbom = large(f, name);
        let a = analyse(f, &sbom, &DeviceContext::default());
        for c in &sbom.components {
            let Some((eco, pkg, version)) = c.purl_canonical.as_deref().and_then(osv_key) else {
                continue;
            };
            let Some(advisories) = verdicts.get(&(eco.clone(), pkg.clone())) else {
                continue;
            };
            seen.insert((eco.clone(), pkg.clone()));
            let by_purl: BTreeSet<&str> = a
                .findings
                .iter()
                .filter(|x| x.component.reference == c.reference)
                .flat_map(|x| &x.reasons)
                .filter(|r| r.identifier_kind == IdentifierKind::Purl)
                .map(|r| r.vulnerability.as_str())
                .collect();
            for (id, affected) in advisories {
                if noted.contains(&(pkg.clone(), id.clone())) {
                    continue;
                }
                if affected.contains(&version) {
                    positive += 1;
                    assert!(
                        by_purl.contains(id.as_str()),
                        "{name}: {eco} {pkg} {version}: {id} missing"
                    );
                    // The finding is a plain match for this component.
                    let finding = a
                        .findings
                        .iter()
                        .find(|x| {
                            x.component.reference == c.reference
                                && x.reasons.iter().any(|r| &r.vulnerability == id)
                        })
                        .unwrap();
                    assert_eq!(finding.status, MatchStatus::Affected);
                } else {
                    negative += 1;
                    let any = a.findings.iter().any(|x| {
                        x.component.reference == c.reference
                            && x.reasons.iter().any(|r| &r.vulnerability == id)
                    });
                    assert!(!any, "{name}: {eco} {pkg} {version}: {id} should not match");
                }
            }
        }
    }
    println!(
        "GHSA subset: {} packages seen, {positive} affected and {negative} not-affected (component, advisory) pairs checked",
        seen.len()
    );
    assert!(seen.len() * 10 >= verdicts.len() * 9, "{}", seen.len());
    assert!(positive > 100 && negative > 100, "{positive} {negative}");
}

#[test]
fn aliases_merge_into_one_finding_per_group() {
    let Some(f) = fixture("aliases_merge_into_one_finding_per_group") else {
        return;
    };
    let mut merged = 0;
    for name in LARGE {
        let sbom = large(f, name);
        let a = analyse(f, &sbom, &DeviceContext::default());
        let mut per_component: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for x in &a.findings {
            // Each finding is one group, reported under its canonical id.
            for r in &x.reasons {
                assert_eq!(f.index.canonical_id(&r.vulnerability), x.id, "{name}");
            }
            if let Some(g) = f.index.alias_group(&x.id) {
                assert_eq!(x.aliases, g.ids);
                if g.ids.iter().any(|i| i.starts_with("GHSA-")) && x.id.starts_with("CVE-") {
                    merged += 1;
                }
            }
            // No two findings of a component share a group.
            assert!(
                per_component
                    .entry(x.component.reference.as_str())
                    .or_default()
                    .insert(x.id.as_str()),
                "{name}: {} twice for {}",
                x.id,
                x.component.reference
            );
        }
    }
    assert!(
        merged > 50,
        "{merged} GHSA findings reported under their CVE"
    );
}

#[test]
fn priority_is_the_sum_of_its_listed_factors() {
    let Some(f) = fixture("priority_is_the_sum_of_its_listed_factors") else {
        return;
    };
    let total = WEIGHT_SEVERITY + WEIGHT_EXPLOITABILITY + WEIGHT_PATIENT_HARM + WEIGHT_DATA;
    assert_eq!(total, 100.0);
    let sbom = large(f, LARGE[0]);
    let a = analyse(f, &sbom, &DeviceContext::default());
    assert!(!a.findings.is_empty());
    for x in &a.findings {
        let names: Vec<&str> = x.factors.iter().map(|g| g.name).collect();
        assert_eq!(
            names,
            [
                "severity",
                "exploitability",
                "patient_harm",
                "data_sensitivity"
            ]
        );
        let sum: f64 = x.factors.iter().map(|g| g.contribution).sum();
        assert!((sum - x.score).abs() < 1e-9, "{}", x.id);
        assert_eq!(x.factors.iter().map(|g| g.weight).sum::<f64>(), total);
        for g in &x.factors {
            assert!((0.0..=1.0).contains(&g.value), "{} {}", x.id, g.name);
            assert!((g.contribution - g.value * g.weight).abs() < 1e-12);
        }
        assert_eq!(x.priority, Priority::from_score(x.score));
        // Severity factor is the ranking CVSS base score over 10.
        if let Some(s) = x.cvss_score {
            assert!((x.factors[0].value - s / 10.0).abs() < 1e-12);
        }
        // KEV-listed means the highest exploitability the rule gives.
        if x.enrichment.kev.is_some() {
            assert_eq!(x.exploitability.probability, 1.0, "{}", x.id);
        }
    }
    // Sorted by priority, then score.
    for w in a.findings.windows(2) {
        assert!(
            w[0].priority < w[1].priority
                || (w[0].priority == w[1].priority && w[0].score >= w[1].score)
        );
    }
}

#[test]
fn device_context_moves_priority_in_the_documented_direction() {
    let Some(f) = fixture("device_context_moves_priority_in_the_documented_direction") else {
        return;
    };
    let sbom = large(f, LARGE[1]);
    let high = analyse(f, &sbom, &hospital());
    let low = analyse(f, &sbom, &back_office());
    let key = |x: &medsec_engine::Finding| (x.component.reference.clone(), x.id.clone());
    let low_by: BTreeMap<_, _> = low.findings.iter().map(|x| (key(x), x)).collect();
    assert_eq!(high.findings.len(), low.findings.len());
    let mut raised = 0;
    for h in &high.findings {
        let l = low_by[&key(h)];
        assert!(h.score > l.score, "{}", h.id);
        assert!(h.priority <= l.priority, "{}", h.id);
        raised += usize::from(h.priority < l.priority);
    }
    assert!(raised > 0);
    // One attribute at a time: each moves the score by its own factor.
    let base = back_office();
    let steps: [(DeviceContext, f64); 3] = [
        (
            DeviceContext {
                device_class: DeviceClass::LifeSustaining,
                ..base.clone()
            },
            WEIGHT_PATIENT_HARM * (1.0 - 0.2) * 0.8,
        ),
        (
            DeviceContext {
                handles_phi: true,
                ..base.clone()
            },
            WEIGHT_DATA,
        ),
        (
            DeviceContext {
                patient_contact: true,
                ..base.clone()
            },
            WEIGHT_PATIENT_HARM * 0.2 * (1.0 - 0.8),
        ),
    ];
    for (ctx, delta) in steps {
        let a = analyse(f, &sbom, &ctx);
        for x in &a.findings {
            let l = low_by[&key(x)];
            assert!((x.score - l.score - delta).abs() < 1e-9, "{ctx:?} {}", x.id);
        }
    }
    // More exposure never lowers a score.
    let exposed = analyse(
        f,
        &sbom,
        &DeviceContext {
            network_exposure: NetworkExposure::Internet,
            ..base
        },
    );
    for x in &exposed.findings {
        assert!(x.score >= low_by[&key(x)].score);
    }
}

#[test]
fn device_context_reads_from_toml_shaped_data() {
    let ctx: DeviceContext = serde_json::from_str(
        r#"{"device-class":"life-sustaining","network-exposure":"clinical-network","patient-contact":true}"#,
    )
    .unwrap();
    assert_eq!(ctx.device_class, DeviceClass::LifeSustaining);
    assert_eq!(ctx.network_exposure, NetworkExposure::ClinicalNetwork);
    assert!(ctx.patient_contact && !ctx.handles_phi);
    let err = serde_json::from_str::<DeviceContext>(
        r#"{"device-class":"toaster","network-exposure":"none"}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("toaster"), "{err}");
}

struct Fixed(f64);

impl Exploitability for Fixed {
    fn assess(&self, _: &ExploitSignals<'_>) -> ExploitAssessment {
        ExploitAssessment {
            probability: self.0,
            source: "fixed-model".to_owned(),
            explanation: String::new(),
        }
    }
}

#[test]
fn exploitability_can_be_replaced() {
    let Some(f) = fixture("exploitability_can_be_replaced") else {
        return;
    };
    let sbom = large(f, LARGE[1]);
    let model = Fixed(0.0);
    let a = Analyser::new(&f.index, &f.scope)
        .with_exploitability(&model)
        .analyse(&sbom, &hospital(), &Options::default());
    assert!(!a.findings.is_empty());
    for x in &a.findings {
        assert_eq!(x.exploitability.source, "fixed-model");
        assert_eq!(x.factors[1].contribution, 0.0);
    }
}

#[test]
fn enrichment_and_nearest_fix() {
    let Some(f) = fixture("enrichment_and_nearest_fix") else {
        return;
    };
    let sbom = large(f, LARGE[1]);
    let a = analyse(f, &sbom, &DeviceContext::default());
    let mut with_fix = 0;
    for x in &a.findings {
        let e = f.index.enrichment(&x.id);
        assert_eq!(x.enrichment.cvss.len(), e.cvss.len());
        assert_eq!(x.enrichment.kev, e.kev);
        assert_eq!(x.enrichment.epss, e.epss);
        if let Some(i) = x.enrichment.ranking_cvss {
            let top = &x.enrichment.cvss[i];
            for c in x.enrichment.cvss.iter().filter(|c| c.base.is_some()) {
                let v = |s: &Option<String>| s.as_deref().and_then(|s| s.parse::<f64>().ok());
                assert!(v(&c.version) <= v(&top.version));
            }
            assert_eq!(x.severity, top.severity.clone().unwrap());
        }
        if let Some(n) = &x.enrichment.nearest_fixed {
            with_fix += 1;
            let installed = x.component.version.as_deref().unwrap();
            let order = medsec_versions::Ecosystem::from_osv_or_generic(
                n.package.split(':').next().unwrap(),
            );
            assert_eq!(
                medsec_versions::compare(order, installed, &n.version),
                Ok(std::cmp::Ordering::Less),
                "{} {installed} -> {}",
                x.id,
                n.version
            );
            // No other fix for the same package lies between.
            for other in x.enrichment.fixed.iter().filter(|o| o.package == n.package) {
                if medsec_versions::compare(order, installed, &other.version)
                    == Ok(std::cmp::Ordering::Less)
                {
                    assert_ne!(
                        medsec_versions::compare(order, &other.version, &n.version),
                        Ok(std::cmp::Ordering::Less)
                    );
                }
            }
        }
    }
    assert!(with_fix > 20, "{with_fix}");
}

#[test]
fn components_past_end_of_support_with_findings_are_called_out() {
    let Some(f) = fixture("components_past_end_of_support_with_findings_are_called_out") else {
        return;
    };
    let mut sbom = large(f, LARGE[1]);
    let n = sbom.components.len();
    // Half the components end in 2020, the rest in 2030.
    for (i, c) in sbom.components.iter_mut().enumerate() {
        c.support.end_of_support = Some(
            if i % 2 == 0 {
                "2020-06-30"
            } else {
                "2030-01-01"
            }
            .into(),
        );
        c.support.level = Some("No longer maintained".into());
    }
    let options = Options {
        as_of: NaiveDate::from_ymd_opt(2026, 1, 1),
    };
    let a = Analyser::new(&f.index, &f.scope).analyse(&sbom, &DeviceContext::default(), &options);
    let called: BTreeSet<&str> = a
        .unsupported_with_findings
        .iter()
        .map(|u| u.component.reference.as_str())
        .collect();
    let mut expected = BTreeSet::new();
    for (i, c) in a.coverage.components.iter().enumerate() {
        assert_eq!(c.support.past_end_of_support, Some(i % 2 == 0));
        if i % 2 == 0 && c.findings > 0 {
            expected.insert(c.component.reference.as_str());
        }
    }
    assert!(!expected.is_empty());
    assert_eq!(called, expected);
    for x in &a.findings {
        assert!(x.past_end_of_support.is_some());
    }
    // Without an as_of date nothing is judged.
    let a = analyse(f, &sbom, &DeviceContext::default());
    assert!(a.unsupported_with_findings.is_empty());
    assert_eq!(a.coverage.components.len(), n);
}

#[test]
fn timing_of_the_largest_sbom() {
    let Some(f) = fixture("timing_of_the_largest_sbom") else {
        return;
    };
    let largest: &Path = &f.data.join("sboms/large").join(LARGE[0]);
    let sbom = medsec_sbom::parse(&medsec_testdata::read(largest)).unwrap();
    let t = Instant::now();
    let a = analyse(f, &sbom, &DeviceContext::default());
    println!(
        "{}: {} components, {} findings ({:?}), coverage {} matched / {} none known / {} not checkable, in {:?}",
        LARGE[0],
        sbom.components.len(),
        a.findings.len(),
        a.summary.by_priority,
        a.coverage.matched,
        a.coverage.no_known_vulnerabilities,
        a.coverage.not_checkable,
        t.elapsed()
    );
    check_coverage(LARGE[0], &sbom, &a);
    let count =
        |p: &dyn Fn(&medsec_engine::Finding) -> bool| a.findings.iter().filter(|x| p(x)).count();
    println!(
        "enriched: {} with CVSS, {} EPSS, {} KEV, {} CWE, {} nearest fix",
        count(&|x| x.cvss_score.is_some()),
        count(&|x| x.enrichment.epss.is_some()),
        count(&|x| x.enrichment.kev.is_some()),
        count(&|x| !x.enrichment.cwes.is_empty()),
        count(&|x| x.enrichment.nearest_fixed.is_some()),
    );
}

/// An NVD record, in API 2.0 form, whose one criterion covers `product`
/// of vendor `medsec_test` up to and including `version`.
fn nvd_record(cve: &str, product: &str, version: &str) -> String {
    serde_json::json!({
        "id": cve,
        "sourceIdentifier": "test",
        "published": "2020-01-01T00:00:00.000",
        "lastModified": "2020-01-01T00:00:00.000",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": "test"}],
        "metrics": {},
        "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [{
            "vulnerable": true,
            "criteria": format!("cpe:2.3:a:medsec_test:{product}:*:*:*:*:*:*:*:*"),
            "versionEndIncluding": version,
            "matchCriteriaId": "00000000-0000-0000-0000-000000000000"
        }]}]}],
        "references": []
    })
    .to_string()
}

#[test]
fn purl_and_cpe_reasons_merge_into_one_finding() {
    let Some(f) = fixture("purl_and_cpe_reasons_merge_into_one_finding") else {
        return;
    };
    let mut sbom = large(f, LARGE[1]);
    let before = analyse(f, &sbom, &DeviceContext::default());
    // A component with a purl finding reported under a CVE that merges a
    // GHSA, and one whose purl is decided not affected by such a group.
    let hit = before
        .findings
        .iter()
        .find(|x| {
            x.id.starts_with("CVE-")
                && x.reasons
                    .iter()
                    .any(|r| r.vulnerability.starts_with("GHSA-"))
        })
        .expect("a GHSA finding under its CVE");
    let mut miss = None;
    for c in sbom
        .components
        .iter()
        .filter(|c| c.reference != hit.component.reference)
    {
        let Some(p) = c
            .purl_canonical
            .as_deref()
            .and_then(|p| PackageUrl::parse(p).ok())
        else {
            continue;
        };
        let Ok(found) = f.index.affected_by(&p) else {
            continue;
        };
        let not = found.into_iter().find(|x| {
            x.verdict == medsec_index::Verdict::NotAffected
                && x.exact_order
                && f.index.canonical_id(&x.id).starts_with("CVE-")
        });
        if let Some(x) = not {
            let owned = (c.reference.clone(), f.index.canonical_id(&x.id).to_owned());
            miss = Some(owned);
            break;
        }
    }
    let (miss_ref, miss_cve) = miss.expect("a not-affected verdict under a CVE");
    // Rebuild the index with NVD records for both CVEs that the added
    // CPEs match.
    let hit_version = hit.component.version.clone().unwrap();
    let miss_version = sbom
        .components
        .iter()
        .find(|c| c.reference == miss_ref)
        .and_then(|c| c.version.clone())
        .unwrap();
    let mut records = common::load(&f.data);
    for (cve, product, version) in [
        (&hit.id, "hit", &hit_version),
        (&miss_cve, "miss", &miss_version),
    ] {
        let got =
            medsec_kb::nvd::read(nvd_record(cve, product, version).as_bytes(), "test").unwrap();
        records
            .vulns
            .retain(|v| !(v.id == *cve && v.source == medsec_kb::Source::Nvd));
        records.vulns.extend(got.records);
    }
    let index = common::builder(records).build(2);
    let scope = KnowledgeScope::from_index(&index);
    for c in &mut sbom.components {
        if c.reference == hit.component.reference {
            c.cpes.push(format!(
                "cpe:2.3:a:medsec_test:hit:{hit_version}:*:*:*:*:*:*:*"
            ));
        } else if c.reference == miss_ref {
            c.cpes.push(format!(
                "cpe:2.3:a:medsec_test:miss:{miss_version}:*:*:*:*:*:*:*"
            ));
        }
    }
    let after = Analyser::new(&index, &scope).analyse(
        &sbom,
        &DeviceContext::default(),
        &Options::default(),
    );
    check_coverage("with CPEs", &sbom, &after);
    // One finding with both reasons.
    let merged: Vec<_> = after
        .findings
        .iter()
        .filter(|x| x.component.reference == hit.component.reference && x.id == hit.id)
        .collect();
    assert_eq!(merged.len(), 1);
    let kinds: BTreeSet<IdentifierKind> = merged[0]
        .reasons
        .iter()
        .map(|r| r.identifier_kind)
        .collect();
    assert!(
        kinds.contains(&IdentifierKind::Purl) && kinds.contains(&IdentifierKind::Cpe),
        "{kinds:?}"
    );
    assert_eq!(merged[0].confidence, medsec_engine::Confidence::High);
    let cpe_reason = merged[0]
        .reasons
        .iter()
        .find(|r| r.identifier_kind == IdentifierKind::Cpe)
        .unwrap();
    assert_eq!(cpe_reason.version_order, "generic");
    assert_eq!(cpe_reason.confidence, medsec_engine::Confidence::Medium);
    // The purl's exact "not affected" wins over the generic CPE match.
    assert!(!after
        .findings
        .iter()
        .any(|x| x.component.reference == miss_ref && x.id == miss_cve));
    let cov = after
        .coverage
        .components
        .iter()
        .find(|c| c.component.reference == miss_ref)
        .unwrap();
    assert!(cov.overridden_by_purl.contains(&miss_cve), "{cov:?}");
    // Nothing else changed.
    assert_eq!(after.findings.len(), before.findings.len());
}

#[test]
fn not_checkable_reasons() {
    let Some(f) = fixture("not_checkable_reasons") else {
        return;
    };
    use medsec_engine::NotCheckableReason as R;
    let sbom = large(f, LARGE[2]);
    let before = analyse(f, &sbom, &DeviceContext::default());
    // An npm component with findings, to strip of its version.
    let npm = sbom
        .components
        .iter()
        .zip(&before.coverage.components)
        .find(|(c, k)| {
            k.findings > 0
                && c.purl_canonical
                    .as_deref()
                    .is_some_and(|p| p.starts_with("pkg:npm/"))
        })
        .map(|(c, _)| c.clone())
        .expect("an npm component with findings");
    let template = sbom.components[0].clone();
    let mut cases = Vec::new();
    let mut c = template.clone();
    (c.purl, c.purl_canonical, c.cpes) = (None, None, vec![]);
    cases.push((c, R::NoIdentifier));
    let mut c = template.clone();
    (c.purl, c.purl_canonical, c.cpes) = (Some("pkg:".into()), None, vec!["cpe:9.9:x".into()]);
    cases.push((c, R::UnparseableIdentifier));
    let mut c = template.clone();
    let generic = "pkg:generic/firmware@1.0".to_owned();
    (c.purl, c.purl_canonical, c.cpes) = (Some(generic.clone()), Some(generic), vec![]);
    cases.push((c, R::NoKnowledgeBaseData));
    let mut c = npm.clone();
    let unversioned = c
        .purl_canonical
        .as_deref()
        .unwrap()
        .split('@')
        .collect::<Vec<_>>();
    // `pkg:npm/%40scope/name@1.0` keeps its scope; only the version goes.
    let p = unversioned[..unversioned.len() - 1].join("@");
    (c.purl, c.purl_canonical, c.version) = (Some(p.clone()), Some(p), None);
    cases.push((c, R::OnlyUnresolvable));
    let mut test = sbom.clone();
    test.components = cases.iter().map(|(c, _)| c.clone()).collect();
    let a = analyse(f, &test, &DeviceContext::default());
    check_coverage("cases", &test, &a);
    for ((_, want), got) in cases.iter().zip(&a.coverage.components) {
        match &got.status {
            CoverageStatus::NotCheckable { reason, detail } => {
                assert_eq!(reason, want, "{detail}");
            }
            other => panic!("{want:?}: {other:?}"),
        }
    }
    assert!(a.findings.is_empty());
}

/// A git commit id, full or abbreviated: hex digits with both letters and
/// digits, at least 7 long. Versions of that shape do not occur in the
/// shared data's version ranges.
fn looks_like_commit(v: &str) -> bool {
    v.len() >= 7
        && v.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The installed version the nearest fix was chosen against: the version
/// of the identifier whose package or criteria it names.
fn installed_for(x: &medsec_engine::Finding, package: &str) -> Option<String> {
    x.reasons.iter().find_map(|r| match r.identifier_kind {
        IdentifierKind::Purl if r.criterion.starts_with(&format!("{package} ")) => {
            PackageUrl::parse(&r.identifier)
                .ok()
                .and_then(|p| p.version().map(str::to_owned))
        }
        IdentifierKind::Cve5Product => r
            .identifier
            .strip_prefix(&format!("{package}@"))
            .map(str::to_owned),
        IdentifierKind::Cpe if r.criterion.split(" OR ").next() == Some(package) => {
            let wfn = medsec_ident::cpe::Wfn::parse(&r.identifier).ok()?;
            match wfn.get(medsec_ident::cpe::Attribute::Version) {
                medsec_ident::cpe::Value::Str(s) if !s.has_wildcards() && !s.body().is_empty() => {
                    Some(s.body().to_owned())
                }
                _ => x.component.version.clone(),
            }
        }
        _ => None,
    })
}

#[test]
fn nearest_fixed_versions_are_versions_above_the_installed_one() {
    let Some(f) = fixture("nearest_fixed_versions_are_versions_above_the_installed_one") else {
        return;
    };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files = medsec_testdata::files_under(&f.data.join("sboms/large"));
    files.extend(medsec_testdata::files_under(&f.data.join("sboms/medical")));
    files.extend(
        medsec_testdata::files_under(&examples)
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with(".cdx.json")),
    );
    let (mut checked, mut from_examples) = (0, 0);
    for p in &files {
        let sbom = medsec_sbom::parse(&medsec_testdata::read(p))
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let a = analyse(f, &sbom, &DeviceContext::default());
        for x in &a.findings {
            for fix in &x.enrichment.fixed {
                assert!(
                    !looks_like_commit(&fix.version),
                    "{}: {} lists commit {} as fixed in {}",
                    p.display(),
                    x.id,
                    fix.version,
                    fix.package
                );
            }
            let Some(n) = &x.enrichment.nearest_fixed else {
                continue;
            };
            assert!(
                !looks_like_commit(&n.version),
                "{}: {} nearest fix is commit {}",
                p.display(),
                x.id,
                n.version
            );
            let order = medsec_versions::Ecosystem::from_osv_or_generic(
                n.package.split(':').next().unwrap(),
            );
            assert_eq!(order.name(), n.version_order, "{} {}", x.id, n.package);
            let installed = installed_for(x, &n.package)
                .unwrap_or_else(|| panic!("{}: no reason names {}", x.id, n.package));
            assert_eq!(
                medsec_versions::compare(order, &installed, &n.version),
                Ok(std::cmp::Ordering::Less),
                "{}: {} {} {installed} -> {}",
                p.display(),
                x.id,
                n.package,
                n.version
            );
            checked += 1;
            if p.starts_with(&examples) {
                from_examples += 1;
            }
        }
    }
    eprintln!(
        "{checked} nearest fixed versions checked ({from_examples} from examples/) over {} SBOMs",
        files.len()
    );
    assert!(checked > 100, "{checked}");
    assert!(from_examples > 5, "{from_examples}");
}
