//! SPDX JSON into the raw form: typed serde structs (no `serde_json::Value`
//! of the document), strings moved, not copied.
//!
//! Limits are checked inside deserialization, before the allocation they
//! guard. serde's derive cannot hand a context to nested `Deserialize`
//! impls, so the active limits live in a thread-local for the duration of
//! one parse ([`LimitScope`]); a breach is recorded there so that the
//! resulting serde error can be reported as [`SbomError::LimitExceeded`].

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::raw::{
    non_blank, Loc, RawChecksum, RawDoc, RawExternalRef, RawPackage, RawRelationship,
};
use crate::{Encoding, Limits, Location, SbomError};

#[derive(Clone, Copy)]
struct ActiveLimits {
    max_string_bytes: usize,
    max_array_items: usize,
    max_components: usize,
    max_edges: usize,
}

impl ActiveLimits {
    fn from(limits: &Limits) -> Self {
        ActiveLimits {
            max_string_bytes: limits.max_string_bytes,
            max_array_items: limits.max_array_items,
            max_components: limits.max_components,
            max_edges: limits.max_edges,
        }
    }
}

thread_local! {
    static ACTIVE: Cell<Option<ActiveLimits>> = const { Cell::new(None) };
    static BREACH: Cell<Option<(&'static str, usize)>> = const { Cell::new(None) };
}

/// Installs the limits for one parse on this thread and removes them when
/// dropped (on every exit path, panics included).
struct LimitScope {
    previous: Option<ActiveLimits>,
}

impl LimitScope {
    fn enter(limits: &Limits) -> LimitScope {
        BREACH.with(|b| b.set(None));
        let previous = ACTIVE.with(|a| a.replace(Some(ActiveLimits::from(limits))));
        LimitScope { previous }
    }
}

impl Drop for LimitScope {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(self.previous));
        BREACH.with(|b| b.set(None));
    }
}

fn active() -> ActiveLimits {
    ACTIVE
        .with(Cell::get)
        .unwrap_or_else(|| ActiveLimits::from(&Limits::default()))
}

fn breach<E: de::Error>(limit: &'static str, max: usize) -> E {
    BREACH.with(|b| {
        if b.get().is_none() {
            b.set(Some((limit, max)));
        }
    });
    E::custom(format_args!("limit {limit} ({max}) exceeded"))
}

/// A string no longer than `max_string_bytes`.
struct Str(String);

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str, E> {
                let max = active().max_string_bytes;
                if v.len() > max {
                    return Err(breach("max_string_bytes", max));
                }
                Ok(Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str, E> {
                let max = active().max_string_bytes;
                if v.len() > max {
                    return Err(breach("max_string_bytes", max));
                }
                Ok(Str(v))
            }
        }
        d.deserialize_string(V)
    }
}

fn opt(s: Option<Str>) -> Option<String> {
    non_blank(s.map(|s| s.0))
}

/// Which limit bounds an array.
trait Bound {
    const NAME: &'static str;
    fn max(l: &ActiveLimits) -> usize;
}
struct Items;
impl Bound for Items {
    const NAME: &'static str = "max_array_items";
    fn max(l: &ActiveLimits) -> usize {
        l.max_array_items
    }
}
struct Components;
impl Bound for Components {
    const NAME: &'static str = "max_components";
    fn max(l: &ActiveLimits) -> usize {
        l.max_components
    }
}
struct Edges;
impl Bound for Edges {
    const NAME: &'static str = "max_edges";
    fn max(l: &ActiveLimits) -> usize {
        l.max_edges
    }
}

/// An array that refuses its element beyond the limit `B`.
struct List<T, B>(Vec<T>, PhantomData<B>);

impl<T, B> Default for List<T, B> {
    fn default() -> Self {
        List(Vec::new(), PhantomData)
    }
}

impl<'de, T: Deserialize<'de>, B: Bound> Deserialize<'de> for List<T, B> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, B>(PhantomData<(T, B)>);
        impl<'de, T: Deserialize<'de>, B: Bound> Visitor<'de> for V<T, B> {
            type Value = List<T, B>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let max = B::max(&active());
                let mut out = Vec::new();
                loop {
                    if out.len() >= max {
                        // One more element means the limit is exceeded.
                        if seq.next_element::<IgnoredAny>()?.is_some() {
                            return Err(breach(B::NAME, max));
                        }
                        break;
                    }
                    match seq.next_element()? {
                        Some(item) => out.push(item),
                        None => break,
                    }
                }
                Ok(List(out, PhantomData))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// The version alone: read again when the document does not deserialize,
/// so that an SPDX 3 or 2.1 document is reported as unsupported rather
/// than as a schema mismatch.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<Str>,
    #[serde(rename = "@context")]
    context: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: Option<Str>,
    #[serde(rename = "@context")]
    context: Option<IgnoredAny>,
    #[serde(rename = "SPDXID")]
    spdxid: Option<Str>,
    data_license: Option<Str>,
    name: Option<Str>,
    document_namespace: Option<Str>,
    creation_info: Option<CreationInfo>,
    #[serde(default)]
    document_describes: List<Str, Edges>,
    #[serde(default)]
    packages: List<Package, Components>,
    #[serde(default)]
    files: List<Element, Items>,
    #[serde(default)]
    snippets: List<Element, Items>,
    #[serde(default)]
    relationships: List<Relationship, Edges>,
}

#[derive(Deserialize)]
struct CreationInfo {
    created: Option<Str>,
    #[serde(default)]
    creators: List<Str, Items>,
}

#[derive(Deserialize)]
struct Element {
    #[serde(rename = "SPDXID")]
    spdxid: Option<Str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdxid: Option<Str>,
    name: Option<Str>,
    version_info: Option<Str>,
    supplier: Option<Str>,
    originator: Option<Str>,
    description: Option<Str>,
    summary: Option<Str>,
    download_location: Option<Str>,
    homepage: Option<Str>,
    license_concluded: Option<Str>,
    license_declared: Option<Str>,
    copyright_text: Option<Str>,
    primary_package_purpose: Option<Str>,
    #[serde(default)]
    checksums: List<Checksum, Items>,
    #[serde(default)]
    external_refs: List<ExternalRef, Items>,
    #[serde(default)]
    has_files: List<Str, Items>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: Str,
    checksum_value: Str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: Str,
    reference_type: Str,
    reference_locator: Str,
    comment: Option<Str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: Str,
    relationship_type: Str,
    related_spdx_element: Str,
}

/// `$`-rooted JSON path from serde_path_to_error's rendering.
fn json_path(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." {
        "$".to_owned()
    } else if p.starts_with('[') {
        format!("${p}")
    } else {
        format!("$.{p}")
    }
}

fn deserialize<T: DeserializeOwned>(body: &[u8]) -> Result<T, SbomError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = json_path(e.path());
        json_error(e.into_inner(), Some(path))
    })?;
    de.end().map_err(|e| json_error(e, None))?;
    Ok(value)
}

fn json_error(e: serde_json::Error, path: Option<String>) -> SbomError {
    let mut location = Location::line_column(e.line() as u64, e.column() as u64);
    if let Some(path) = path {
        location = location.with_path(path);
    }
    if let Some((limit, max)) = BREACH.with(Cell::take) {
        return SbomError::limit(limit, max, Some(location));
    }
    let message = crate::error::json_message(&e);
    match e.classify() {
        serde_json::error::Category::Data => {
            SbomError::invalid("SPDX JSON", location, "JSON schema", message)
        }
        _ => SbomError::syntax("JSON", location, message),
    }
}

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<RawDoc, SbomError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let _scope = LimitScope::enter(limits);

    let doc: Document = match deserialize(body) {
        Ok(doc) => doc,
        Err(e) => {
            if let Ok(probe) = deserialize::<Probe>(body) {
                version(probe.spdx_version, probe.context.is_some())?;
            }
            return Err(e);
        }
    };
    let version = version(doc.spdx_version, doc.context.is_some())?;
    let files_and_snippets = doc.files.0.len() + doc.snippets.0.len();
    let mut raw = RawDoc::new(Encoding::Json, version, Loc::JsonRoot);
    raw.spdxid = opt(doc.spdxid);
    raw.data_license = opt(doc.data_license);
    raw.name = opt(doc.name);
    raw.namespace = opt(doc.document_namespace);
    if let Some(info) = doc.creation_info {
        raw.creation_info = true;
        raw.created = opt(info.created);
        raw.creators = info
            .creators
            .0
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c.0, Loc::json("creationInfo.creators", i)))
            .collect();
    }
    raw.describes = doc
        .document_describes
        .0
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d.0, Loc::json("documentDescribes", i)))
        .collect();
    raw.other_elements = Vec::with_capacity(files_and_snippets);
    for (array, list) in [("files", doc.files), ("snippets", doc.snippets)] {
        for (i, element) in list.0.into_iter().enumerate() {
            let loc = Loc::json(array, i);
            match opt(element.spdxid) {
                Some(id) => raw.other_elements.push((id, loc)),
                None => {
                    return Err(SbomError::invalid(
                        "SPDX JSON",
                        loc.at("SPDXID"),
                        "element SPDXID required",
                        format!("the {array} entry has no SPDXID"),
                    ))
                }
            }
        }
    }
    raw.packages = Vec::with_capacity(doc.packages.0.len());
    for (i, p) in doc.packages.0.into_iter().enumerate() {
        raw.packages.push(package(p, i));
    }
    raw.relationships = doc
        .relationships
        .0
        .into_iter()
        .enumerate()
        .map(|(i, r)| RawRelationship {
            element: r.spdx_element_id.0,
            kind: r.relationship_type.0,
            related: r.related_spdx_element.0,
            loc: Loc::json("relationships", i),
        })
        .collect();
    Ok(raw)
}

fn version(written: Option<Str>, json_ld: bool) -> Result<&'static str, SbomError> {
    match written {
        Some(v) => super::supported_version(&v.0),
        None if json_ld => Err(SbomError::unsupported(
            "JSON-LD documents (SPDX 3) are not supported; SPDX 2.2 and 2.3 are",
        )),
        None => Err(SbomError::invalid(
            "SPDX JSON",
            Location::path("$.spdxVersion"),
            "spdxVersion required",
            "the document has no spdxVersion",
        )),
    }
}

fn package(p: Package, index: usize) -> RawPackage {
    let loc = Loc::json("packages", index);
    RawPackage {
        loc,
        spdxid: opt(p.spdxid),
        name: opt(p.name),
        version: opt(p.version_info),
        supplier: opt(p.supplier),
        originator: opt(p.originator),
        description: opt(p.description),
        summary: opt(p.summary),
        download_location: opt(p.download_location),
        homepage: opt(p.homepage),
        license_concluded: opt(p.license_concluded),
        license_declared: opt(p.license_declared),
        copyright: opt(p.copyright_text),
        purpose: opt(p.primary_package_purpose),
        checksums: p
            .checksums
            .0
            .into_iter()
            .enumerate()
            .map(|(i, c)| RawChecksum {
                algorithm: c.algorithm.0,
                value: c.checksum_value.0,
                loc: Loc::json_sub("packages", index, "checksums", i),
            })
            .collect(),
        external_refs: p
            .external_refs
            .0
            .into_iter()
            .enumerate()
            .map(|(i, r)| RawExternalRef {
                category: r.reference_category.0,
                kind: r.reference_type.0,
                locator: r.reference_locator.0,
                comment: opt(r.comment),
                loc: Loc::json_sub("packages", index, "externalRefs", i),
            })
            .collect(),
        files: p
            .has_files
            .0
            .into_iter()
            .enumerate()
            .map(|(i, f)| (f.0, Loc::json_sub("packages", index, "hasFiles", i)))
            .collect(),
    }
}
