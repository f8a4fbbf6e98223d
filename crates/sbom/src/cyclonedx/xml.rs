//! CycloneDX XML: a streaming quick-xml reader. Each top-level component,
//! dependency, service and the metadata are built as a small element tree,
//! mapped to the raw structs and handed to the builder, then dropped, so the
//! whole document is never held as a tree.
//!
//! Entities: a DTD that declares entities is refused, and so is any entity
//! reference other than the five predefined ones and character references;
//! nothing is expanded and nothing external is loaded.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::build::{self, Builder, Head, P};
use super::raw::*;
use crate::{Encoding, Limits, Location, Sbom, SbomError};

const NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";
/// Element nesting is also bounded here whatever `max_depth` says, because
/// element trees are built and dropped recursively.
const HARD_MAX_DEPTH: usize = 256;

/// One element in the CycloneDX namespace, with its attributes (those
/// without a namespace prefix) and text.
#[derive(Debug, Default)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Elem>,
    text: String,
    at: (u64, u64),
}

impl Elem {
    fn attr(&mut self, name: &str) -> Option<String> {
        self.attrs
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| std::mem::take(v))
    }
    fn text(self) -> String {
        self.text.trim().to_string()
    }
}

/// A start tag as read.
struct Start {
    name: String,
    in_ns: bool,
    attrs: Vec<(String, String)>,
    empty: bool,
    offset: usize,
}

enum Ev {
    Start(Start),
    End,
    Text(String),
    Eof,
}

/// Line and column of byte offsets that only move forward, without
/// rescanning the input each time.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
    line_start: usize,
}

impl<'a> Lines<'a> {
    fn at(&mut self, offset: usize) -> (u64, u64) {
        let offset = offset.min(self.bytes.len());
        if offset < self.offset {
            return crate::detect::line_column(self.bytes, offset);
        }
        let chunk = self.bytes.get(self.offset..offset).unwrap_or_default();
        for (i, b) in chunk.iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = offset;
        let col =
            String::from_utf8_lossy(self.bytes.get(self.line_start..offset).unwrap_or_default())
                .chars()
                .count() as u64
                + 1;
        (self.line, col)
    }
}

struct Reader<'a> {
    reader: NsReader<&'a [u8]>,
    bytes: &'a [u8],
    lines: Lines<'a>,
    ns: Vec<u8>,
    depth: usize,
    max_depth: usize,
    limits: &'a Limits,
    components: usize,
}

impl<'a> Reader<'a> {
    fn location(&mut self, offset: usize) -> Location {
        let (line, column) = self.lines.at(offset);
        Location::line_column(line, column)
    }

    fn syntax(&self, offset: u64, message: impl Into<String>) -> SbomError {
        let (line, column) = crate::detect::line_column(self.bytes, offset as usize);
        SbomError::syntax("XML", Location::line_column(line, column), message)
    }

    fn entity_error(&mut self, offset: usize, message: impl Into<String>) -> SbomError {
        let location = self.location(offset);
        SbomError::invalid(build::FORMAT, location, "xml-entity", message)
    }

    fn string_limit(&mut self, len: usize, offset: usize) -> Result<(), SbomError> {
        if len > self.limits.max_string_bytes {
            let location = self.location(offset);
            return Err(SbomError::limit(
                "max_string_bytes",
                self.limits.max_string_bytes,
                Some(location),
            ));
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Ev, SbomError> {
        loop {
            let offset = self.reader.buffer_position() as usize;
            let (in_ns, event) = match self.reader.read_resolved_event() {
                Ok((r, e)) => (
                    matches!(&r, ResolveResult::Bound(ns) if ns.as_ref() == self.ns.as_slice()),
                    e,
                ),
                Err(e) => {
                    let pos = self.reader.error_position();
                    return Err(self.syntax(pos, e.to_string()));
                }
            };
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let mut attrs = Vec::new();
                    for attr in e.attributes() {
                        let attr =
                            attr.map_err(|err| self.syntax(offset as u64, err.to_string()))?;
                        let key = attr.key;
                        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
                            continue;
                        }
                        // Attributes with a prefix belong to other
                        // vocabularies (xsi:schemaLocation, extensions).
                        if key.prefix().is_some() {
                            continue;
                        }
                        let value = match attr.unescape_value() {
                            Ok(v) => v.into_owned(),
                            Err(err) => {
                                return Err(self.entity_error(
                                    offset,
                                    format!("attribute value: {err}; only the predefined entities and character references are allowed"),
                                ))
                            }
                        };
                        self.string_limit(value.len(), offset)?;
                        attrs.push((
                            String::from_utf8_lossy(key.local_name().as_ref()).into_owned(),
                            value,
                        ));
                    }
                    if !empty {
                        self.depth += 1;
                        if self.depth > self.max_depth {
                            let location = self.location(offset);
                            return Err(SbomError::limit(
                                "max_depth",
                                self.max_depth,
                                Some(location),
                            ));
                        }
                    }
                    return Ok(Ev::Start(Start {
                        name,
                        in_ns,
                        attrs,
                        empty,
                        offset,
                    }));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Ev::End);
                }
                Event::Text(t) => {
                    let text = t
                        .decode()
                        .map_err(|e| self.syntax(offset as u64, e.to_string()))?;
                    return Ok(Ev::Text(text.into_owned()));
                }
                Event::CData(t) => {
                    let text = t
                        .decode()
                        .map_err(|e| self.syntax(offset as u64, e.to_string()))?;
                    return Ok(Ev::Text(text.into_owned()));
                }
                Event::GeneralRef(r) => {
                    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                    let predefined = match name.as_str() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    };
                    let ch = match predefined {
                        Some(c) => c,
                        None if r.is_char_ref() => match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            _ => {
                                return Err(self.syntax(
                                    offset as u64,
                                    format!("invalid character reference &{name};"),
                                ))
                            }
                        },
                        None => {
                            return Err(self.entity_error(
                                offset,
                                format!("entity reference &{name}; is refused: entities are not expanded (only the five predefined ones and character references are allowed)"),
                            ))
                        }
                    };
                    return Ok(Ev::Text(ch.to_string()));
                }
                Event::DocType(d) => {
                    let text = String::from_utf8_lossy(d.as_ref());
                    if text.contains("<!ENTITY") {
                        return Err(self.entity_error(
                            offset,
                            "the DTD declares entities; entity declarations are refused (no expansion, no external entities)",
                        ));
                    }
                }
                Event::Eof => return Ok(Ev::Eof),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
    }

    /// Skips the rest of an element whose start tag was just read (its
    /// events are still read, so the entity and depth checks still apply).
    fn skip(&mut self, start: &Start) -> Result<(), SbomError> {
        if start.empty {
            return Ok(());
        }
        let mut open = 1usize;
        while open > 0 {
            match self.next()? {
                Ev::Start(s) => {
                    if !s.empty {
                        open += 1
                    }
                }
                Ev::End => open -= 1,
                Ev::Text(_) => {}
                Ev::Eof => {
                    return Err(self.syntax(self.bytes.len() as u64, "unexpected end of input"))
                }
            }
        }
        Ok(())
    }

    fn count_component(&mut self, offset: usize) -> Result<(), SbomError> {
        self.components += 1;
        if self.components > self.limits.max_components {
            let location = self.location(offset);
            return Err(SbomError::limit(
                "max_components",
                self.limits.max_components,
                Some(location),
            ));
        }
        Ok(())
    }

    /// Builds the tree of the element whose start tag was just read,
    /// iteratively. Elements of other namespaces are skipped. Components
    /// nested in components and the metadata component are counted here,
    /// as they are met.
    fn read_elem(&mut self, start: Start) -> Result<Elem, SbomError> {
        let at = self.lines.at(start.offset);
        let root = Elem {
            name: start.name,
            attrs: start.attrs,
            at,
            ..Elem::default()
        };
        if start.empty {
            return Ok(root);
        }
        let mut stack = vec![root];
        loop {
            match self.next()? {
                Ev::Start(s) => {
                    if !s.in_ns {
                        self.skip(&s)?;
                        continue;
                    }
                    let parent = stack.last().map(|e| e.name.as_str()).unwrap_or_default();
                    let grandparent = stack
                        .len()
                        .checked_sub(2)
                        .and_then(|i| stack.get(i))
                        .map(|e| e.name.as_str())
                        .unwrap_or_default();
                    if s.name == "component"
                        && ((parent == "components" && grandparent == "component")
                            || parent == "metadata")
                    {
                        self.count_component(s.offset)?;
                    }
                    let at = self.lines.at(s.offset);
                    let elem = Elem {
                        name: s.name,
                        attrs: s.attrs,
                        at,
                        ..Elem::default()
                    };
                    if s.empty {
                        if let Some(top) = stack.last_mut() {
                            top.children.push(elem);
                        }
                    } else {
                        stack.push(elem);
                    }
                }
                Ev::End => {
                    let Some(done) = stack.pop() else {
                        return Err(self.syntax(0, "unbalanced end tag"));
                    };
                    match stack.last_mut() {
                        Some(top) => top.children.push(done),
                        None => return Ok(done),
                    }
                }
                Ev::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        let len = top.text.len() + t.len();
                        // Whitespace between child elements is not kept.
                        if top.children.is_empty() || !t.trim().is_empty() {
                            top.text.push_str(&t);
                        }
                        if len > self.limits.max_string_bytes {
                            let offset = self.reader.buffer_position() as usize;
                            self.string_limit(len, offset)?;
                        }
                    }
                }
                Ev::Eof => {
                    return Err(self.syntax(self.bytes.len() as u64, "unexpected end of input"))
                }
            }
        }
    }
}

fn check_items(len: usize, limits: &Limits, at: (u64, u64)) -> Result<(), SbomError> {
    if len > limits.max_array_items {
        return Err(SbomError::limit(
            "max_array_items",
            limits.max_array_items,
            Some(Location::line_column(at.0, at.1)),
        ));
    }
    Ok(())
}

/// Mapping of element trees to the raw structs. Scalars that the schema
/// allows once are refused when repeated.
struct Map<'l> {
    limits: &'l Limits,
}

impl<'l> Map<'l> {
    fn once(slot: &mut Option<String>, e: Elem, path: &P) -> Result<(), SbomError> {
        let at = e.at;
        let name = e.name.clone();
        if slot.is_some() {
            return Err(build::invalid(
                path,
                Some(at),
                "xml-occurrence",
                format!("<{name}> may occur only once here"),
            ));
        }
        *slot = Some(e.text());
        Ok(())
    }

    fn entity(mut e: Elem) -> RawEntity {
        let mut out = RawEntity::default();
        for c in std::mem::take(&mut e.children) {
            match c.name.as_str() {
                "name" => out.name = Some(c.text()),
                "email" => out.email = Some(c.text()),
                _ => {}
            }
        }
        out
    }

    fn list<T>(
        &self,
        e: Elem,
        item: &str,
        mut f: impl FnMut(Elem, usize) -> Result<T, SbomError>,
    ) -> Result<LVec<T>, SbomError> {
        let at = e.at;
        let mut out = Vec::new();
        for c in e.children {
            if c.name == item {
                let i = out.len();
                out.push(f(c, i)?);
                check_items(out.len(), self.limits, at)?;
            }
        }
        Ok(LVec(out))
    }

    fn hash(mut e: Elem) -> RawHash {
        RawHash {
            alg: e.attr("alg"),
            content: Some(e.text()),
        }
    }

    fn property(mut e: Elem) -> RawProperty {
        let name = e.attr("name");
        let text = e.text();
        RawProperty {
            name,
            value: (!text.is_empty()).then_some(text),
        }
    }

    fn attachment(mut e: Elem) -> RawAttachment {
        RawAttachment {
            encoding: e.attr("encoding"),
        }
    }

    fn license(&self, mut e: Elem, path: &P) -> Result<RawLicense, SbomError> {
        let mut out = RawLicense {
            acknowledgement: e.attr("acknowledgement"),
            ..RawLicense::default()
        };
        for c in std::mem::take(&mut e.children) {
            match c.name.as_str() {
                "id" => Self::once(&mut out.id, c, &path.field("id", "id"))?,
                "name" => Self::once(&mut out.name, c, &path.field("name", "name"))?,
                "text" => out.text = Some(Self::attachment(c)),
                "properties" => {
                    out.properties = self.list(c, "property", |p, _| Ok(Self::property(p)))?
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn licenses(&self, e: Elem, path: &P) -> Result<LVec<RawLicenseChoice>, SbomError> {
        let at = e.at;
        let mut out = Vec::new();
        for mut c in e.children {
            let p = path.item("licenses", "licenses", "license", out.len());
            match c.name.as_str() {
                "license" => out.push(RawLicenseChoice {
                    license: Some(self.license(c, &p)?),
                    ..RawLicenseChoice::default()
                }),
                "expression" => out.push(RawLicenseChoice {
                    acknowledgement: c.attr("acknowledgement"),
                    expression: Some(c.text()),
                    ..RawLicenseChoice::default()
                }),
                _ => continue,
            }
            check_items(out.len(), self.limits, at)?;
        }
        Ok(LVec(out))
    }

    fn ext_refs(&self, e: Elem) -> Result<LVec<RawExtRef>, SbomError> {
        self.list(e, "reference", |mut r, _| {
            let mut out = RawExtRef {
                kind: r.attr("type"),
                ..RawExtRef::default()
            };
            for c in std::mem::take(&mut r.children) {
                match c.name.as_str() {
                    "url" => out.url = Some(c.text()),
                    "comment" => out.comment = Some(c.text()),
                    "hashes" => out.hashes = self.list(c, "hash", |h, _| Ok(Self::hash(h)))?,
                    _ => {}
                }
            }
            Ok(out)
        })
    }

    fn pedigree(&self, mut e: Elem) -> Result<RawPedigree, SbomError> {
        let mut out = RawPedigree::default();
        for c in std::mem::take(&mut e.children) {
            if c.name == "patches" {
                out.patches = self.list(c, "patch", |mut p, _| {
                    let mut patch = RawPatch {
                        kind: p.attr("type"),
                        ..RawPatch::default()
                    };
                    for pc in std::mem::take(&mut p.children) {
                        match pc.name.as_str() {
                            "diff" => {
                                let text = pc
                                    .children
                                    .into_iter()
                                    .find(|t| t.name == "text")
                                    .map(Self::attachment);
                                patch.diff = Some(RawDiff { text });
                            }
                            "resolves" => {
                                patch.resolves = self.list(pc, "issue", |mut i, _| {
                                    Ok(RawIssue {
                                        kind: i.attr("type"),
                                    })
                                })?
                            }
                            _ => {}
                        }
                    }
                    Ok(patch)
                })?;
            }
        }
        Ok(out)
    }

    fn component(&self, mut e: Elem, path: &P) -> Result<RawComponent, SbomError> {
        let mut c = RawComponent {
            kind: e.attr("type"),
            bom_ref: e.attr("bom-ref"),
            at: Some(e.at),
            ..RawComponent::default()
        };
        let mut nested = Vec::new();
        for child in std::mem::take(&mut e.children) {
            match child.name.as_str() {
                "supplier" => c.supplier = Some(Self::entity(child)),
                "author" => Self::once(&mut c.author, child, &path.field("author", "author"))?,
                "authors" => c.authors = self.list(child, "author", |a, _| Ok(Self::entity(a)))?,
                "publisher" => Self::once(
                    &mut c.publisher,
                    child,
                    &path.field("publisher", "publisher"),
                )?,
                "group" => Self::once(&mut c.group, child, &path.field("group", "group"))?,
                "name" => Self::once(&mut c.name, child, &path.field("name", "name"))?,
                "version" => Self::once(&mut c.version, child, &path.field("version", "version"))?,
                "description" => Self::once(
                    &mut c.description,
                    child,
                    &path.field("description", "description"),
                )?,
                "scope" => Self::once(&mut c.scope, child, &path.field("scope", "scope"))?,
                "copyright" => Self::once(
                    &mut c.copyright,
                    child,
                    &path.field("copyright", "copyright"),
                )?,
                "cpe" => Self::once(&mut c.cpe, child, &path.field("cpe", "cpe"))?,
                "purl" => Self::once(&mut c.purl, child, &path.field("purl", "purl"))?,
                "hashes" => c.hashes = self.list(child, "hash", |h, _| Ok(Self::hash(h)))?,
                "licenses" => c.licenses = self.licenses(child, path)?,
                "swid" => {
                    let mut s = child;
                    c.swid = Some(RawSwid {
                        tag_id: s.attr("tagId"),
                        name: s.attr("name"),
                    });
                }
                "pedigree" => c.pedigree = Some(self.pedigree(child)?),
                "externalReferences" => c.external_references = self.ext_refs(child)?,
                "properties" => {
                    c.properties = self.list(child, "property", |p, _| Ok(Self::property(p)))?
                }
                "components" => {
                    for n in child.children {
                        if n.name == "component" {
                            let p =
                                path.item("components", "components", "component", nested.len());
                            nested.push(self.component(n, &p)?);
                        }
                    }
                }
                _ => {}
            }
        }
        c.components = CompVec(nested);
        Ok(c)
    }

    fn service(&self, mut e: Elem, path: &P) -> Result<RawService, SbomError> {
        let mut s = RawService {
            bom_ref: e.attr("bom-ref"),
            at: Some(e.at),
            ..RawService::default()
        };
        let mut nested = Vec::new();
        for child in std::mem::take(&mut e.children) {
            match child.name.as_str() {
                "name" => Self::once(&mut s.name, child, &path.field("name", "name"))?,
                "data" => {
                    s.data = self.list(child, "classification", |mut c, _| {
                        Ok(RawDataFlow {
                            flow: c.attr("flow"),
                        })
                    })?
                }
                "properties" => {
                    s.properties = self.list(child, "property", |p, _| Ok(Self::property(p)))?
                }
                "licenses" => s.licenses = self.licenses(child, path)?,
                "externalReferences" => s.external_references = self.ext_refs(child)?,
                "services" => {
                    for n in child.children {
                        if n.name == "service" {
                            let p = path.item("services", "services", "service", nested.len());
                            nested.push(self.service(n, &p)?);
                        }
                    }
                }
                _ => {}
            }
        }
        s.services = ServiceVec(nested);
        Ok(s)
    }

    fn tool_item(&self, mut e: Elem) -> Result<RawToolItem, SbomError> {
        let mut t = RawToolItem::default();
        for c in std::mem::take(&mut e.children) {
            match c.name.as_str() {
                "group" | "vendor" => t.group = Some(c.text()),
                "name" => t.name = Some(c.text()),
                "version" => t.version = Some(c.text()),
                "hashes" => t.hashes = self.list(c, "hash", |h, _| Ok(Self::hash(h)))?,
                _ => {}
            }
        }
        Ok(t)
    }

    fn metadata(&self, mut e: Elem, path: &P) -> Result<RawMetadata, SbomError> {
        let mut m = RawMetadata {
            at: Some(e.at),
            ..RawMetadata::default()
        };
        for child in std::mem::take(&mut e.children) {
            match child.name.as_str() {
                "timestamp" => Self::once(
                    &mut m.timestamp,
                    child,
                    &path.field("timestamp", "timestamp"),
                )?,
                "tools" => {
                    let legacy = child.children.iter().any(|t| t.name == "tool");
                    if legacy {
                        let items = self.list(child, "tool", |t, _| {
                            let t = self.tool_item(t)?;
                            Ok(RawTool {
                                vendor: t.group,
                                name: t.name,
                                version: t.version,
                                hashes: t.hashes,
                            })
                        })?;
                        m.tools = Some(RawTools::Legacy(items.0));
                    } else {
                        let mut obj = RawToolsObject::default();
                        for group in child.children {
                            match group.name.as_str() {
                                "components" => {
                                    obj.components =
                                        self.list(group, "component", |t, _| self.tool_item(t))?
                                }
                                "services" => {
                                    obj.services =
                                        self.list(group, "service", |t, _| self.tool_item(t))?
                                }
                                _ => {}
                            }
                        }
                        m.tools = Some(RawTools::Object(obj));
                    }
                }
                "authors" => m.authors = self.list(child, "author", |a, _| Ok(Self::entity(a)))?,
                "component" => {
                    m.component =
                        Some(self.component(child, &path.field("component", "component"))?)
                }
                "licenses" => m.licenses = self.licenses(child, path)?,
                "properties" => {
                    m.properties = self.list(child, "property", |p, _| Ok(Self::property(p)))?
                }
                _ => {}
            }
        }
        Ok(m)
    }

    fn dependency(&self, mut e: Elem, edges: &mut usize) -> Result<RawDependency, SbomError> {
        let mut d = RawDependency {
            reference: e.attr("ref"),
            at: Some(e.at),
            ..RawDependency::default()
        };
        for mut c in std::mem::take(&mut e.children) {
            let list = match c.name.as_str() {
                "dependency" => &mut d.depends_on.0,
                "provides" => &mut d.provides.0,
                _ => continue,
            };
            *edges += 1;
            if *edges > self.limits.max_edges {
                return Err(SbomError::limit(
                    "max_edges",
                    self.limits.max_edges,
                    Some(Location::line_column(c.at.0, c.at.1)),
                ));
            }
            let Some(r) = c.attr("ref") else {
                return Err(SbomError::invalid(
                    build::FORMAT,
                    Location::line_column(c.at.0, c.at.1),
                    "required-field",
                    format!("<{}> needs a ref attribute", c.name),
                ));
            };
            list.push(r.clone());
            if c.name == "dependency" && !c.children.is_empty() {
                let mut inner = self.dependency(c, edges)?;
                inner.reference = Some(r);
                d.nested.push(inner);
            }
        }
        Ok(d)
    }
}

fn namespace_minor(ns: &[u8]) -> Result<(String, u8), SbomError> {
    let ns = String::from_utf8_lossy(ns);
    let Some(version) = ns.strip_prefix(NAMESPACE_PREFIX) else {
        return Err(SbomError::invalid(
            build::FORMAT,
            Location::path("/bom/@xmlns"),
            "namespace",
            format!("namespace \"{ns}\" is not a CycloneDX namespace ({NAMESPACE_PREFIX}1.x)"),
        ));
    };
    let well_formed = version.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    if !well_formed {
        return Err(SbomError::invalid(
            build::FORMAT,
            Location::path("/bom/@xmlns"),
            "namespace",
            format!("namespace \"{ns}\" names no CycloneDX version"),
        ));
    }
    let minor = super::xml_minor(version)?;
    Ok((version.to_string(), minor))
}

pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    limits.check_input(bytes.len() as u64)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = NsReader::from_reader(bytes);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);
    let mut r = Reader {
        reader,
        bytes,
        lines: Lines {
            bytes,
            offset: 0,
            line: 1,
            line_start: 0,
        },
        ns: Vec::new(),
        depth: 0,
        max_depth: limits.max_depth.min(HARD_MAX_DEPTH),
        limits,
        components: 0,
    };

    // The root element and its namespace.
    let (root, ns) = loop {
        let offset = r.reader.buffer_position();
        match r.reader.read_resolved_event() {
            Ok((ResolveResult::Bound(ns), Event::Start(e))) => {
                let ns = ns.as_ref().to_vec();
                break (e.into_owned(), Some(ns));
            }
            Ok((_, Event::Start(e))) => break (e.into_owned(), None),
            Ok((ResolveResult::Bound(_), Event::Empty(_))) | Ok((_, Event::Empty(_))) => {
                return Err(r.syntax(offset, "the <bom> element is empty"));
            }
            Ok((_, Event::DocType(d))) => {
                if String::from_utf8_lossy(d.as_ref()).contains("<!ENTITY") {
                    return Err(r.entity_error(
                        offset as usize,
                        "the DTD declares entities; entity declarations are refused (no expansion, no external entities)",
                    ));
                }
            }
            Ok((_, Event::Eof)) => return Err(r.syntax(offset, "no root element")),
            Ok((_, Event::Text(t))) if t.as_ref().iter().all(|b| b.is_ascii_whitespace()) => {}
            Ok((_, Event::Text(_))) | Ok((_, Event::GeneralRef(_))) | Ok((_, Event::CData(_))) => {
                return Err(r.syntax(offset, "text before the root element"));
            }
            Ok(_) => {}
            Err(e) => {
                let pos = r.reader.error_position();
                return Err(r.syntax(pos, e.to_string()));
            }
        }
    };
    r.depth = 1;
    if root.local_name().as_ref() != b"bom" {
        return Err(SbomError::unsupported(format!(
            "XML root element <{}> is not a CycloneDX <bom>",
            String::from_utf8_lossy(root.local_name().as_ref())
        )));
    }
    let Some(ns) = ns else {
        return Err(SbomError::invalid(
            build::FORMAT,
            Location::path("/bom/@xmlns"),
            "namespace",
            "<bom> is in no namespace; CycloneDX XML uses http://cyclonedx.org/schema/bom/1.x",
        ));
    };
    let (spec_version, minor) = namespace_minor(&ns)?;
    r.ns = ns;

    let root_path = P::Root(Encoding::Xml);
    let mut serial_number = None;
    let mut version = None;
    for attr in root.attributes() {
        let attr = attr.map_err(|e| r.syntax(0, e.to_string()))?;
        let value = attr
            .unescape_value()
            .map_err(|e| r.entity_error(0, e.to_string()))?
            .into_owned();
        match attr.key.as_ref() {
            b"serialNumber" => {
                build::check_serial_number(
                    &value,
                    &root_path.field("serialNumber", "@serialNumber"),
                )?;
                serial_number = Some(value);
            }
            b"version" => {
                version = Some(value.trim().parse::<i64>().map_err(|_| {
                    build::invalid(
                        &root_path.field("version", "@version"),
                        None,
                        "version",
                        format!("\"{value}\" is not an integer"),
                    )
                })?);
            }
            _ => {}
        }
    }

    let mut builder = Builder::new(Encoding::Xml, minor);
    let map = Map { limits };
    let mut edges = 0usize;
    let mut component_index = 0usize;
    let mut dependency_index = 0usize;
    let mut service_index = 0usize;
    loop {
        match r.next()? {
            Ev::Start(s) => {
                if !s.in_ns {
                    r.skip(&s)?;
                    continue;
                }
                match s.name.as_str() {
                    "components" if !s.empty => loop {
                        match r.next()? {
                            Ev::Start(c) if c.in_ns && c.name == "component" => {
                                r.count_component(c.offset)?;
                                let elem = r.read_elem(c)?;
                                let path = root_path.item(
                                    "components",
                                    "components",
                                    "component",
                                    component_index,
                                );
                                component_index += 1;
                                let raw = map.component(elem, &path)?;
                                builder.add_component(raw, &path)?;
                            }
                            Ev::Start(other) => r.skip(&other)?,
                            Ev::End => break,
                            Ev::Text(_) => {}
                            Ev::Eof => {
                                return Err(r.syntax(bytes.len() as u64, "unexpected end of input"))
                            }
                        }
                    },
                    "dependencies" if !s.empty => loop {
                        match r.next()? {
                            Ev::Start(c) if c.in_ns && c.name == "dependency" => {
                                let elem = r.read_elem(c)?;
                                let path = root_path.item(
                                    "dependencies",
                                    "dependencies",
                                    "dependency",
                                    dependency_index,
                                );
                                dependency_index += 1;
                                let raw = map.dependency(elem, &mut edges)?;
                                builder.add_dependency(raw, &path)?;
                            }
                            Ev::Start(other) => r.skip(&other)?,
                            Ev::End => break,
                            Ev::Text(_) => {}
                            Ev::Eof => {
                                return Err(r.syntax(bytes.len() as u64, "unexpected end of input"))
                            }
                        }
                    },
                    "services" if !s.empty => loop {
                        match r.next()? {
                            Ev::Start(c) if c.in_ns && c.name == "service" => {
                                let elem = r.read_elem(c)?;
                                let path = root_path.item(
                                    "services",
                                    "services",
                                    "service",
                                    service_index,
                                );
                                service_index += 1;
                                check_items(service_index, limits, elem.at)?;
                                let raw = map.service(elem, &path)?;
                                builder.add_service(raw, &path)?;
                            }
                            Ev::Start(other) => r.skip(&other)?,
                            Ev::End => break,
                            Ev::Text(_) => {}
                            Ev::Eof => {
                                return Err(r.syntax(bytes.len() as u64, "unexpected end of input"))
                            }
                        }
                    },
                    "metadata" => {
                        let elem = r.read_elem(s)?;
                        let path = root_path.field("metadata", "metadata");
                        let raw = map.metadata(elem, &path)?;
                        builder.set_metadata(raw, &path)?;
                    }
                    _ => r.skip(&s)?,
                }
            }
            Ev::End => break,
            Ev::Text(_) => {}
            Ev::Eof => return Err(r.syntax(bytes.len() as u64, "unexpected end of input")),
        }
    }
    // Anything after </bom> must still be well-formed and free of entities.
    loop {
        match r.next()? {
            Ev::Eof => break,
            Ev::Text(t) if t.trim().is_empty() => {}
            _ => {
                let pos = r.reader.buffer_position();
                return Err(r.syntax(pos, "content after the root element"));
            }
        }
    }

    builder.finish(Head {
        spec_version,
        serial_number,
        version,
    })
}
