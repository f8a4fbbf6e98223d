//! A 100,000-component CycloneDX JSON document is read with a peak resident
//! set under 4x its size (its own bytes included). Alone in its test binary
//! so that nothing else allocates meanwhile.

use std::fmt::Write as _;

use medsec_sbom::parse;

/// A document shaped like generator output (cdxgen, the CycloneDX Maven
/// plugin): purl, CPE, hashes, a licence, a VCS link, the FDA support
/// properties and a dependency entry per component.
fn document(n: usize) -> Vec<u8> {
    let mut s = String::from(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{"timestamp":"2024-01-01T00:00:00Z","component":{"bom-ref":"app","type":"application","name":"app","version":"1.0.0"}},"components":["#,
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"bom-ref":"pkg:maven/org.example.group{g}/artifact-{i}@1.{i}.0?type=jar","type":"library","group":"org.example.group{g}","name":"artifact-{i}","version":"1.{i}.0","description":"Example artifact number {i}","scope":"required","hashes":[{{"alg":"SHA-256","content":"{h:064x}"}}],"licenses":[{{"license":{{"id":"Apache-2.0"}}}}],"purl":"pkg:maven/org.example.group{g}/artifact-{i}@1.{i}.0?type=jar","cpe":"cpe:2.3:a:example{g}:artifact-{i}:1.{i}.0:*:*:*:*:*:*:*","externalReferences":[{{"type":"vcs","url":"https://example.org/group{g}/artifact-{i}.git"}}],"properties":[{{"name":"Level of Support","value":"Actively maintained"}},{{"name":"End-of-Support","value":"2030-12-31"}}]}}"#,
            g = i % 100,
            h = i as u128 * 0x9e37_79b9_7f4a_7c15,
        );
    }
    s.push_str(r#"],"dependencies":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let next = (i + 1) % n;
        let _ = write!(
            s,
            r#"{{"ref":"pkg:maven/org.example.group{g}/artifact-{i}@1.{i}.0?type=jar","dependsOn":["pkg:maven/org.example.group{g2}/artifact-{next}@1.{next}.0?type=jar"]}}"#,
            g = i % 100,
            g2 = next % 100,
        );
    }
    s.push_str("]}");
    s.into_bytes()
}

#[cfg(target_os = "linux")]
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

#[cfg(target_os = "linux")]
#[test]
fn hundred_thousand_components_fit_in_four_times_the_file() {
    let n = 100_000;
    let mut bytes = document(n);
    bytes.shrink_to_fit();
    // Forget the peak reached while the document was generated.
    if let Err(e) = std::fs::write("/proc/self/clear_refs", "5") {
        medsec_testdata::say_skipped(
            "hundred_thousand_components_fit_in_four_times_the_file",
            &format!("cannot reset the peak RSS ({e})"),
        );
        return;
    }
    let sbom = parse(&bytes).unwrap();
    let peak = peak_rss_bytes();
    assert_eq!(sbom.components.len(), n + 1);
    assert_eq!(sbom.edges.len(), n);
    let size = bytes.len() as u64;
    eprintln!(
        "file {} MB, peak RSS {} MB ({:.2}x)",
        size >> 20,
        peak >> 20,
        peak as f64 / size as f64
    );
    assert!(peak < 4 * size, "peak RSS {peak} >= 4 x {size}");
}
