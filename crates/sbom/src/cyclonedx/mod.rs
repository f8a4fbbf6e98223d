//! CycloneDX 1.2 to 1.6 (and 1.1 XML), JSON and XML.
//!
//! Both readers fill the same raw structs, and one set of rules (`build`)
//! checks them and moves them into the normalized [`Sbom`]: the structural
//! rules of the official schemas that the model can see (enumerations, hash
//! patterns, required fields, licence choice, SPDX licence ids, serial
//! number and timestamp formats, unique bom-refs and dependency refs).
//! Limits are enforced while reading, and XML entity declarations are
//! refused rather than expanded.

mod build;
mod json;
mod raw;
mod xml;

use crate::{Limits, Sbom, SbomError};

/// Parses a CycloneDX JSON document (spec 1.2 to 1.6).
pub fn parse_json(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    json::parse(bytes, limits).map(crate::identity::resolved)
}

/// Parses a CycloneDX XML document (spec 1.1 to 1.6).
pub fn parse_xml(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    xml::parse(bytes, limits).map(crate::identity::resolved)
}

/// The minor version of a supported JSON `specVersion`.
fn json_minor(spec_version: &str) -> Result<u8, SbomError> {
    match spec_version {
        "1.2" => Ok(2),
        "1.3" => Ok(3),
        "1.4" => Ok(4),
        "1.5" => Ok(5),
        "1.6" => Ok(6),
        other => Err(SbomError::unsupported(format!(
            "CycloneDX JSON specVersion \"{other}\" is not supported (1.2 to 1.6 are)"
        ))),
    }
}

/// The minor version of a supported XML spec version (from the namespace).
fn xml_minor(spec_version: &str) -> Result<u8, SbomError> {
    match spec_version {
        "1.1" => Ok(1),
        other => json_minor(other).map_err(|_| {
            SbomError::unsupported(format!(
                "CycloneDX XML version {other} is not supported (1.1 to 1.6 are)"
            ))
        }),
    }
}
