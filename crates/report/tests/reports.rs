//! Every format over real SBOMs analysed against the whole shared
//! knowledge base, checked against the published schemas (SARIF 2.1.0,
//! CycloneDX 1.6) and our own, and against the analysis itself.

mod browser;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use medsec_report::{Format, CSV_COLUMNS, SCHEMA_VERSION};
use support::{assert_valid, fixture, read_json, render, render_json};

fn schema_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schema"))
}

#[test]
fn canonical_json_validates_against_its_schema() {
    let Some(f) = fixture("canonical_json_validates_against_its_schema") else {
        return;
    };
    let schema = read_json(&schema_dir().join("medsec-report.schema.json"));
    assert_eq!(
        schema["properties"]["schema_version"]["const"], SCHEMA_VERSION,
        "the schema file and the crate name the same version"
    );
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("our schema compiles");
    for case in &f.cases {
        let doc = render_json(case, Format::Json);
        assert_valid(&case.name, &validator, &doc);
        // The document carries the analysis exactly.
        let analysis = serde_json::to_value(&case.analysis).unwrap();
        assert_eq!(doc["analysis"], analysis, "{}", case.name);
        assert_eq!(doc["source"]["name"], case.name.as_str());
        assert_eq!(doc["generated_at"], "2026-11-27T09:30:00Z");
        eprintln!(
            "{}: json valid, {} findings",
            case.name,
            case.analysis.findings.len()
        );
    }
    // The schema is not vacuous: a finding without a priority is refused.
    let case = f
        .cases
        .iter()
        .find(|c| !c.analysis.findings.is_empty())
        .expect("some SBOM has findings");
    let mut doc = render_json(case, Format::Json);
    doc["analysis"]["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("priority");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn sarif_validates_against_sarif_2_1_0() {
    let Some(f) = fixture("sarif_validates_against_sarif_2_1_0") else {
        return;
    };
    let schema = read_json(&f.data.join("schemas/sarif/sarif-schema-2.1.0.json"));
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    for case in &f.cases {
        let doc = render_json(case, Format::Sarif);
        assert_valid(&case.name, &validator, &doc);
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        let findings = &case.analysis.findings;
        assert_eq!(results.len(), findings.len(), "{}", case.name);
        let ids: BTreeSet<&str> = findings.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(rules.len(), ids.len(), "one rule per vulnerability");
        let refs: BTreeSet<&str> = case
            .sbom
            .components
            .iter()
            .map(|c| c.reference.as_str())
            .collect();
        for (r, finding) in results.iter().zip(findings) {
            let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"]);
            assert_eq!(r["ruleId"], finding.id.as_str());
            let want = match r["properties"]["priority"].as_str().unwrap() {
                "critical" | "high" => "error",
                "medium" => "warning",
                _ => "note",
            };
            assert_eq!(r["level"], want);
            let loc = &r["locations"][0];
            let logical = loc["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap();
            assert!(refs.contains(logical), "{}: {logical}", case.name);
            let artifact = &loc["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["index"], 0);
            assert_eq!(run["artifacts"][0]["location"]["uri"], artifact["uri"]);
            assert_eq!(
                r["properties"]["kev"].is_null(),
                finding.enrichment.kev.is_none()
            );
            assert_eq!(
                r["properties"]["epss"].is_null(),
                finding.enrichment.epss.is_none()
            );
        }
        eprintln!(
            "{}: sarif valid, {} results, {} rules",
            case.name,
            results.len(),
            rules.len()
        );
    }
}

fn cyclonedx_validator(data: &Path) -> jsonschema::Validator {
    let dir = data.join("schemas/cyclonedx");
    let bom = read_json(&dir.join("bom-1.6.schema.json"));
    let mut resources = Vec::new();
    for name in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        let schema = read_json(&dir.join(name));
        let id = schema["$id"].as_str().expect("$id").to_owned();
        resources.push((id, schema));
    }
    let registry = jsonschema::Registry::new()
        .extend(resources)
        .and_then(|b| b.prepare())
        .expect("SPDX and JSF schemas register");
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&bom)
        .expect("the CycloneDX 1.6 schema compiles")
}

#[test]
fn vex_validates_against_cyclonedx_1_6() {
    let Some(f) = fixture("vex_validates_against_cyclonedx_1_6") else {
        return;
    };
    let validator = cyclonedx_validator(&f.data);
    for case in &f.cases {
        let doc = render_json(case, Format::Vex);
        assert_valid(&case.name, &validator, &doc);
        assert_eq!(doc["specVersion"], "1.6");
        let refs: BTreeSet<&str> = doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        let vulns = doc["vulnerabilities"].as_array().unwrap();
        let findings = &case.analysis.findings;
        let ids: BTreeSet<&str> = findings.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            vulns.len(),
            ids.len(),
            "{}: one per vulnerability",
            case.name
        );
        // Every finding is one `affects` entry, pointing at a component of
        // the document.
        let mut affected: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for v in vulns {
            assert_eq!(v["analysis"]["state"], "in_triage");
            for a in v["affects"].as_array().unwrap() {
                let r = a["ref"].as_str().unwrap();
                assert!(refs.contains(r), "{}: {r}", case.name);
                affected
                    .entry(v["id"].as_str().unwrap())
                    .or_default()
                    .push(r);
            }
        }
        let mut want: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for x in findings {
            want.entry(x.id.as_str())
                .or_default()
                .push(x.component.reference.as_str());
        }
        assert_eq!(affected, want, "{}", case.name);
        // Every CVSS vector of a finding is rated, with its method.
        for v in vulns {
            let x = findings.iter().find(|x| x.id == v["id"]).unwrap();
            let vectors: BTreeSet<&str> = x
                .enrichment
                .cvss
                .iter()
                .map(|c| c.vector.as_str())
                .collect();
            let rated: BTreeSet<&str> = v["ratings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["vector"].as_str().unwrap())
                .collect();
            assert_eq!(rated, vectors, "{}", x.id);
            for (r, c) in v["ratings"]
                .as_array()
                .unwrap()
                .iter()
                .zip(&x.enrichment.cvss)
            {
                if c.version.as_deref() == Some("3.1") && r["vector"] == c.vector.as_str() {
                    assert_eq!(r["method"], "CVSSv31");
                }
            }
        }
        eprintln!(
            "{}: vex valid, {} vulnerabilities, {} affects",
            case.name,
            vulns.len(),
            findings.len()
        );
    }
}

#[test]
fn csv_has_one_row_per_finding() {
    let Some(f) = fixture("csv_has_one_row_per_finding") else {
        return;
    };
    for case in &f.cases {
        let bytes = render(case, Format::Csv);
        let mut r = csv::Reader::from_reader(&bytes[..]);
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), case.analysis.findings.len(), "{}", case.name);
        let col = |n: &str| CSV_COLUMNS.iter().position(|c| *c == n).unwrap();
        for (row, x) in rows.iter().zip(&case.analysis.findings) {
            assert_eq!(row.len(), CSV_COLUMNS.len());
            assert_eq!(&row[col("id")], x.id);
            assert_eq!(&row[col("component_ref")], x.component.reference);
            let relation = serde_json::to_value(&x.dependency).unwrap();
            assert_eq!(
                &row[col("dependency")],
                relation["relation"].as_str().unwrap()
            );
            assert_eq!(
                &row[col("kev")],
                if x.enrichment.kev.is_some() {
                    "true"
                } else {
                    "false"
                }
            );
        }
        eprintln!("{}: csv {} rows", case.name, rows.len());
    }
}

#[test]
fn table_lists_every_finding_and_the_coverage() {
    let Some(f) = fixture("table_lists_every_finding_and_the_coverage") else {
        return;
    };
    for case in &f.cases {
        let text = String::from_utf8(render(case, Format::Table)).unwrap();
        let a = &case.analysis;
        // Data rows of the table: lines that start with the left border
        // and a priority name.
        let rows = text
            .lines()
            .filter(|l| {
                ["critical", "high", "medium", "low"]
                    .iter()
                    .any(|p| l.trim_start_matches(['│', ' ']).starts_with(p))
            })
            .count();
        assert_eq!(rows, a.findings.len(), "{}", case.name);
        let cov = &a.coverage;
        let line = format!(
            "coverage: {} components: {} matched, {} no known vulnerabilities, {} not checkable",
            cov.components.len(),
            cov.matched,
            cov.no_known_vulnerabilities,
            cov.not_checkable
        );
        assert!(text.contains(&line), "{}: {line}", case.name);
        if case.name.contains("medical") {
            eprintln!("{text}");
        }
    }
}

#[test]
fn every_format_is_deterministic_and_written_whole() {
    let Some(f) = fixture("every_format_is_deterministic_and_written_whole") else {
        return;
    };
    let case = &f.cases[0];
    for format in Format::ALL {
        let a = render(case, format);
        let b = render(case, format);
        assert!(a == b, "{format} differs between two renders");
        assert!(!a.is_empty());
    }
}

#[test]
fn html_escapes_every_value() {
    let Some(f) = fixture("html_escapes_every_value") else {
        return;
    };
    let case = support::hostile_case(f);
    let html = String::from_utf8(render(&case, Format::Html)).unwrap();
    assert!(!html.contains("<img"), "raw markup in the page");
    assert!(
        html.contains("&lt;img src=x onerror=&quot;console.error('injected')&quot;&gt;&amp;amp;")
    );
    // The other formats carry the name verbatim and stay well formed.
    for format in [Format::Json, Format::Sarif, Format::Vex] {
        let doc = support::render_json(&case, format);
        assert!(doc.to_string().contains("onerror"), "{format}");
    }
    let csv = render(&case, Format::Csv);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&csv[..])
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), case.analysis.findings.len());
    // No cell a spreadsheet would run as a formula; the name is kept after a quote.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
        assert!(row.iter().any(|c| c.starts_with("'=HYPERLINK")), "{row:?}");
    }
}
