//! Readers return errors, never panic, on damaged input: truncated files,
//! flipped bytes, values of the wrong type at every place of a record.

mod common;

use common::files;
use medsec_kb::{csaf, cve5, cwe, epss::EpssReader, kev, nvd, osv};
use serde_json::Value;

fn all_readers(bytes: &[u8]) {
    let _ = nvd::read(bytes, "f");
    let _ = cve5::read(bytes, "f");
    let _ = osv::read_json(bytes, "f");
    let _ = osv::read_yaml(bytes, "f");
    let _ = kev::read_json(bytes, "f");
    let _ = kev::read_csv(bytes, "f");
    let _ = csaf::read(bytes, "f");
    let _ = cwe::read_csv(bytes, "f");
    if let Ok(r) = EpssReader::new(bytes, "f") {
        r.for_each(drop);
    }
}

/// Every sub-value replaced, one at a time, by values of other types.
fn mutations(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut paths = Vec::new();
    collect_pointers(v, String::new(), &mut paths);
    for p in paths.iter().take(120) {
        for replacement in [
            Value::Null,
            Value::from(-1),
            Value::from("x"),
            Value::Array(vec![]),
        ] {
            let mut m = v.clone();
            if let Some(slot) = m.pointer_mut(p) {
                *slot = replacement;
                out.push(m);
            }
        }
    }
    out
}

fn collect_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect_pointers(c, p, out);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate().take(3) {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                collect_pointers(c, p, out);
            }
        }
        _ => {}
    }
}

#[test]
fn damaged_inputs_give_errors_not_panics() {
    let Some(data) = medsec_testdata::require("damaged_inputs") else {
        return;
    };
    let samples = [
        "vulns/nvd/fixtures/osv.dev-nvdcve-2.0/CVE-2023-4863.json",
        "vulns/nvd/records-fkie/CVE-2022-35737.json",
        "vulns/vulnrichment/records-icsma/CVE-2018-10631.json",
        "vulns/osv/crates.io",
        "vulns/osv/PyPI/matrix-synapse",
        "vulns/icsma-csaf/2024",
        "testvectors/epss/vunnel-example-1.csv",
        "vulns/cwe/cwe-view-1194.csv",
    ];
    let mut checked = 0;
    for s in samples {
        let path = data.join(s);
        let paths = if path.is_dir() {
            files(&path, &[".json", ".yaml"])
                .into_iter()
                .take(2)
                .collect()
        } else {
            vec![path]
        };
        for p in paths {
            let bytes = medsec_testdata::read(&p);
            for cut in [
                0,
                1,
                bytes.len() / 3,
                bytes.len() / 2,
                bytes.len().saturating_sub(1),
            ] {
                all_readers(&bytes[..cut]);
                checked += 1;
            }
            let mut flipped = bytes.clone();
            for i in (0..flipped.len()).step_by(97) {
                flipped[i] ^= 0x5a;
            }
            all_readers(&flipped);
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                for m in mutations(&v) {
                    let b = serde_json::to_vec(&m).unwrap();
                    let _ = nvd::read(&b, "m");
                    let _ = cve5::read(&b, "m");
                    let _ = osv::read_json(&b, "m");
                    let _ = csaf::read(&b, "m");
                    checked += 1;
                }
            }
        }
    }
    // Deep nesting stops at the parser's depth limit.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    all_readers(deep.as_bytes());
    // Deep YAML flow nesting is refused before parsing (its cost is
    // quadratic in depth): this must return at once, with an error.
    let deep_yaml = format!("id: {}", "[".repeat(100_000));
    let started = std::time::Instant::now();
    let err = osv::read_yaml(deep_yaml.as_bytes(), "deep.yaml").unwrap_err();
    assert!(err.to_string().contains("nest deeper"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    // Alias expansion ("billion laughs") is bounded by the YAML crate.
    let mut laughs = String::from("id: X-1\nmodified: 2024-01-01T00:00:00Z\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        laughs.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    laughs.push_str("database_specific: *a9\n");
    let started = std::time::Instant::now();
    let got = osv::read_yaml(laughs.as_bytes(), "laughs.yaml");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let got = got.unwrap();
    assert!(got.records.is_empty());
    assert!(
        got.rejected[0].to_string().contains("repetition limit"),
        "{}",
        got.rejected[0]
    );
    eprintln!("{checked} damaged inputs read without a panic");
}
