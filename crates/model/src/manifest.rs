//! The model manifest (`manifest.json`), shared with the training pipeline.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ModelError, Result};

/// The only feature schema this code builds.
pub const FEATURE_SCHEMA_VERSION: u32 = 1;

/// `manifest.json` of a model directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Model name.
    pub name: String,
    /// `<YYYY.MM.DD>-<n>`.
    pub version: String,
    /// When the model was trained.
    pub created: String,
    /// File name of the ONNX graph within the model directory.
    pub model_file: String,
    /// Lower-case hex sha256 of the model file.
    pub sha256: String,
    /// The graph input.
    pub input: InputSpec,
    /// The graph output and the column holding the probability.
    pub output: OutputSpec,
    /// Version of the feature definitions below.
    pub feature_schema_version: u32,
    /// Feature definitions in input order; compiled by
    /// [`crate::FeatureBuilder::compile`], which checks each.
    pub features: Vec<serde_json::Value>,
    /// Which v3 vector to use, as `<source>_v<version>` keys, first found wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v3_preference: Option<Vec<String>>,
    /// Same for v4 (default: CNA then ADP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v4_preference: Option<Vec<String>>,
    /// Same for v2 (default: CNA, ADP, then NVD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v2_preference: Option<Vec<String>>,
    /// Provenance of the training data (informational).
    #[serde(default)]
    pub training_data: serde_json::Value,
    /// Evaluation metrics (informational).
    #[serde(default)]
    pub metrics: serde_json::Value,
}

/// The graph input the features feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    /// Input name in the graph.
    pub name: String,
    /// Element type; only `float32` is served.
    pub dtype: String,
    /// Number of features per row.
    pub width: usize,
}

/// The graph output read as probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSpec {
    /// Output name in the graph.
    pub name: String,
    /// Column of the `[batch, classes]` output holding the probability.
    pub column: usize,
    /// What the probability means.
    #[serde(default)]
    pub meaning: String,
}

impl Manifest {
    /// Parses `manifest.json` text; `path` names it in errors.
    pub fn from_json(text: &[u8], path: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_slice(text);
        serde_path_to_error::deserialize(de).map_err(|e| ModelError::ManifestSyntax {
            path: path.to_owned(),
            message: format!("at {}: {}", e.path(), e.inner()),
        })
    }

    /// Checks what can be checked without the graph: schema version, input
    /// type and width, version syntax, checksum syntax.
    pub fn check(&self) -> Result<()> {
        if self.feature_schema_version != FEATURE_SCHEMA_VERSION {
            return Err(ModelError::Refused(format!(
                "feature_schema_version is {}, this code builds version {FEATURE_SCHEMA_VERSION} only",
                self.feature_schema_version
            )));
        }
        if self.input.dtype != "float32" {
            return Err(ModelError::Refused(format!(
                "input.dtype is {:?}, only \"float32\" is served",
                self.input.dtype
            )));
        }
        if self.input.width != self.features.len() {
            return Err(ModelError::Refused(format!(
                "input.width is {} but the manifest lists {} features",
                self.input.width,
                self.features.len()
            )));
        }
        if !is_version(&self.version) {
            return Err(ModelError::Refused(format!(
                "version {:?} is not <YYYY.MM.DD>-<n>",
                self.version
            )));
        }
        if self.sha256.len() != 64 || !self.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ModelError::Refused(format!(
                "sha256 {:?} is not 64 hex digits",
                self.sha256
            )));
        }
        if self.model_file.is_empty()
            || self.model_file.contains(['/', '\\'])
            || self.model_file.starts_with('.')
        {
            return Err(ModelError::Refused(format!(
                "model_file {:?} must be a plain file name in the model directory",
                self.model_file
            )));
        }
        Ok(())
    }

    /// Fails unless `bytes` hash to the manifest's sha256.
    pub fn verify_model_bytes(&self, bytes: &[u8]) -> Result<()> {
        let actual = sha256_hex(bytes);
        if actual.eq_ignore_ascii_case(&self.sha256) {
            Ok(())
        } else {
            Err(ModelError::Checksum {
                what: format!("{} of model {}", self.model_file, self.version),
                expected: self.sha256.clone(),
                actual,
            })
        }
    }
}

/// Lower-case hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `<YYYY.MM.DD>-<n>`: also safe as a path and object-key component.
pub fn is_version(s: &str) -> bool {
    let Some((date, n)) = s.split_once('-') else {
        return false;
    };
    let parts: Vec<&str> = date.split('.').collect();
    matches!(parts.as_slice(), [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2
        && [y, m, d].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())))
        && !n.is_empty()
        && n.len() <= 9
        && n.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_syntax() {
        assert!(is_version("2026.11.27-1"));
        assert!(is_version("2026.11.27-12"));
        assert!(!is_version("2026.11.27"));
        assert!(!is_version("2026-11-27-1"));
        assert!(!is_version("../x-1"));
        assert!(!is_version("2026.11.27-1/x"));
    }
}
