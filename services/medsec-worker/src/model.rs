//! Where the served exploitation model comes from: a model store watched
//! for new versions (S3 or a local store directory), a fixed model
//! directory, or none (the engine's documented rule alone).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use medsec_model::{LocalStore, Model, ModelError, ModelWatcher, S3Config, S3Store};

/// Version reported for results scored without a model.
pub const RULE_ONLY: &str = "rule";

/// How the worker finds its model.
#[derive(Debug, Clone)]
pub enum ModelLocation {
    /// Versions under `s3://bucket/prefix`, hot-reloaded.
    S3(S3Config),
    /// A local store directory (`<root>/<version>/`, `current.json`), hot-reloaded.
    Store(PathBuf),
    /// One model directory (manifest and model file), never reloaded.
    Directory(PathBuf),
    /// No model: the rule.
    None,
}

/// The model being served, swapped in place on hot reload.
pub enum ModelSource {
    S3(Arc<ModelWatcher<S3Store>>),
    Store(Arc<ModelWatcher<LocalStore>>),
    Fixed(Arc<Model>),
    None,
}

impl ModelSource {
    /// Loads the current model of `location`.
    pub async fn open(location: &ModelLocation) -> Result<ModelSource, ModelError> {
        Ok(match location {
            ModelLocation::S3(config) => {
                let store = S3Store::new(config.clone()).await;
                ModelSource::S3(Arc::new(ModelWatcher::start(store).await?))
            }
            ModelLocation::Store(root) => {
                let store = LocalStore::new(root.clone());
                ModelSource::Store(Arc::new(ModelWatcher::start(store).await?))
            }
            ModelLocation::Directory(dir) => {
                let dir = dir.clone();
                let model = tokio::task::spawn_blocking(move || Model::load(&dir))
                    .await
                    .map_err(|e| ModelError::Onnx {
                        context: "load".into(),
                        message: e.to_string(),
                    })??;
                ModelSource::Fixed(Arc::new(model))
            }
            ModelLocation::None => ModelSource::None,
        })
    }

    /// The model for the next job; a job keeps the one it started with.
    pub fn current(&self) -> Option<Arc<Model>> {
        match self {
            ModelSource::S3(w) => Some(w.model()),
            ModelSource::Store(w) => Some(w.model()),
            ModelSource::Fixed(m) => Some(m.clone()),
            ModelSource::None => None,
        }
    }

    /// Polls the store every `every` for a newly published version.
    pub fn watch(&self, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
        match self {
            ModelSource::S3(w) => Some(w.clone().spawn(every)),
            ModelSource::Store(w) => Some(w.clone().spawn(every)),
            ModelSource::Fixed(_) | ModelSource::None => None,
        }
    }
}

/// The version stamped on results: the model's, or [`RULE_ONLY`].
pub fn version_of(model: Option<&Model>) -> String {
    model.map_or_else(|| RULE_ONLY.to_owned(), |m| m.version().to_owned())
}
