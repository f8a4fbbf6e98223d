//! The vulnerability knowledge base: its domain model and readers of the
//! public feeds it is built from.
//!
//! * [`nvd`]: NVD CVE API 2.0 JSON (records, pages, yearly feeds) and the
//!   legacy NVD JSON 1.1 feed.
//! * [`cve5`]: CVE JSON 5.x records with CNA and ADP (CISA vulnrichment)
//!   containers.
//! * [`osv`]: OSV JSON and YAML.
//! * [`kev`]: CISA KEV catalog, JSON and CSV.
//! * [`epss`]: FIRST EPSS CSV, streamed.
//! * [`csaf`]: CSAF 2.0 advisories.
//! * [`cwe`]: MITRE CWE CSV views.
//! * [`cve_summary`]: the per-CVE table derived from CISA vulnrichment.
//! * [`ics_advisories`]: the ICS Advisory Project's master advisory list.
//! * [`kev_epss`]: the KEV catalog joined with NVD CVSS 3 and EPSS.
//!
//! Readers take bytes or an [`std::io::Read`] and a file name used only in
//! error messages; gzip input is recognised by its magic bytes. Each returns
//! a [`FeedRead`]: the records read, the records rejected (each error names
//! the file, the record id when known and the JSON path or line), and
//! warnings for records read despite a schema deviation. Every record type
//! gives a stable [`ContentHash`] for idempotent imports.

pub mod csaf;
pub mod cve5;
pub mod cve_summary;
pub mod cwe;
pub mod epss;
mod error;
mod feed;
mod hash;
pub mod ics_advisories;
mod ids;
pub mod kev;
pub mod kev_epss;
mod model;
pub mod nvd;
pub mod osv;
mod time;

pub use error::{Error, ErrorKind};
pub use feed::{FeedRead, MAX_DOCUMENT_BYTES};
pub use hash::{ContentHash, RecordHash};
pub use model::*;
pub use time::{parse_date, Timestamp};
