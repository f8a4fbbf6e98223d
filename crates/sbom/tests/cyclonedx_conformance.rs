//! The official CycloneDX conformance fixtures (specification repository,
//! `tools/src/test/resources/{1.4,1.5,1.6}`): every `valid-*` document is
//! accepted and every `invalid-*` one is refused as Invalid (or Syntax).

use std::path::Path;

use medsec_sbom::{cyclonedx, parse, Limits, SbomError};

/// Invalid fixtures that break no rule the normalized model can see, with
/// the reason. Each is asserted to be accepted, so the list stays honest.
const EXCEPTIONS: &[(&str, &str)] = &[];

/// The rule each invalid fixture breaks, by fixture name without version and
/// extension: a rejection for another reason would hide a missing rule.
const RULES: &[(&str, &[&str])] = &[
    ("invalid-bomformat", &["bom-format"]),
    (
        "invalid-component-ref",
        &["bom-ref-unique", "ref-not-empty"],
    ),
    ("invalid-component-swid", &["required-field"]),
    ("invalid-component-type", &["component-type"]),
    ("invalid-dependency", &["required-field", "ref-not-empty"]),
    ("invalid-empty-component", &["required-field"]),
    ("invalid-hash-alg", &["hash-alg"]),
    ("invalid-hash-md5", &["hash-content"]),
    ("invalid-hash-sha1", &["hash-content"]),
    ("invalid-hash-sha256", &["hash-content"]),
    ("invalid-hash-sha512", &["hash-content"]),
    ("invalid-issue-type", &["issue-type"]),
    ("invalid-license-choice", &["license-choice"]),
    (
        "invalid-license-declared-concluded-mix",
        &["license-choice"],
    ),
    ("invalid-license-encoding", &["encoding"]),
    ("invalid-license-id", &["license-id"]),
    ("invalid-license-id-count", &["xml-occurrence"]),
    (
        "invalid-license-missing-id-and-name",
        &["license-id-or-name"],
    ),
    ("invalid-license-name-count", &["xml-occurrence"]),
    ("invalid-metadata-license", &["license-id"]),
    ("invalid-metadata-timestamp", &["timestamp"]),
    ("invalid-missing-component-type", &["required-field"]),
    ("invalid-namespace", &["namespace"]),
    ("invalid-patch-type", &["patch-type"]),
    ("invalid-properties", &["required-field"]),
    ("invalid-scope", &["scope"]),
    ("invalid-serialnumber", &["serial-number"]),
    ("invalid-service-data", &["data-flow"]),
];

/// `invalid-hash-md5-1.6.json` -> `invalid-hash-md5`.
fn stem(name: &str) -> &str {
    let base = name.rsplit_once('.').map_or(name, |(b, _)| b);
    base.rsplit_once('-').map_or(base, |(b, _)| b)
}

fn parse_direct(path: &Path, bytes: &[u8]) -> Result<medsec_sbom::Sbom, SbomError> {
    let limits = Limits::default();
    if path.extension().is_some_and(|e| e == "xml") {
        cyclonedx::parse_xml(bytes, &limits)
    } else {
        cyclonedx::parse_json(bytes, &limits)
    }
}

#[test]
fn official_fixtures_are_accepted_or_rejected() {
    let Some(data) = medsec_testdata::require("official_fixtures_are_accepted_or_rejected") else {
        return;
    };
    let (mut accepted, mut rejected, mut excepted) = (0, 0, 0);
    let mut failures = Vec::new();
    for version in ["1.4", "1.5", "1.6"] {
        let dir = data.join("testvectors/cyclonedx-spec").join(version);
        for path in medsec_testdata::files_under(&dir) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = medsec_testdata::read(&path);
            let direct = parse_direct(&path, &bytes);
            let detected = parse(&bytes);
            if direct != detected {
                failures.push(format!(
                    "{version}/{name}: parse() and the direct reader disagree"
                ));
            }
            let exception = EXCEPTIONS.iter().find(|(n, _)| *n == name);
            if name.starts_with("valid-") || exception.is_some() {
                match direct {
                    Ok(sbom) => {
                        assert_eq!(sbom.spec_version, version, "{name}");
                        if exception.is_some() {
                            excepted += 1;
                        } else {
                            accepted += 1;
                        }
                    }
                    Err(e) => failures.push(format!("{version}/{name}: refused: {e}")),
                }
            } else if name.starts_with("invalid-") {
                let expected = RULES
                    .iter()
                    .find(|(n, _)| *n == stem(&name))
                    .map(|(_, r)| *r);
                match direct {
                    Err(SbomError::Invalid { rule, .. }) => match expected {
                        Some(rules) if rules.contains(&rule.as_str()) => rejected += 1,
                        _ => failures.push(format!(
                            "{version}/{name}: refused by rule {rule}, expected one of {expected:?}"
                        )),
                    },
                    Err(SbomError::Syntax { .. }) => rejected += 1,
                    Err(e) => failures.push(format!("{version}/{name}: wrong error kind: {e}")),
                    Ok(_) => failures.push(format!("{version}/{name}: accepted")),
                }
            }
        }
    }
    eprintln!("fixtures: {accepted} valid accepted, {rejected} invalid rejected, {excepted} documented exceptions");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        accepted > 200 && rejected > 60,
        "fixtures missing: {accepted} / {rejected}"
    );
}
