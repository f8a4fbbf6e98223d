//! The exploitation-likelihood model.
//!
//! - [`Manifest`]: `manifest.json`, the contract with the training pipeline.
//! - [`ExploitInput`] and [`FeatureBuilder`]: the feature row of a CVE, built
//!   exactly as the manifest's feature list says (anything unknown is refused).
//! - [`Model`]: the ONNX graph run by tract, batched, reading probabilities.
//! - [`ModelStore`]: published model versions in S3 ([`S3Store`]) or a local
//!   directory ([`LocalStore`]); [`ModelWatcher`] hot-swaps the served model
//!   when the store's current version changes.
//! - [`ModelExploitability`]: the model as the analysis engine's
//!   exploitability estimate, with KEV decisive and the rule as fallback.

mod error;
mod exploitability;
mod features;
mod inference;
mod manifest;
mod store;
mod watcher;

pub use error::{ModelError, Result};
pub use exploitability::{ModelExploitability, KEV_SOURCE};
pub use features::{ExploitInput, FeatureBuilder, SourcedCvss};
pub use inference::{Model, CHUNK_ROWS, MANIFEST_FILE};
pub use manifest::{
    is_version, sha256_hex, InputSpec, Manifest, OutputSpec, FEATURE_SCHEMA_VERSION,
};
pub use store::local::LocalStore;
pub use store::s3::{S3Config, S3Store};
pub use store::{ModelStore, Pointer, PointerPoll, POINTER_FILE};
pub use watcher::ModelWatcher;
