//! SPDX 2.2 and 2.3, JSON and tag-value.
//!
//! Both encodings are read into one raw form ([`raw::RawDoc`]) that keeps the
//! location of every element, then validated and normalized by one
//! [`build`](build::build) step, so the two encodings cannot drift apart.
//!
//! Normalization rules:
//!
//! * Every package is a component; files and snippets are not (their
//!   SPDXIDs are still known, so relationships to them are valid edges).
//! * Edges: every relationship is one edge (DEPENDENCY_OF, CONTAINED_BY and
//!   DESCRIBED_BY reversed into DependsOn, Contains and Describes; any other
//!   type kept as `Other(type)`). Each `documentDescribes` entry adds a
//!   Describes edge from the document, unless that same edge is already
//!   there (from a DESCRIBES / DESCRIBED_BY relationship or an earlier
//!   entry): many generators write both forms of the same statement.
//!   Likewise each file a package has (JSON `hasFiles`; in tag-value, the
//!   files that follow the package, which SPDX 2.x defines as the files it
//!   contains) adds a Contains edge from the package, unless a CONTAINS /
//!   CONTAINED_BY relationship or an earlier entry already states it. The
//!   spdx-spec example says `SPDXRef-Package CONTAINS SPDXRef-JenaLib` as a
//!   relationship in tag-value and only through `hasFiles` in JSON.
//! * The total number of edges is bounded by `max_edges`.
//! * Licences: `licenseDeclared` and `licenseConcluded` become licences
//!   acknowledged as declared and concluded. NOASSERTION and NONE are not
//!   licences and are skipped, so a component without licences means "none
//!   given or explicitly none". An expression that does not parse as an
//!   SPDX expression is kept as a licence name with a warning.
//! * Supplier and originator lose their `Organization:`/`Person:` prefix;
//!   NOASSERTION means none. The originator becomes the author.
//! * Annotations and attribution texts are not properties, and support
//!   facts (level, end of support) are never inferred from them.
//! * `purl_canonical` is left empty here.

mod build;
mod json;
mod raw;
mod tag_value;

use crate::{Limits, Sbom, SbomError};

/// Parses an SPDX 2.2 or 2.3 JSON document.
pub fn parse_json(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    limits.check_input(bytes.len() as u64)?;
    let raw = json::read(bytes, limits)?;
    build::build(raw, limits).map(crate::identity::resolved)
}

/// Parses an SPDX 2.2 or 2.3 tag-value document.
pub fn parse_tag_value(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    limits.check_input(bytes.len() as u64)?;
    let raw = tag_value::read(bytes, limits)?;
    build::build(raw, limits).map(crate::identity::resolved)
}

/// The SPDX versions this reader accepts, as written in `spdxVersion`.
pub(crate) fn supported_version(written: &str) -> Result<&'static str, SbomError> {
    match written.trim() {
        "SPDX-2.2" => Ok("2.2"),
        "SPDX-2.3" => Ok("2.3"),
        other => Err(SbomError::unsupported(format!(
            "SPDX version \"{other}\" is not supported; SPDX-2.2 and SPDX-2.3 are"
        ))),
    }
}
