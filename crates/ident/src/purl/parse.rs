//! Parsing a purl string into decoded components.
//!
//! Follows the specification's "how to parse" steps, with two choices
//! where a string is not canonical:
//! * `#` and then `?` split at their first occurrence, as in any URL, so an
//!   unencoded `?` inside a qualifier value does not cut the path.
//! * The version is after the last `@` of the last path segment, so an
//!   unencoded npm scope (`pkg:npm/@babel/core`) is a namespace, while an
//!   `@` in a name (`pkg:brew/node@20@20.10.0`) still leaves the version.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::encoding::decode;
use super::error::{Component, ErrorKind, PurlError};
use super::types::{check_key, check_type, insert_qualifier, Parts};
use super::PackageUrl;

pub(crate) fn parse(input: &str, lenient: bool) -> Result<PackageUrl, PurlError> {
    let input = if lenient { input.trim() } else { input };

    let Some((scheme, rest)) = input.split_once(':') else {
        return Err(PurlError::new(
            Component::Scheme,
            ErrorKind::MissingScheme,
            format!("{input:?} does not start with \"pkg:\""),
        ));
    };
    if !scheme.eq_ignore_ascii_case("pkg") {
        return Err(PurlError::new(
            Component::Scheme,
            ErrorKind::MissingScheme,
            format!("the scheme must be \"pkg\", got {scheme:?}"),
        ));
    }

    let (rest, subpath) = match rest.split_once('#') {
        Some((r, s)) => (r, Some(s)),
        None => (rest, None),
    };
    let (rest, qualifiers) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };

    // Slashes after "pkg:" are not significant.
    let rest = rest.trim_start_matches('/');
    let Some((ty, path)) = rest.split_once('/') else {
        return Err(PurlError::new(
            Component::Type,
            ErrorKind::MissingType,
            format!("no type: expected \"pkg:<type>/<name>\", got {input:?}"),
        ));
    };
    let ty = check_type(ty)?;

    let path = path.trim_end_matches('/');
    let (namespace_raw, last) = match path.rsplit_once('/') {
        Some((ns, last)) => (ns, last),
        None => ("", path),
    };
    let (name_raw, version_raw) = match last.rsplit_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (last, None),
    };
    if name_raw.is_empty() {
        return Err(PurlError::new(
            Component::Name,
            ErrorKind::MissingName,
            format!("the name is required and is empty in {input:?}"),
        ));
    }
    let name = decode(name_raw, Component::Name, lenient)?;

    let mut namespace = Vec::new();
    for segment in namespace_raw.split('/').filter(|s| !s.is_empty()) {
        namespace.push(decode_segment(segment, Component::Namespace, lenient)?);
    }

    let version = match version_raw {
        Some(v) => Some(decode(v, Component::Version, lenient)?).filter(|v| !v.is_empty()),
        None => None,
    };

    let mut qualifier_map = BTreeMap::new();
    for pair in qualifiers
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(PurlError::new(
                Component::Qualifiers,
                ErrorKind::MissingQualifierValueSeparator,
                format!("qualifier {pair:?} is not key=value"),
            ));
        };
        let key = check_key(key, lenient)?;
        let value = decode(value, Component::Qualifiers, lenient)?;
        insert_qualifier(&mut qualifier_map, key, value)?;
    }

    let mut subpath_segments = Vec::new();
    for segment in subpath.into_iter().flat_map(|s| s.split('/')) {
        let segment = decode_segment(segment, Component::Subpath, lenient)?;
        if !matches!(segment.as_ref(), "" | "." | "..") {
            subpath_segments.push(segment);
        }
    }

    PackageUrl::from_parts(Parts {
        ty,
        namespace,
        name,
        version,
        qualifiers: qualifier_map,
        subpath: subpath_segments,
    })
}

/// Decodes a namespace or subpath segment, which cannot hold a `/`.
fn decode_segment(
    segment: &str,
    component: Component,
    lenient: bool,
) -> Result<Cow<'_, str>, PurlError> {
    let decoded = decode(segment, component, lenient)?;
    if decoded.contains('/') {
        return Err(PurlError::new(
            component,
            ErrorKind::SlashInSegment,
            format!("segment {segment:?} decodes to a string with '/'"),
        ));
    }
    Ok(decoded)
}
