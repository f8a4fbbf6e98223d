//! Collects the CPE strings found in the shared SBOMs and NVD records.

use std::collections::BTreeSet;
use std::path::Path;

/// Every JSON string value starting with `cpe:` in the JSON files (plain or
/// gzipped) under `sboms/` and `vulns/nvd/`: CycloneDX `cpe`, SPDX
/// `referenceLocator`, NVD `criteria` and `cpe23Uri`, and the like.
pub fn shared_cpe_strings(data: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for dir in ["sboms", "vulns/nvd"] {
        for path in medsec_testdata::files_under(&data.join(dir)) {
            let name = path.to_string_lossy();
            if !(name.ends_with(".json") || name.ends_with(".json.gz")) {
                continue;
            }
            let bytes = medsec_testdata::read(&path);
            // A few example files are not JSON documents; they hold no CPEs.
            let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                continue;
            };
            collect(&json, &mut out);
        }
    }
    out
}

fn collect(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::String(s)
            if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("cpe:")) =>
        {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| collect(i, out)),
        _ => {}
    }
}
