//! The loader refuses manifests it cannot serve faithfully, naming what is wrong.

mod common;

use std::path::Path;

use medsec_model::{Model, ModelError};
use serde_json::{json, Value};

/// A copy of the shipped model directory and its manifest as JSON.
fn fixture() -> (tempfile::TempDir, Value) {
    let shipped = common::shipped_model().expect("models/exploitation/manifest.json is missing");
    let dir = tempfile::tempdir().unwrap();
    common::copy_model(&shipped, dir.path(), |_| {});
    let text = std::fs::read(dir.path().join("manifest.json")).unwrap();
    (dir, serde_json::from_slice(&text).unwrap())
}

#[test]
fn tiny_model_with_every_feature_kind_loads() {
    // Standardize, v2 and v4 metrics and Gemm/Relu/Softmax, which the
    // shipped model does not use.
    let Some(python) = common::python("tiny_model_with_every_feature_kind_loads") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    common::tiny_model(&python, dir.path(), "2026.11.27-1", 7);
    let model = Model::load(dir.path()).unwrap();
    assert_eq!(model.predict(&common::inputs(16)).unwrap().len(), 16);

    // Its int64 label output is never read as probabilities.
    let mut m: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    m["output"]["name"] = json!("label");
    m["output"]["column"] = json!(0);
    let e = refused(dir.path(), &m);
    assert!(e.contains("\"label\"") && e.contains("float32"), "{e}");
}

fn refused(dir: &Path, manifest: &Value) -> String {
    common::write_manifest(dir, manifest);
    match Model::load(dir) {
        Ok(_) => panic!("manifest was accepted: {manifest}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn shipped_model_loads_and_predicts_probabilities() {
    let (dir, _) = fixture();
    let model = Model::load(dir.path()).unwrap();
    let p = model.predict(&[Default::default()]).unwrap();
    assert_eq!(p.len(), 1);
    assert!((0.0..=1.0).contains(&p[0]), "{p:?}");
    assert!(model.predict(&[]).unwrap().is_empty());
}

#[test]
fn refuses_unknown_feature_kind() {
    let (dir, mut m) = fixture();
    m["features"][3] = json!({"name": "epss_score", "kind": "epss"});
    let e = refused(dir.path(), &m);
    assert!(e.contains("epss_score") && e.contains("\"epss\""), "{e}");
}

#[test]
fn refuses_unknown_family_metric_field_and_decision() {
    let (dir, m) = fixture();
    let cases = [
        (
            0,
            json!({"name": "x", "kind": "cvss_metric", "cvss": "v5", "metric": "AV", "value": "N"}),
            "v5",
        ),
        (
            0,
            json!({"name": "x", "kind": "cvss_metric", "cvss": "v3", "metric": "AT", "value": "N"}),
            "AT",
        ),
        (
            12,
            json!({"name": "x", "kind": "category", "field": "vendor", "values": ["acme"]}),
            "vendor",
        ),
        (
            10,
            json!({"name": "x", "kind": "ssvc", "decision": "exploitation", "value": "active"}),
            "exploitation",
        ),
        (
            7,
            json!({"name": "x", "kind": "standardize", "of": {"kind": "cvss_base_score", "cvss": "v3"}, "mean": 1.0, "std": 0.0}),
            "std",
        ),
    ];
    for (at, feature, word) in cases {
        let mut m = m.clone();
        m["features"][at] = feature;
        let e = refused(dir.path(), &m);
        assert!(
            e.contains(&format!("#{at} \"x\"")) && e.contains(word),
            "{e}"
        );
    }
}

#[test]
fn refuses_other_schema_version() {
    let (dir, mut m) = fixture();
    m["feature_schema_version"] = json!(2);
    let e = refused(dir.path(), &m);
    assert!(e.contains("feature_schema_version is 2"), "{e}");
}

#[test]
fn refuses_width_mismatch() {
    let (dir, mut m) = fixture();
    let width = m["input"]["width"].as_u64().unwrap();
    m["input"]["width"] = json!(width + 1);
    let e = refused(dir.path(), &m);
    assert!(e.contains("input.width"), "{e}");

    // Consistent manifest, but the graph's own input is wider.
    let mut m2 = m.clone();
    m2["input"]["width"] = json!(width - 1);
    m2["features"].as_array_mut().unwrap().pop();
    let e = refused(dir.path(), &m2);
    assert!(e.contains(&format!("[batch, {width}]")), "{e}");
}

#[test]
fn refuses_bad_sha256() {
    let (dir, mut m) = fixture();
    let good = m["sha256"].as_str().unwrap().to_owned();
    let mut bad = good.clone().into_bytes();
    bad[0] = if bad[0] == b'0' { b'1' } else { b'0' };
    m["sha256"] = json!(String::from_utf8(bad).unwrap());
    common::write_manifest(dir.path(), &m);
    let e = Model::load(dir.path()).unwrap_err();
    assert!(matches!(e, ModelError::Checksum { .. }), "{e}");
    assert!(e.to_string().contains(&good), "{e}");
}

#[test]
fn refuses_names_and_shapes_the_graph_does_not_have() {
    let (dir, m) = fixture();
    let mut a = m.clone();
    a["input"]["name"] = json!("float_input");
    let e = refused(dir.path(), &a);
    assert!(
        e.contains("float_input") && e.contains("\"features\""),
        "{e}"
    );

    let mut b = m.clone();
    b["output"]["name"] = json!("output_probability");
    let e = refused(dir.path(), &b);
    let real = m["output"]["name"].as_str().unwrap();
    assert!(
        e.contains("output_probability") && e.contains(&format!("{real:?}")),
        "{e}"
    );

    let mut d = m.clone();
    d["output"]["column"] = json!(2);
    let e = refused(dir.path(), &d);
    assert!(e.contains("column 2"), "{e}");
}
