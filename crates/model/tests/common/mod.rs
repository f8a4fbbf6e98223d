//! Test support: tiny models made by `support/make_tiny_model.py`,
//! onnxruntime as the reference, the shipped model.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use medsec_model::Manifest;

pub fn support(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(file)
}

/// Python with `onnx` and `onnxruntime` (the oracle venv), or a skip line.
pub fn python(test: &str) -> Option<PathBuf> {
    let python = medsec_testdata::oracles::python_with("onnxruntime, onnx");
    if python.is_none() {
        medsec_testdata::oracles::skip(test, "onnxruntime");
    }
    python
}

/// Writes a tiny model directory `dir` with the given version and weights seed.
pub fn tiny_model(python: &Path, dir: &Path, version: &str, seed: u32) {
    let status = Command::new(python)
        .arg(support("make_tiny_model.py"))
        .arg(dir)
        .arg(version)
        .arg(seed.to_string())
        .status()
        .expect("run make_tiny_model.py");
    assert!(status.success(), "make_tiny_model.py failed");
}

/// The model the training pipeline ships, once it is in the tree.
pub fn shipped_model() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/exploitation");
    dir.join("manifest.json").is_file().then_some(dir)
}

pub fn manifest(dir: &Path) -> Manifest {
    Manifest::from_json(
        &std::fs::read(dir.join("manifest.json")).unwrap(),
        "manifest",
    )
    .unwrap()
}

pub fn write_manifest(dir: &Path, value: &serde_json::Value) {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(value).unwrap(),
    )
    .unwrap();
}

/// onnxruntime's probabilities for feature rows of the model in `dir`.
pub fn ort_predict(python: &Path, dir: &Path, rows: &[Vec<f32>]) -> Vec<f32> {
    let m = manifest(dir);
    let mut child = Command::new(python)
        .arg(support("ort.py"))
        .arg("predict")
        .arg(dir.join(&m.model_file))
        .arg(&m.input.name)
        .arg(&m.output.name)
        .arg(m.output.column.to_string())
        .arg(m.input.width.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run ort.py");
    let mut text = String::new();
    for row in rows {
        let line: Vec<String> = row.iter().map(|x| format!("{x:?}")).collect();
        text.push_str(&line.join(","));
        text.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "ort.py predict failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse::<f64>().unwrap() as f32)
        .collect()
}

/// onnxruntime's probabilities for `rows` (row-major, the model's width),
/// exchanged as raw float32.
pub fn ort_predict_bin(python: &Path, dir: &Path, rows: &[f32]) -> Vec<f32> {
    let m = manifest(dir);
    let mut child = Command::new(python)
        .arg(support("ort.py"))
        .arg("predict-bin")
        .arg(dir.join(&m.model_file))
        .arg(&m.input.name)
        .arg(&m.output.name)
        .arg(m.output.column.to_string())
        .arg(m.input.width.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run ort.py");
    let bytes: Vec<u8> = rows.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "ort.py predict-bin failed");
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// A few inputs of varied shape for concurrent predictions.
pub fn inputs(n: usize) -> Vec<medsec_model::ExploitInput> {
    use medsec_model::{ExploitInput, SourcedCvss};
    let vectors = [
        ("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ("3.1", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N"),
        ("3.0", "CVSS:3.0/AV:A/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N"),
        (
            "4.0",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ),
    ];
    let cnas = ["mitre", "GitHub_M", "redhat", "siemens"];
    (0..n)
        .map(|i| ExploitInput {
            cvss: vec![SourcedCvss {
                source: if i % 2 == 0 { "cna" } else { "adp" }.into(),
                version: vectors[i % vectors.len()].0.into(),
                vector: vectors[i % vectors.len()].1.into(),
            }],
            cna_cwes: vec![["CWE-79", "CWE-89", "NVD-CWE-noinfo"][i % 3].into()],
            adp_cwes: Vec::new(),
            ssvc_automatable: Some(if i % 5 == 0 { "Yes" } else { "no" }.into()),
            ssvc_technical_impact: Some(if i % 7 == 0 { "total" } else { "partial" }.into()),
            cna_short_name: Some(cnas[i % cnas.len()].into()),
        })
        .collect()
}

/// Publish, list, fetch, current and rollback on any store. `a` and `b` are
/// model directories of versions 2026.11.27-1 and 2026.11.27-2.
pub async fn exercise_store<S: medsec_model::ModelStore>(store: &S, a: &Path, b: &Path) {
    use medsec_model::{Model, ModelError};
    assert_eq!(store.current().await.unwrap(), None);
    assert!(store.list().await.unwrap().is_empty());
    assert!(matches!(store.rollback().await, Err(ModelError::NoCurrent)));

    let v1 = store.publish(a).await.unwrap();
    assert_eq!(v1, "2026.11.27-1");
    assert_eq!(store.current().await.unwrap().as_deref(), Some(v1.as_str()));
    let e = store.publish(a).await.unwrap_err();
    assert!(matches!(e, ModelError::VersionExists(_)), "{e}");

    let fetched = store.fetch(&v1).await.unwrap();
    let model = Model::load(&fetched).unwrap();
    assert_eq!(model.version(), v1);
    assert_eq!(model.manifest(), &manifest(a));

    let v2 = store.publish(b).await.unwrap();
    assert_eq!(store.list().await.unwrap(), vec![v1.clone(), v2.clone()]);
    assert_eq!(store.current().await.unwrap().as_deref(), Some(v2.as_str()));
    let m2 = Model::load(&store.fetch(&v2).await.unwrap()).unwrap();
    assert_ne!(
        m2.predict(&inputs(8)).unwrap(),
        model.predict(&inputs(8)).unwrap(),
        "the two versions should be different models"
    );

    assert_eq!(store.rollback().await.unwrap(), v1);
    assert_eq!(store.current().await.unwrap().as_deref(), Some(v1.as_str()));
    let e = store.rollback().await.unwrap_err();
    assert!(matches!(e, ModelError::NoPrevious(_)), "{e}");

    let e = store.fetch("2026.01.01-9").await.unwrap_err();
    assert!(matches!(e, ModelError::NoSuchVersion(_)), "{e}");
    let e = store.fetch("../etc").await.unwrap_err();
    assert!(matches!(e, ModelError::NoSuchVersion(_)), "{e}");

    // An unservable directory is not published.
    let bad = tempfile::tempdir().unwrap();
    for f in ["model.onnx", "manifest.json"] {
        std::fs::copy(a.join(f), bad.path().join(f)).unwrap();
    }
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bad.path().join("manifest.json")).unwrap()).unwrap();
    m["version"] = serde_json::json!("2026.11.27-3");
    m["features"][0]["kind"] = serde_json::json!("mystery");
    write_manifest(bad.path(), &m);
    assert!(store.publish(bad.path()).await.is_err());
    assert_eq!(store.list().await.unwrap(), vec![v1, v2]);
}

/// A running watcher picks up a newly published version while predictions
/// run on other threads; every prediction completes, and a batch holding
/// the old model finishes on it.
pub async fn exercise_watcher<S: medsec_model::ModelStore + 'static>(store: S, next: &Path) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let watcher = Arc::new(medsec_model::ModelWatcher::start(store).await.unwrap());
    let old = watcher.model();
    let old_version = old.version().to_owned();
    let poller = watcher.clone().spawn(Duration::from_millis(50));

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let watcher = watcher.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let batch = inputs(256 + w);
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let model = watcher.model();
                    let p = model.predict(&batch).expect("prediction failed");
                    assert_eq!(p.len(), batch.len());
                    seen.push(model.version().to_owned());
                }
                seen
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(200)).await;
    let new_version = watcher.store().publish(next).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while watcher.model().version() != new_version {
        assert!(
            Instant::now() < deadline,
            "watcher did not pick up {new_version}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut versions = Vec::new();
    for w in workers {
        versions.extend(w.join().expect("a worker panicked"));
    }
    poller.abort();

    assert!(
        versions.contains(&old_version),
        "no batch ran on the old model"
    );
    assert!(
        versions.contains(&new_version),
        "no batch ran on the new model"
    );
    // Once a worker saw the new model it never went back.
    assert_eq!(old.version(), old_version);
    assert_eq!(old.predict(&inputs(4)).unwrap().len(), 4);
    assert_eq!(watcher.last_error(), None);
    assert_eq!(watcher.poll().await.unwrap(), None, "nothing new to load");
}

/// Copies the model directory `from` to `to` (manifest and model file),
/// applying `edit` to the manifest.
pub fn copy_model(from: &Path, to: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    std::fs::create_dir_all(to).unwrap();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(from.join("manifest.json")).unwrap()).unwrap();
    let file = m["model_file"].as_str().unwrap().to_owned();
    std::fs::copy(from.join(&file), to.join(&file)).unwrap();
    edit(&mut m);
    write_manifest(to, &m);
}

/// Two servable model directories of versions 2026.11.27-1 and -2 that
/// predict differently: the shipped model, and the same graph fed from the
/// CVSS v3.0 vector only (a manifest change, so the checksum still holds).
pub fn model_pair(work: &Path) -> (PathBuf, PathBuf) {
    let shipped = shipped_model().expect("models/exploitation/manifest.json is missing");
    let (a, b) = (work.join("a"), work.join("b"));
    copy_model(&shipped, &a, |m| m["version"] = "2026.11.27-1".into());
    copy_model(&shipped, &b, |m| {
        m["version"] = "2026.11.27-2".into();
        m["cvss_v3_preference"] = serde_json::json!(["cna_v3.0"]);
    });
    (a, b)
}
