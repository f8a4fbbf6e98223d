//! The settings the deployment files carry load through the same code the
//! services start with: the kustomize ConfigMap (with the production
//! overlay's variables), the Helm chart's default values and the
//! docker-compose environment. A key renamed in `Settings` and not in the
//! deployment files fails here, not in a cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use medsec_config::{QueueBackend, Settings};
use serde_norway::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("YAML document"))
        .collect()
}

fn load(toml: &str, env: &[(String, String)]) -> Settings {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("medsec.toml");
    std::fs::write(&file, toml).unwrap();
    Settings::load_from(Some(file.to_str().unwrap()), env.to_vec())
        .unwrap_or_else(|e| panic!("{e}\n--- file ---\n{toml}"))
}

/// The `env:` entries with literal values of every container in a manifest.
fn container_env(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let containers = &doc["spec"]["template"]["spec"]["containers"];
    for c in containers.as_sequence().into_iter().flatten() {
        for e in c["env"].as_sequence().into_iter().flatten() {
            if let (Some(k), Some(v)) = (e["name"].as_str(), e["value"].as_str()) {
                out.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    out
}

fn configmap_toml(path: &Path) -> String {
    let docs = yaml_documents(path);
    docs[0]["data"]["medsec.toml"]
        .as_str()
        .expect("data.medsec.toml")
        .to_owned()
}

#[test]
fn kustomize_base_configmap_loads_and_keeps_the_guide_pool_defaults() {
    let toml = configmap_toml(&repo().join("k8s/base/configmap.yaml"));
    let s = load(&toml, &[]);
    let defaults = Settings::default();
    assert_eq!(s.database.pool_size, defaults.database.pool_size);
    assert_eq!(s.database.overflow, defaults.database.overflow);
    assert_eq!(s.database.timeout_secs, defaults.database.timeout_secs);
    assert_eq!(s.database.recycle_secs, defaults.database.recycle_secs);
    // Reachable from outside the pod, and the worker knows where its inputs are.
    assert_eq!(s.api.host, "0.0.0.0");
    assert!(s.worker.kb_snapshot.is_some());
    assert!(s.worker.model_source.is_some());
}

#[test]
fn production_overlay_variables_override_the_base_file() {
    let toml = configmap_toml(&repo().join("k8s/base/configmap.yaml"));
    let base = load(&toml, &[]);
    for patch in ["api-deployment.yaml", "worker-deployment.yaml"] {
        let docs = yaml_documents(&repo().join("k8s/overlays/production").join(patch));
        let env = container_env(&docs[0]);
        let medsec: Vec<_> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("MEDSEC_") && k.contains("__"))
            .collect();
        assert!(!medsec.is_empty(), "{patch} sets no MEDSEC_ variable");
        let s = load(&toml, &medsec);
        assert_ne!(s, base, "{patch}: its variables changed nothing");
    }
}

#[test]
fn helm_default_values_load() {
    let docs = yaml_documents(&repo().join("helm/medsec/values.yaml"));
    // The chart writes `config:` into medsec.toml key by key; the same
    // mapping, serialised by the toml crate, must load.
    let config: BTreeMap<String, BTreeMap<String, toml::Value>> =
        serde_norway::from_value(docs[0]["config"].clone()).expect("config: section");
    let s = load(&toml::to_string(&config).unwrap(), &[]);
    assert_eq!(s.queue.backend, QueueBackend::Redis);
    assert_eq!(s.database.pool_size, Settings::default().database.pool_size);
}

#[test]
fn docker_compose_environment_loads() {
    let mut docs = yaml_documents(&repo().join("docker-compose.yml"));
    // The services share their variables through a `<<: *medsec-env` merge.
    docs[0].apply_merge().expect("YAML merge keys");
    let services = &docs[0]["services"];
    for name in ["api", "worker"] {
        let env: Vec<(String, String)> = services[name]["environment"]
            .as_mapping()
            .unwrap_or_else(|| panic!("services.{name}.environment"))
            .iter()
            .filter_map(|(k, v)| {
                let k = k.as_str()?.to_owned();
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other).ok()?.trim().to_owned(),
                };
                Some((k, v))
            })
            .filter(|(k, _)| k.starts_with("MEDSEC_"))
            .collect();
        let s = Settings::load_from(None, env).unwrap_or_else(|e| panic!("services.{name}: {e}"));
        assert_eq!(s.s3.endpoint.as_deref(), Some("http://minio:9000"));
        assert_eq!(s.api.host, "0.0.0.0");
    }
}
