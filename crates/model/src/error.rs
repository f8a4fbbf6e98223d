use std::path::PathBuf;

/// Everything that can go wrong loading, serving or storing a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The manifest is not valid JSON of the expected shape.
    #[error("manifest {path}: {message}")]
    ManifestSyntax { path: String, message: String },
    /// The manifest is well-formed but asks for something this code does
    /// not build, or contradicts itself or the model file.
    #[error("manifest refused: {0}")]
    Refused(String),
    /// A feature of the manifest cannot be built.
    #[error("manifest feature #{index} {name:?}: {message}")]
    Feature {
        index: usize,
        name: String,
        message: String,
    },
    /// The model file's sha256 differs from the manifest's.
    #[error("checksum mismatch for {what}: manifest says sha256 {expected}, file has {actual}")]
    Checksum {
        what: String,
        expected: String,
        actual: String,
    },
    /// tract could not load, type or run the graph.
    #[error("ONNX model {context}: {message}")]
    Onnx { context: String, message: String },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The object store answered with an error.
    #[error("model store {operation} {key}: {message}")]
    Store {
        operation: &'static str,
        key: String,
        message: String,
    },
    /// A version that the store does not hold.
    #[error("model store has no version {0:?}")]
    NoSuchVersion(String),
    /// A store operation that needs a current version found none.
    #[error("model store has no current version (nothing published)")]
    NoCurrent,
    /// Rollback with no earlier version to return to.
    #[error("model store: no previous version to roll back to from {0:?}")]
    NoPrevious(String),
    /// Publishing a version that already exists.
    #[error("model store already holds version {0:?}; versions are immutable")]
    VersionExists(String),
}

impl ModelError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
