//! OSV range evaluation.
