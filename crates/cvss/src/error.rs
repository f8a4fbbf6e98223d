//! Parse errors. Each names the metric or component at fault and, where it
//! has one, the component's 1-based position among the `/`-separated parts.

use crate::Version;

/// Longest piece of the input echoed back in an error message, so that a
/// huge malformed string cannot make a huge error.
const ECHO_LIMIT: usize = 64;

/// Why a CVSS vector string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvssError {
    /// The input was empty.
    #[error("empty CVSS vector")]
    Empty,
    /// A `CVSS:x.y/` prefix named a version this crate does not know.
    #[error("unsupported CVSS version prefix `{prefix}` (expected CVSS:3.0, CVSS:3.1 or CVSS:4.0; CVSS v2 vectors have no prefix)")]
    UnsupportedVersion {
        /// The prefix as written, e.g. `CVSS:3.2`.
        prefix: String,
    },
    /// A valid vector of another version than the per-version parser asked for.
    #[error("expected a CVSS {expected} vector, found a CVSS {found} vector")]
    WrongVersion {
        /// The version(s) asked for, e.g. `3.0/3.1`.
        expected: &'static str,
        /// The version found.
        found: Version,
    },
    /// The first component is not a known prefix nor a CVSS v2 metric.
    #[error(
        "bad CVSS prefix `{prefix}` (expected CVSS:3.0/, CVSS:3.1/, CVSS:4.0/ or a CVSS v2 vector)"
    )]
    BadPrefix {
        /// The first component as written.
        prefix: String,
    },
    /// A component is empty or is not `METRIC:VALUE`.
    #[error("malformed component {position} `{component}` in CVSS {version} vector (expected METRIC:VALUE)")]
    MalformedComponent {
        /// The vector's version.
        version: Version,
        /// 1-based position of the component after any prefix.
        position: usize,
        /// The component as written.
        component: String,
    },
    /// A metric name that the version does not define.
    #[error("unknown metric `{metric}` at component {position} of CVSS {version} vector")]
    UnknownMetric {
        /// The vector's version.
        version: Version,
        /// 1-based position of the component.
        position: usize,
        /// The metric name as written.
        metric: String,
    },
    /// A value the metric does not allow.
    #[error("invalid value `{value}` for metric {metric} at component {position} of CVSS {version} vector (allowed: {allowed})")]
    InvalidValue {
        /// The vector's version.
        version: Version,
        /// 1-based position of the component.
        position: usize,
        /// The metric.
        metric: &'static str,
        /// The value as written.
        value: String,
        /// The values the specification allows, `/`-separated.
        allowed: String,
    },
    /// The same metric appears twice.
    #[error("duplicate metric {metric} at component {position} of CVSS {version} vector")]
    DuplicateMetric {
        /// The vector's version.
        version: Version,
        /// 1-based position of the second occurrence.
        position: usize,
        /// The metric.
        metric: &'static str,
    },
    /// A mandatory base metric is absent.
    #[error("missing mandatory metric {metric} in CVSS {version} vector")]
    MissingMetric {
        /// The vector's version.
        version: Version,
        /// The first absent mandatory metric, in specification order.
        metric: &'static str,
    },
    /// A metric appears before one that the specification orders ahead of it
    /// (CVSS v4.0 only).
    #[error("metric {metric} at component {position} of CVSS {version} vector is out of order: it must come before {after}")]
    OutOfOrder {
        /// The vector's version.
        version: Version,
        /// 1-based position of the misplaced component.
        position: usize,
        /// The misplaced metric.
        metric: &'static str,
        /// The metric it was found after.
        after: &'static str,
    },
}

impl CvssError {
    /// The metric the error is about, when it is about one.
    pub fn metric(&self) -> Option<&str> {
        match self {
            Self::UnknownMetric { metric, .. } => Some(metric),
            Self::InvalidValue { metric, .. }
            | Self::DuplicateMetric { metric, .. }
            | Self::MissingMetric { metric, .. }
            | Self::OutOfOrder { metric, .. } => Some(metric),
            Self::Empty
            | Self::UnsupportedVersion { .. }
            | Self::WrongVersion { .. }
            | Self::BadPrefix { .. }
            | Self::MalformedComponent { .. } => None,
        }
    }
}

/// `s`, cut to at most [`ECHO_LIMIT`] characters for an error message.
pub(crate) fn echo(s: &str) -> String {
    match s.char_indices().nth(ECHO_LIMIT) {
        Some((cut, _)) => format!("{}...", s.get(..cut).unwrap_or_default()),
        None => s.to_owned(),
    }
}
