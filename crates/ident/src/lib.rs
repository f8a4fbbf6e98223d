//! Package identity for MedSec: Package URLs and CPE names.
//!
//! * [`purl`]: Package URLs per the purl specification: parse, validate,
//!   canonicalize and build, with the per-type rules.
//! * [`cpe`]: CPE 2.3 formatted strings and 2.2 URIs bound to and from
//!   well-formed names (NISTIR 7695), and CPE name matching (NISTIR 7696).
//!
//! Pure: no I/O.

pub mod cpe;
pub mod purl;
