//! The MedSec HTTP API: validates, stores and enqueues analysis jobs, and
//! serves their state and results. No analysis runs on the request path.
//!
//! Layout: [`startup`] builds the server on a given listener, [`routes`]
//! holds one module per resource and one file per verb, [`domain`] the
//! request values parsed once into types that can only be valid,
//! [`idempotency`], [`submit`] and [`job_writer`] the submission rules, [`problem`] the RFC
//! 9457 errors.

pub mod body;
pub mod db;
pub mod domain;
pub mod idempotency;
pub mod job_writer;
pub mod observe;
pub mod payload_store;
pub mod problem;
pub mod routes;
pub mod startup;
pub mod state;
pub mod submit;
pub mod tenant;

pub use startup::{build_state, run, Application, StartupError};
pub use state::AppState;
