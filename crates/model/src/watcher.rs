//! Hot reload: the served model follows the store's pointer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::error::{ModelError, Result};
use crate::inference::Model;
use crate::store::{ModelStore, PointerPoll};

/// Serves the store's current model and swaps in a new one when the
/// pointer changes. Callers take [`ModelWatcher::model`] per batch: a
/// batch in flight keeps the model it started with, later ones see the new.
#[derive(Debug)]
pub struct ModelWatcher<S> {
    store: S,
    served: ArcSwap<Model>,
    etag: tokio::sync::Mutex<Option<String>>,
    last_error: Mutex<Option<String>>,
}

async fn load<S: ModelStore>(store: &S, version: &str) -> Result<Model> {
    let dir = store.fetch(version).await?;
    // Parsing and optimising the graph is CPU work: keep it off the reactor.
    tokio::task::spawn_blocking(move || Model::load(&dir))
        .await
        .map_err(|e| ModelError::Onnx {
            context: "load".into(),
            message: e.to_string(),
        })?
}

impl<S: ModelStore> ModelWatcher<S> {
    /// Loads the store's current version.
    pub async fn start(store: S) -> Result<Self> {
        let PointerPoll::Changed { pointer, etag } = store.poll_pointer(None).await? else {
            return Err(ModelError::NoCurrent);
        };
        let pointer = pointer.ok_or(ModelError::NoCurrent)?;
        let model = load(&store, &pointer.version).await?;
        Ok(Self {
            store,
            served: ArcSwap::from_pointee(model),
            etag: tokio::sync::Mutex::new(etag),
            last_error: Mutex::new(None),
        })
    }

    /// The model to use for the next batch.
    pub fn model(&self) -> Arc<Model> {
        self.served.load_full()
    }

    /// The store watched.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Checks the pointer once; loads and swaps in a changed version.
    /// Returns the new version when it swapped. On error the served model
    /// stays as it was.
    pub async fn poll(&self) -> Result<Option<String>> {
        let mut etag = self.etag.lock().await;
        let (pointer, tag) = match self.store.poll_pointer(etag.as_deref()).await? {
            PointerPoll::Unchanged => return Ok(None),
            PointerPoll::Changed { pointer, etag } => (pointer, etag),
        };
        // An emptied store keeps serving what it has.
        let Some(pointer) = pointer else {
            return Ok(None);
        };
        if pointer.version == self.served.load().version() {
            *etag = tag;
            return Ok(None);
        }
        let model = load(&self.store, &pointer.version).await?;
        self.served.store(Arc::new(model));
        *etag = tag;
        Ok(Some(pointer.version))
    }

    /// The error of the last failed background poll, if the last poll failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }
}

impl<S: ModelStore + 'static> ModelWatcher<S> {
    /// Polls every `every` until the returned task is aborted.
    pub fn spawn(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let outcome = self.poll().await.err().map(|e| e.to_string());
                if let Ok(mut last) = self.last_error.lock() {
                    *last = outcome;
                }
            }
        })
    }
}
