use std::fmt;

/// Where in the input something went wrong. Lines and columns are 1-based;
/// `path` is a JSON path (`$.components[3].hashes[0].alg`) or, for XML, an
/// element path (`/bom/components/component[4]/hashes/hash[1]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Location {
    pub fn line_column(line: u64, column: u64) -> Self {
        Location {
            line: Some(line),
            column: Some(column),
            path: None,
        }
    }
    pub fn line(line: u64) -> Self {
        Location {
            line: Some(line),
            column: None,
            path: None,
        }
    }
    pub fn path(path: impl Into<String>) -> Self {
        Location {
            line: None,
            column: None,
            path: Some(path.into()),
        }
    }
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(line) = self.line {
            write!(f, "line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
            wrote = true;
        }
        if let Some(path) = &self.path {
            if wrote {
                write!(f, ", ")?;
            }
            write!(f, "{path}")?;
            wrote = true;
        }
        if !wrote {
            write!(f, "unknown location")?;
        }
        Ok(())
    }
}

/// The one error a parse returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SbomError {
    /// The bytes are not well-formed JSON, XML or tag-value.
    #[error("{format} syntax error at {location}: {message}")]
    Syntax {
        format: &'static str,
        location: Location,
        message: String,
    },
    /// The document is well-formed but breaks a rule of its specification.
    #[error("invalid {format} document at {location}: {rule}: {message}")]
    Invalid {
        format: &'static str,
        location: Location,
        rule: String,
        message: String,
    },
    /// A configured bound was hit.
    #[error("limit {limit} ({max}) exceeded{}", .location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default())]
    LimitExceeded {
        limit: &'static str,
        max: u64,
        location: Option<Location>,
    },
    /// Not an SBOM format (or version) this reader supports.
    #[error("unsupported input: {message}")]
    Unsupported { message: String },
}

/// A serde_json error's message without the " at line L column C" that
/// serde_json appends: the [`Location`] carries the position.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

impl SbomError {
    pub fn limit(limit: &'static str, max: impl TryInto<u64>, location: Option<Location>) -> Self {
        SbomError::LimitExceeded {
            limit,
            max: max.try_into().unwrap_or(u64::MAX),
            location,
        }
    }
    pub fn syntax(format: &'static str, location: Location, message: impl Into<String>) -> Self {
        SbomError::Syntax {
            format,
            location,
            message: message.into(),
        }
    }
    pub fn invalid(
        format: &'static str,
        location: Location,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SbomError::Invalid {
            format,
            location,
            rule: rule.into(),
            message: message.into(),
        }
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        SbomError::Unsupported {
            message: message.into(),
        }
    }
}
