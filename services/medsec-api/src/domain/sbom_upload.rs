use actix_web::http::StatusCode;
use bytes::Bytes;
use medsec_sbom::{Encoding, Format, Limits, Sbom, SbomError};
use sha2::{Digest, Sha256};

use crate::problem::Problem;

/// The encoding family a `Content-Type` promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    Json,
    Xml,
    TagValue,
    /// gzip, octet-stream or no type: the content decides.
    Any,
}

fn declared(content_type: Option<&str>) -> Result<Declared, Problem> {
    let Some(raw) = content_type else {
        return Ok(Declared::Any);
    };
    let essence = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Ok(match essence.as_str() {
        "application/json" | "application/vnd.cyclonedx+json" | "application/spdx+json" => {
            Declared::Json
        }
        "application/xml" | "text/xml" | "application/vnd.cyclonedx+xml" => Declared::Xml,
        "text/spdx" | "text/plain" => Declared::TagValue,
        "application/gzip" | "application/x-gzip" | "application/octet-stream" | "" => {
            Declared::Any
        }
        other => {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                format!(
                    "Content-Type {other} is not an SBOM type; send CycloneDX JSON/XML \
                     (application/vnd.cyclonedx+json, application/vnd.cyclonedx+xml), \
                     SPDX JSON (application/spdx+json) or tag-value (text/spdx), \
                     optionally gzip (application/gzip), or multipart/form-data"
                ),
            )
            .with("content_type", other))
        }
    })
}

/// The formats the API reports for a job's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmittedFormat {
    pub format: Format,
    pub encoding: Encoding,
}

impl SubmittedFormat {
    pub fn name(self) -> &'static str {
        match (self.format, self.encoding) {
            (Format::CycloneDx, Encoding::Json) => "cyclonedx-json",
            (Format::CycloneDx, Encoding::Xml) => "cyclonedx-xml",
            (Format::Spdx, Encoding::Json) => "spdx-json",
            (Format::Spdx, _) => "spdx-tag-value",
            (Format::CycloneDx, _) => "cyclonedx",
        }
    }
}

/// A submitted SBOM that parsed: the bytes as sent (kept for the worker),
/// their hash and what they are.
#[derive(Debug, Clone)]
pub struct SbomUpload {
    pub bytes: Bytes,
    pub sha256: [u8; 32],
    pub format: SubmittedFormat,
    pub spec_version: String,
    pub components: usize,
}

/// Plain SBOMs up to this size are parsed on the request's own thread.
const INLINE_PARSE_MAX_BYTES: usize = 64 * 1024;

impl SbomUpload {
    /// Checks the declared type, then parses the SBOM with `limits`, on a
    /// blocking thread unless it is small and uncompressed (parsing is CPU
    /// work). `part` names where the SBOM
    /// came from in errors ("body", "multipart part sbom").
    pub async fn parse(
        bytes: Bytes,
        content_type: Option<&str>,
        part: &'static str,
        limits: Limits,
    ) -> Result<SbomUpload, Problem> {
        let declared = declared(content_type)?;
        if bytes.is_empty() {
            return Err(Problem::bad_request(
                "empty-sbom",
                format!("the {part} is empty; send an SBOM"),
            )
            .with("part", part));
        }
        let parse = move |bytes: &[u8]| {
            let sha256: [u8; 32] = Sha256::digest(bytes).into();
            (medsec_sbom::parse_with_limits(bytes, &limits), sha256)
        };
        // A small plain document parses in well under a millisecond: handing
        // it to the blocking pool would cost more than it saves. Compressed
        // bodies may expand up to the limits, so they always go there.
        let compressed = bytes.starts_with(&[0x1f, 0x8b]);
        let parsed = if bytes.len() <= INLINE_PARSE_MAX_BYTES && !compressed {
            parse(&bytes)
        } else {
            let for_parse = bytes.clone();
            actix_web::web::block(move || parse(&for_parse))
                .await
                .map_err(|e| Problem::internal(format!("the SBOM parse task failed: {e}")))?
        };
        let (result, sha256) = parsed;
        let sbom: Sbom = result.map_err(|e| sbom_problem(e, part))?;
        let format = SubmittedFormat {
            format: sbom.format,
            encoding: sbom.encoding,
        };
        let matches = match (declared, sbom.encoding) {
            (Declared::Any, _) => true,
            (Declared::Json, Encoding::Json) | (Declared::Xml, Encoding::Xml) => true,
            (Declared::TagValue, e) => !matches!(e, Encoding::Json | Encoding::Xml),
            _ => false,
        };
        if !matches {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type-mismatch",
                format!(
                    "the {part} is {} but Content-Type says {}",
                    format.name(),
                    content_type.unwrap_or("")
                ),
            )
            .with("part", part)
            .with("detected_format", format.name()));
        }
        Ok(SbomUpload {
            bytes,
            sha256,
            format,
            spec_version: sbom.spec_version.clone(),
            components: sbom.components.len(),
        })
    }
}

/// 400 for input that is not well-formed, 422 for a well-formed document
/// breaking its specification, 413 for a limit, 415 for a format we do not
/// read; each names what and where.
fn sbom_problem(error: SbomError, part: &'static str) -> Problem {
    let detail = format!("{part}: {error}");
    let problem = match &error {
        SbomError::Syntax {
            format, location, ..
        } => Problem::bad_request("malformed-sbom", detail)
            .with("format", format)
            .with("location", location),
        SbomError::Invalid {
            format,
            location,
            rule,
            ..
        } => Problem::unprocessable("invalid-sbom", detail)
            .with("format", format)
            .with("location", location)
            .with("rule", rule),
        SbomError::LimitExceeded {
            limit,
            max,
            location,
        } => Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "sbom-limit-exceeded", detail)
            .with("limit", limit)
            .with("max", max)
            .with("location", location),
        SbomError::Unsupported { .. } => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-sbom-format",
            detail,
        ),
    };
    problem.with("part", part)
}
