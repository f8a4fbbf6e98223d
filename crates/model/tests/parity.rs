//! tract against onnxruntime on the same rows, and (with the shipped model)
//! the Rust feature builder against the training pipeline's own vectors.

mod common;

use medsec_model::Model;

/// Deterministic pseudo-random rows: features of both kinds (0/1 flags and
/// scaled scores) without a test-only RNG dependency.
fn rows(n: usize, width: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..n)
        .map(|_| {
            (0..width)
                .map(|j| {
                    let x = next();
                    if j % 3 == 0 {
                        (x * 4.0) - 2.0
                    } else {
                        f32::from(x > 0.5)
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn tract_matches_onnxruntime_on_tiny_model() {
    let test = "tract_matches_onnxruntime_on_tiny_model";
    let Some(python) = common::python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    common::tiny_model(&python, dir.path(), "2026.11.27-1", 11);
    let model = Model::load(dir.path()).unwrap();
    // Past one chunk, so a batch runs in several.
    let rows = rows(
        medsec_model::CHUNK_ROWS * 2 + 37,
        model.features().width(),
        42,
    );
    let expected = common::ort_predict(&python, dir.path(), &rows);
    let flat: Vec<f32> = rows.concat();
    let batched = model.predict_rows(&flat).unwrap();
    assert_eq!(batched.len(), expected.len());
    let mut max = 0f32;
    for (i, (row, (t, o))) in rows.iter().zip(batched.iter().zip(&expected)).enumerate() {
        let single = model.predict_rows(row).unwrap();
        assert_eq!(
            single,
            vec![*t],
            "row {i}: batch of 1 differs from batch of 500"
        );
        max = max.max((t - o).abs());
        assert!((t - o).abs() <= 1e-5, "row {i}: tract {t} onnxruntime {o}");
    }
    eprintln!(
        "{test}: {} rows, max |tract - onnxruntime| = {max:e}",
        rows.len()
    );
}

/// The raw fields of a CVE (a row of the shared vulnrichment summary) as
/// the engine would fill them.
fn input_of(row: &csv::StringRecord, headers: &csv::StringRecord) -> medsec_model::ExploitInput {
    use medsec_model::{ExploitInput, SourcedCvss};
    let field = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i))
            .unwrap_or_else(|| panic!("the summary has no column {name}"))
            .to_owned()
    };
    let opt = |name: &str| Some(field(name)).filter(|s| !s.is_empty());
    let mut cvss = Vec::new();
    for (column, source, version) in [
        ("cna_cvss_v31_vector", "cna", "3.1"),
        ("cna_cvss_v30_vector", "cna", "3.0"),
        ("cna_cvss_v40_vector", "cna", "4.0"),
        ("cna_cvss_v2_vector", "cna", "2.0"),
        ("adp_cvss_v31_vector", "adp", "3.1"),
    ] {
        if let Some(vector) = opt(column) {
            cvss.push(SourcedCvss {
                source: source.into(),
                version: version.into(),
                vector,
            });
        }
    }
    let list = |name: &str| field(name).split(';').map(str::to_owned).collect();
    ExploitInput {
        cvss,
        cna_cwes: list("cna_cwe_ids"),
        adp_cwes: list("adp_cwe_ids"),
        ssvc_automatable: opt("ssvc_automatable"),
        ssvc_technical_impact: opt("ssvc_technical_impact"),
        cna_short_name: opt("cna_short_name"),
    }
}

#[test]
fn shipped_model_features_and_probabilities_match_the_pipeline() {
    let test = "shipped_model_features_and_probabilities_match_the_pipeline";
    let dir = common::shipped_model().expect("models/exploitation/manifest.json is missing");
    let model = Model::load(&dir).unwrap();
    // parity.csv holds only ids, the pipeline's feature vectors and
    // probabilities; the raw fields come from the shared data in place.
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let summary_bytes =
        medsec_testdata::read(&data.join("vulns/nvd-summary/vulnrichment_summary.derived.csv.gz"));
    let mut summary = csv::Reader::from_reader(&summary_bytes[..]);
    let summary_headers = summary.headers().unwrap().clone();
    let id_column = summary_headers
        .iter()
        .position(|h| h == "cve_id")
        .expect("cve_id column");
    let raw_rows: std::collections::HashMap<String, csv::StringRecord> = summary
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[id_column].to_owned(), r))
        .collect();
    let mut reader = csv::Reader::from_path(dir.join("parity.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("parity.csv has no column {name}"))
    };
    let feature_columns: Vec<usize> = model.features().names().iter().map(|n| column(n)).collect();
    let probability = column("probability");

    let mut inputs = Vec::new();
    let mut python_rows = Vec::new();
    let mut recorded = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let cve = &row[column("cve_id")];
        let raw = raw_rows
            .get(cve)
            .unwrap_or_else(|| panic!("{cve} of parity.csv is not in the shared summary"));
        let input = input_of(raw, &summary_headers);
        let expected: Vec<f32> = feature_columns
            .iter()
            .map(|&c| row[c].parse::<f32>().unwrap())
            .collect();
        let built = model.features().build(&input);
        for (j, (b, e)) in built.iter().zip(&expected).enumerate() {
            assert!(
                b.to_bits() == e.to_bits(),
                "row {i} ({}): feature {} is {b}, the pipeline has {e}",
                &row[column("cve_id")],
                model.features().names()[j]
            );
        }
        inputs.push(input);
        python_rows.push(expected);
        recorded.push(row[probability].parse::<f32>().unwrap());
    }
    assert_eq!(inputs.len(), 200, "parity.csv should hold 200 rows");

    let tract = model.predict(&inputs).unwrap();
    let max_recorded = tract
        .iter()
        .zip(&recorded)
        .map(|(t, r)| (t - r).abs())
        .fold(0f32, f32::max);
    assert!(
        max_recorded <= 1e-5,
        "tract vs recorded onnxruntime: {max_recorded}"
    );
    eprintln!("{test}: {} rows, features identical, max |tract - recorded onnxruntime| = {max_recorded:e}", inputs.len());

    let Some(python) = common::python(test) else {
        return;
    };
    let live = common::ort_predict(&python, &dir, &python_rows);
    let max_live = tract
        .iter()
        .zip(&live)
        .map(|(t, o)| (t - o).abs())
        .fold(0f32, f32::max);
    assert!(max_live <= 1e-5, "tract vs onnxruntime: {max_live}");
    eprintln!("{test}: max |tract - onnxruntime (live)| = {max_live:e}");
}

/// Every row of the knowledge-base summary the pipeline trains on (about
/// 44,000 CVEs): the Rust features equal the pipeline's own `features.py`,
/// run live from scripts/ml in its venv, bit for bit.
#[test]
fn features_match_the_pipeline_on_every_summary_row() {
    let test = "features_match_the_pipeline_on_every_summary_row";
    let Some(data) = medsec_testdata::require(test) else {
        return;
    };
    let summary = data.join("vulns/nvd-summary/vulnrichment_summary.derived.csv.gz");
    let cache = std::env::var_os("MEDSEC_CACHE_DIR").map_or_else(
        || {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/medsec")
        },
        std::path::PathBuf::from,
    );
    let python = cache.join("ml-venv/bin/python");
    if !python.is_file() {
        medsec_testdata::say_skipped(test, "training venv missing (run scripts/ml/train)");
        return;
    }
    let dir = common::shipped_model().expect("models/exploitation/manifest.json is missing");
    let model = Model::load(&dir).unwrap();
    let width = model.features().width();

    let scripts_ml = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ml");
    let out = std::process::Command::new(&python)
        .arg(common::support("pipeline_features.py"))
        .arg(&scripts_ml)
        .arg(dir.join("manifest.json"))
        .arg(&summary)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pipeline_features.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<f32> = out
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();

    let bytes = medsec_testdata::read(&summary);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().unwrap().clone();
    let mut rows = 0;
    let mut inputs = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        inputs.push(input_of(&row, &headers));
        let built = model.features().build(&inputs[i]);
        let want = expected
            .get(i * width..(i + 1) * width)
            .expect("the pipeline returned fewer rows");
        for (j, (b, e)) in built.iter().zip(want).enumerate() {
            assert!(
                b.to_bits() == e.to_bits(),
                "row {i} ({}): feature {} is {b}, the pipeline has {e}",
                &row[0],
                model.features().names()[j]
            );
        }
        rows += 1;
    }
    assert_eq!(rows * width, expected.len(), "row counts differ");
    assert!(rows > 40_000, "only {rows} rows");
    eprintln!("{test}: {rows} rows x {width} features identical");

    // And the model on all of them: tract (in chunks) against onnxruntime
    // on the pipeline's matrix.
    let Some(ort) = common::python(test) else {
        return;
    };
    let tract = model.predict(&inputs).unwrap();
    let reference = common::ort_predict_bin(&ort, &dir, &expected);
    assert_eq!(tract.len(), reference.len());
    let max = tract
        .iter()
        .zip(&reference)
        .map(|(t, o)| (t - o).abs())
        .fold(0f32, f32::max);
    assert!(max <= 1e-5, "tract vs onnxruntime: {max}");
    eprintln!("{test}: max |tract - onnxruntime| over {rows} rows = {max:e}");
}
