//! Errors that name the file, the record and the place inside it.

use std::fmt;

/// What went wrong while reading a feed, and where.
///
/// `file` is the name the caller passed (readers never open files);
/// `record` is the record id when it was known at the time of the error;
/// `location` is a JSON path (`vulnerabilities[3].cve.metrics`) or a line
/// (`line 12`), whichever the format allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub file: String,
    pub record: Option<String>,
    pub location: Option<String>,
    pub kind: ErrorKind,
}

/// The class of a read error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The bytes are not well-formed JSON, YAML, CSV or gzip.
    #[error("malformed {format}: {message}")]
    Malformed {
        format: &'static str,
        message: String,
    },
    /// Well-formed, but a shape this crate does not read.
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// Well-formed, but a value breaks the feed's rules.
    #[error("{0}")]
    Invalid(String),
    /// The underlying reader failed.
    #[error("read failure: {0}")]
    Io(String),
}

impl Error {
    pub fn new(file: &str, kind: ErrorKind) -> Self {
        Error {
            file: file.to_owned(),
            record: None,
            location: None,
            kind,
        }
    }

    pub fn invalid(file: &str, message: impl Into<String>) -> Self {
        Error::new(file, ErrorKind::Invalid(message.into()))
    }

    pub fn unsupported(file: &str, message: impl Into<String>) -> Self {
        Error::new(file, ErrorKind::Unsupported(message.into()))
    }

    pub fn malformed(file: &str, format: &'static str, message: impl fmt::Display) -> Self {
        Error::new(
            file,
            ErrorKind::Malformed {
                format,
                message: message.to_string(),
            },
        )
    }

    /// Names the record the error belongs to (keeps an id already set).
    #[must_use]
    pub fn record(mut self, id: Option<&str>) -> Self {
        if self.record.is_none() {
            self.record = id.map(str::to_owned);
        }
        self
    }

    /// Sets where in the file the error is (keeps a location already set).
    #[must_use]
    pub fn at(mut self, location: impl Into<String>) -> Self {
        if self.location.is_none() {
            self.location = Some(location.into());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(id) = &self.record {
            write!(f, ": record {id}")?;
        }
        if let Some(loc) = &self.location {
            write!(f, ": at {loc}")?;
        }
        write!(f, ": {}", self.kind)
    }
}
