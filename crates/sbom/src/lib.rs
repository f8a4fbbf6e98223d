//! The SBOM model and its readers.
//!
//! [`parse`] takes the bytes of any supported SBOM, detects its format and
//! specification version from the content (never the file name), and returns
//! one normalized [`Sbom`]. Supported: CycloneDX 1.2 to 1.6 in JSON and XML,
//! SPDX 2.2 and 2.3 in JSON and tag-value. Gzip-compressed input is
//! recognised by its magic bytes and inflated under the same size limit.
//!
//! Each component's purl is canonicalized (`purl_canonical`) and its CPEs
//! read; identifiers that do not parse are kept as written and reported as
//! warnings.
//!
//! Every failure is one [`SbomError`] that says where (line:column, or line
//! for tag-value, and the JSON path where known) and what was expected.
//! Hostile input is bounded by [`Limits`]; the error names the limit hit.
//!
//! Pure: no network or database I/O.

pub mod cyclonedx;
pub mod detect;
pub(crate) mod error;
mod identity;
mod limits;
mod model;
pub mod spdx;

pub use detect::{detect, Detected};
pub use error::{Location, SbomError};
pub use limits::Limits;
pub use model::*;

/// Parses an SBOM of any supported format with the default [`Limits`].
pub fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
    parse_with_limits(bytes, &Limits::default())
}

/// Parses an SBOM of any supported format.
pub fn parse_with_limits(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    limits.check_input(bytes.len() as u64)?;
    if detect::is_gzip(bytes) {
        let inflated = detect::gunzip(bytes, limits)?;
        return parse_with_limits(&inflated, limits);
    }
    match detect::detect(bytes)? {
        Detected::CycloneDxJson => cyclonedx::parse_json(bytes, limits),
        Detected::CycloneDxXml => cyclonedx::parse_xml(bytes, limits),
        Detected::SpdxJson => spdx::parse_json(bytes, limits),
        Detected::SpdxTagValue => spdx::parse_tag_value(bytes, limits),
    }
}
