/// Why the configuration could not be used; every variant names the key or
/// the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: config::ConfigError,
    },
    /// A value of the wrong type or shape; `config` names the key in its
    /// message (`invalid type: ... for key `api.port``).
    #[error("configuration: {0}")]
    Read(#[source] config::ConfigError),
    #[error("configuration key {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl ConfigError {
    pub(crate) fn invalid(key: &'static str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key,
            reason: reason.into(),
        }
    }

    /// The key the error is about, when it is one of ours.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}
