//! The protobuf job envelope (proto/medsec/jobs/v1/envelope.proto) and the
//! job kinds it names.

use std::fmt;
use std::str::FromStr;

use prost::Message;

use crate::QueueError;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/medsec.jobs.v1.rs"));
}

pub use generated::JobEnvelope;

impl JobEnvelope {
    /// The protobuf encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// Decodes an envelope; `source` names where the bytes came from for the
    /// error.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self, QueueError> {
        Self::decode(bytes).map_err(|e| QueueError::Decode {
            source_name: source.to_owned(),
            source: e,
        })
    }

    /// The kind, checked.
    pub fn job_kind(&self) -> Result<JobKind, QueueError> {
        self.kind.parse()
    }
}

/// The kinds of job; each has its own stream (queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    SbomAnalysis,
    RiskScore,
}

impl JobKind {
    pub const ALL: [JobKind; 2] = [JobKind::SbomAnalysis, JobKind::RiskScore];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::SbomAnalysis => "sbom-analysis",
            JobKind::RiskScore => "risk-score",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobKind {
    type Err = QueueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| QueueError::UnknownKind(s.to_owned()))
    }
}
