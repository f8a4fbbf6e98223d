pub mod analyze;
pub mod batch;
pub mod cvss;
pub mod db;
pub mod kb_facts;
pub mod model;
pub mod purl;
pub mod queue;
pub mod sbom;
pub mod version;

use std::process::ExitCode;

/// An error with the exit code it maps to.
pub struct Failure {
    pub error: anyhow::Error,
    pub code: ExitCode,
}

impl Failure {
    /// The input was read but rejected.
    pub fn rejected(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            error: error.into(),
            code: ExitCode::from(1),
        }
    }
    /// The command line was wrong in a way clap cannot see.
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            error: error.into(),
            code: ExitCode::from(2),
        }
    }
    /// Reading or writing failed.
    pub fn io(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            error: error.into(),
            code: ExitCode::from(3),
        }
    }
}

pub type CommandResult = Result<ExitCode, Failure>;
