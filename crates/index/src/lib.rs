//! The read-optimised matching index of the vulnerability knowledge base,
//! and its snapshot file.
//!
//! [`IndexBuilder`] takes knowledge-base records of every kind and builds
//! an [`Index`] stamped with a generation number. The index answers what
//! the analysis engine asks:
//!
//! * [`Index::osv_candidates`] / [`Index::affected_by`]: OSV entries for a
//!   purl, evaluated with the ecosystem's own version order.
//! * [`Index::cpe_candidates`] / [`Index::evaluate_cpe`]: NVD
//!   configurations for a component CPE.
//! * [`Index::cve5_candidates`] / [`Index::evaluate_cve5`]: CVE 5 products.
//! * [`Index::alias_group`], [`Index::canonical_id`]: ids to merge.
//! * [`Index::enrichment`]: KEV, EPSS, CWE, scored CVSS, fixed versions,
//!   advisories.
//!
//! [`write_snapshot`] and [`read_snapshot`] store and load the index; the
//! same records in any order give the same bytes.

mod build;
pub mod cpe_eval;
pub mod cve5_eval;
pub mod ecosystem;
mod index;
mod record;
mod snapshot;

pub use build::{product_key, IndexBuilder};
pub use cpe_eval::CpeVerdict;
pub use cve5_eval::Cve5Verdict;
pub use ecosystem::{OsvPackage, UnmappedPurl};
pub use index::{
    AliasGroup, CpeFinding, Enrichment, Index, PackageFinding, ProductFinding, RecordError, Verdict,
};
pub use record::*;
pub use snapshot::{
    from_snapshot_bytes, from_snapshot_vec, read_snapshot, read_snapshot_file, snapshot_generation,
    to_snapshot_bytes, write_snapshot, write_snapshot_file, SnapshotError, FORMAT_VERSION, MAGIC,
};
