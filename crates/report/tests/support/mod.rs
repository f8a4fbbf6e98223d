//! Real SBOMs of the shared data analysed against an index of all of its
//! `vulns/`, built once per test binary with the index crate's loader.
#![allow(dead_code)]

// The index crate's loader for the shared knowledge-base files.
#[path = "../../../index/tests/common/mod.rs"]
mod loader;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use medsec_engine::{Analyser, Analysis, DeviceContext, KnowledgeScope, Options};
use medsec_index::Index;
use medsec_report::{Format, ReportContext};
use medsec_sbom::Sbom;

pub struct Fixture {
    pub data: PathBuf,
    pub index: Index,
    pub scope: KnowledgeScope,
    pub cases: Vec<Case>,
}

pub struct Case {
    /// The SBOM's path below the shared data directory.
    pub name: String,
    pub sbom: Sbom,
    pub analysis: Analysis,
}

/// The medical-device SBOMs and the large ones.
fn sbom_paths(data: &Path) -> Vec<PathBuf> {
    let mut v = medsec_testdata::files_under(&data.join("sboms/medical"));
    v.extend(medsec_testdata::files_under(&data.join("sboms/large")));
    v
}

pub fn fixture(test: &str) -> Option<&'static Fixture> {
    static F: OnceLock<Fixture> = OnceLock::new();
    let data = medsec_testdata::require(test)?;
    Some(F.get_or_init(|| {
        let index = loader::builder(loader::load(&data)).build(1);
        let scope = KnowledgeScope::from_index(&index);
        let cases = sbom_paths(&data)
            .into_iter()
            .map(|p| {
                let name = p.strip_prefix(&data).unwrap_or(&p).display().to_string();
                let sbom = medsec_sbom::parse(&medsec_testdata::read(&p))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let analysis = analyse(&index, &scope, &sbom);
                Case {
                    name,
                    sbom,
                    analysis,
                }
            })
            .collect();
        Fixture {
            data,
            index,
            scope,
            cases,
        }
    }))
}

pub fn analyse(index: &Index, scope: &KnowledgeScope, sbom: &Sbom) -> Analysis {
    let options = Options {
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 27),
    };
    Analyser::new(index, scope).analyse(sbom, &DeviceContext::default(), &options)
}

pub fn generated_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn context(name: &str) -> ReportContext<'_> {
    ReportContext {
        source_name: name,
        generated_at: generated_at(),
        tool_version: env!("CARGO_PKG_VERSION"),
    }
}

pub fn render(case: &Case, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    medsec_report::render(&case.analysis, &context(&case.name), format, &mut out)
        .unwrap_or_else(|e| panic!("{} {format}: {e}", case.name));
    out
}

pub fn render_json(case: &Case, format: Format) -> serde_json::Value {
    serde_json::from_slice(&render(case, format))
        .unwrap_or_else(|e| panic!("{} {format}: not JSON: {e}", case.name))
}

/// Panics with every schema error (at most 20) of `instance`.
pub fn assert_valid(what: &str, validator: &jsonschema::Validator, instance: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(20)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&medsec_testdata::read(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Markup that runs script if a report fails to escape it.
pub const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\")<img src=x onerror=\"console.error('injected')\">&amp;'\"</td></tr>";

/// A medical SBOM whose matched components are renamed to [`HOSTILE`],
/// analysed again.
pub fn hostile_case(f: &Fixture) -> Case {
    let base = f
        .cases
        .iter()
        .find(|c| c.name.contains("medical") && !c.analysis.findings.is_empty())
        .expect("a medical SBOM with findings");
    let mut sbom = base.sbom.clone();
    let matched: std::collections::BTreeSet<&str> = base
        .analysis
        .findings
        .iter()
        .map(|x| x.component.reference.as_str())
        .collect();
    for c in &mut sbom.components {
        if matched.contains(c.reference.as_str()) {
            c.name = format!("{HOSTILE}{}", c.name);
        }
    }
    let analysis = analyse(&f.index, &f.scope, &sbom);
    assert_eq!(analysis.findings.len(), base.analysis.findings.len());
    Case {
        name: format!("{HOSTILE}.json"),
        sbom,
        analysis,
    }
}
