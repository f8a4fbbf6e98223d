//! Format detection from content.

use std::io::Read;

use serde::Deserialize;

use crate::{Limits, Location, SbomError};

/// What the content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
}

pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Inflates gzip input, refusing to produce more than `max_input_bytes`
/// (a small file can inflate to gigabytes).
pub(crate) fn gunzip(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, SbomError> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes).take(limits.max_input_bytes + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| SbomError::syntax("gzip", Location::default(), e.to_string()))?;
    limits.check_input(out.len() as u64)?;
    Ok(out)
}

/// The top-level keys that tell JSON SBOM formats apart; every other key is
/// skipped without being stored.
#[derive(Deserialize)]
struct JsonMarkers {
    #[serde(rename = "bomFormat")]
    bom_format: Option<serde::de::IgnoredAny>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<serde::de::IgnoredAny>,
    #[serde(rename = "@context")]
    context: Option<serde_json::Value>,
}

/// Detects the format of (already inflated) SBOM bytes.
pub fn detect(bytes: &[u8]) -> Result<Detected, SbomError> {
    let body = strip_bom(bytes);
    let first = body.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Err(SbomError::unsupported("the input is empty"));
    };
    match body[first] {
        b'{' => detect_json(body),
        b'<' => detect_xml(body),
        _ => detect_text(body),
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn detect_json(body: &[u8]) -> Result<Detected, SbomError> {
    let markers: JsonMarkers = serde_json::from_slice(body).map_err(|e| {
        SbomError::syntax(
            "JSON",
            Location::line_column(e.line() as u64, e.column() as u64),
            crate::error::json_message(&e),
        )
    })?;
    if markers.bom_format.is_some() {
        return Ok(Detected::CycloneDxJson);
    }
    if markers.spdx_version.is_some() {
        return Ok(Detected::SpdxJson);
    }
    if let Some(context) = markers.context {
        if context.to_string().contains("spdx.org/rdf/3") {
            return Err(SbomError::unsupported(
                "SPDX 3 JSON-LD documents are not supported; SPDX 2.2 and 2.3 are",
            ));
        }
    }
    Err(SbomError::unsupported(
        "JSON document has neither \"bomFormat\" (CycloneDX) nor \"spdxVersion\" (SPDX) at its top level",
    ))
}

fn detect_xml(body: &[u8]) -> Result<Detected, SbomError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    loop {
        let position = reader.buffer_position();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.local_name();
                let local = String::from_utf8_lossy(name.as_ref()).into_owned();
                let namespace = e
                    .attributes()
                    .flatten()
                    .find(|a| {
                        let key = a.key.as_ref();
                        key == b"xmlns" || key.ends_with(b":xmlns") || key.starts_with(b"xmlns:")
                    })
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
                if local == "bom" {
                    return Ok(Detected::CycloneDxXml);
                }
                if local == "RDF" || namespace.contains("spdx.org") || local == "Document" {
                    return Err(SbomError::unsupported(
                        "SPDX RDF/XML and XML documents are not supported; use SPDX JSON or tag-value",
                    ));
                }
                return Err(SbomError::unsupported(format!(
                    "XML root element <{local}> is not a CycloneDX <bom>"
                )));
            }
            Ok(Event::Eof) => {
                return Err(SbomError::syntax(
                    "XML",
                    Location::default(),
                    "no root element",
                ))
            }
            Ok(Event::DocType(_)) => {
                // A DTD can declare entities; CycloneDX has none, and the
                // readers refuse them rather than expand them.
            }
            Ok(_) => {}
            Err(e) => {
                let (line, column) = line_column(body, position as usize);
                return Err(SbomError::syntax(
                    "XML",
                    Location::line_column(line, column),
                    e.to_string(),
                ));
            }
        }
        buf.clear();
    }
}

fn detect_text(body: &[u8]) -> Result<Detected, SbomError> {
    for line in body.split(|&b| b == b'\n').take(1000) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("SPDXVersion:") {
            return Ok(Detected::SpdxTagValue);
        }
        if line.starts_with("spdxVersion:") || line.starts_with("---") {
            return Err(SbomError::unsupported(
                "SPDX YAML documents are not supported; use SPDX JSON or tag-value",
            ));
        }
        break;
    }
    Err(SbomError::unsupported(
        "not a CycloneDX (JSON, XML) or SPDX (JSON, tag-value) document",
    ))
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (u64, u64) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u64
        + 1;
    (line, column)
}
