//! The document as written, before validation: one set of typed structs that
//! the JSON reader fills through serde and the XML reader fills by hand, so
//! the rules in `build` are written once for both encodings.
//!
//! JSON limits are checked while serde reads, through a per-thread context
//! (serde's derive has no way to pass state to nested `Deserialize` impls).

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::build::Builder;
use crate::{Limits, SbomError};

/// State shared by the JSON `Deserialize` impls during one parse.
pub(crate) struct JsonCtx {
    pub limits: Limits,
    pub components: usize,
    pub depth: usize,
    pub edges: usize,
    /// The real error behind a serde `custom` error (limit or rule breach).
    pub error: Option<SbomError>,
    pub builder: Option<Builder>,
}

impl JsonCtx {
    pub fn new(limits: Limits, builder: Option<Builder>) -> JsonCtx {
        JsonCtx {
            limits,
            components: 0,
            depth: 0,
            edges: 0,
            error: None,
            builder,
        }
    }
}

/// Hands a piece just read to the builder of the running parse.
pub(crate) fn with_builder(
    f: impl FnOnce(&mut Builder) -> Result<(), SbomError>,
) -> Result<(), String> {
    with_ctx(|ctx| match ctx.builder.as_mut() {
        Some(b) => f(b),
        None => Ok(()),
    })
    .map(|_| ())
}

thread_local! {
    static CTX: RefCell<Option<JsonCtx>> = const { RefCell::new(None) };
}

/// Installs the context for the current thread; it is removed on drop, also
/// when a parse returns early.
pub(crate) struct CtxGuard;

impl CtxGuard {
    pub fn install(ctx: JsonCtx) -> CtxGuard {
        CTX.with(|c| *c.borrow_mut() = Some(ctx));
        CtxGuard
    }
    pub fn take(&self) -> Option<JsonCtx> {
        CTX.with(|c| c.borrow_mut().take())
    }
}

impl Drop for CtxGuard {
    fn drop(&mut self) {
        CTX.with(|c| *c.borrow_mut() = None);
    }
}

/// Runs `f` on the context; without one (a raw struct deserialized outside a
/// parse) nothing is limited.
fn with_ctx<R>(f: impl FnOnce(&mut JsonCtx) -> Result<R, SbomError>) -> Result<Option<R>, String> {
    CTX.with(|c| {
        let mut borrow = c.borrow_mut();
        let Some(ctx) = borrow.as_mut() else {
            return Ok(None);
        };
        match f(ctx) {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                let message = e.to_string();
                ctx.error = Some(e);
                Err(message)
            }
        }
    })
}

fn check<E: de::Error>(f: impl FnOnce(&mut JsonCtx) -> Result<(), SbomError>) -> Result<(), E> {
    with_ctx(f).map(|_| ()).map_err(E::custom)
}

/// An optional string, refused when longer than `max_string_bytes`.
pub(crate) fn s<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(d)?;
    if let Some(v) = &value {
        let len = v.len();
        check(|ctx| {
            if len > ctx.limits.max_string_bytes {
                Err(SbomError::limit(
                    "max_string_bytes",
                    ctx.limits.max_string_bytes,
                    None,
                ))
            } else {
                Ok(())
            }
        })?;
    }
    Ok(value)
}

/// An array other than components and dependencies, bounded by
/// `max_array_items` as its items are read.
#[derive(Debug)]
pub(crate) struct LVec<T>(pub Vec<T>);

impl<T> Default for LVec<T> {
    fn default() -> Self {
        LVec(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LVec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LVec<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LVec::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                    let n = out.len();
                    check(|ctx| {
                        if n > ctx.limits.max_array_items {
                            Err(SbomError::limit(
                                "max_array_items",
                                ctx.limits.max_array_items,
                                None,
                            ))
                        } else {
                            Ok(())
                        }
                    })?;
                }
                Ok(LVec(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Components nested in a component (or the tools of 1.5+): counted against
/// `max_components` and bounded by `max_depth` as they are read.
#[derive(Debug, Default)]
pub(crate) struct CompVec(pub Vec<RawComponent>);

/// Enters one nesting level of components; the error names `max_depth`.
pub(crate) fn enter_depth<E: de::Error>() -> Result<(), E> {
    check(|ctx| {
        ctx.depth += 1;
        if ctx.depth > ctx.limits.max_depth {
            Err(SbomError::limit("max_depth", ctx.limits.max_depth, None))
        } else {
            Ok(())
        }
    })
}

pub(crate) fn leave_depth() {
    let _ = with_ctx(|ctx| {
        ctx.depth = ctx.depth.saturating_sub(1);
        Ok(())
    });
}

/// Counts one more component; the error names `max_components`.
pub(crate) fn count_component<E: de::Error>() -> Result<(), E> {
    check(|ctx| {
        ctx.components += 1;
        if ctx.components > ctx.limits.max_components {
            Err(SbomError::limit(
                "max_components",
                ctx.limits.max_components,
                None,
            ))
        } else {
            Ok(())
        }
    })
}

impl<'de> Deserialize<'de> for CompVec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CompVec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of components")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(CompVec::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                enter_depth::<A::Error>()?;
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                    count_component::<A::Error>()?;
                }
                leave_depth();
                Ok(CompVec(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Services nested in services: bounded by `max_depth`.
#[derive(Debug, Default)]
pub(crate) struct ServiceVec(pub Vec<RawService>);

impl<'de> Deserialize<'de> for ServiceVec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        enter_depth::<D::Error>()?;
        let inner = LVec::<RawService>::deserialize(d);
        leave_depth();
        Ok(ServiceVec(inner?.0))
    }
}

/// `dependsOn` / `provides`: references, counted against `max_edges`.
#[derive(Debug, Default)]
pub(crate) struct RefVec(pub Vec<String>);

impl<'de> Deserialize<'de> for RefVec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RefVec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of references")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RefVec::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Item(item)) = seq.next_element()? {
                    check::<A::Error>(|ctx| {
                        ctx.edges += 1;
                        if ctx.edges > ctx.limits.max_edges {
                            Err(SbomError::limit("max_edges", ctx.limits.max_edges, None))
                        } else {
                            Ok(())
                        }
                    })?;
                    out.push(item);
                }
                Ok(RefVec(out))
            }
        }
        struct Item(String);
        impl<'de> Deserialize<'de> for Item {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                match s(d)? {
                    Some(v) => Ok(Item(v)),
                    None => Err(de::Error::invalid_type(
                        de::Unexpected::Unit,
                        &"a reference string",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawComponent {
    #[serde(rename = "type", default, deserialize_with = "s")]
    pub kind: Option<String>,
    #[serde(rename = "bom-ref", default, deserialize_with = "s")]
    pub bom_ref: Option<String>,
    #[serde(default)]
    pub supplier: Option<RawEntity>,
    #[serde(default, deserialize_with = "s")]
    pub author: Option<String>,
    #[serde(default)]
    pub authors: LVec<RawEntity>,
    #[serde(default, deserialize_with = "s")]
    pub publisher: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub version: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub scope: Option<String>,
    #[serde(default)]
    pub hashes: LVec<RawHash>,
    #[serde(default)]
    pub licenses: LVec<RawLicenseChoice>,
    #[serde(default, deserialize_with = "s")]
    pub copyright: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub cpe: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub purl: Option<String>,
    #[serde(default)]
    pub swid: Option<RawSwid>,
    #[serde(default)]
    pub pedigree: Option<RawPedigree>,
    #[serde(default)]
    pub external_references: LVec<RawExtRef>,
    #[serde(default)]
    pub properties: LVec<RawProperty>,
    #[serde(default)]
    pub components: CompVec,
    /// Line and column of the element (XML only; JSON errors take theirs
    /// from the parser).
    #[serde(skip)]
    pub at: Option<(u64, u64)>,
}

/// An organisation or person; only the name is kept.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawEntity {
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawHash {
    #[serde(default, deserialize_with = "s")]
    pub alg: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub content: Option<String>,
}

/// One item of a `licenses` array: a licence or an expression.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawLicenseChoice {
    #[serde(default)]
    pub license: Option<RawLicense>,
    #[serde(default, deserialize_with = "s")]
    pub expression: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub acknowledgement: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawLicense {
    #[serde(default, deserialize_with = "s")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default)]
    pub text: Option<RawAttachment>,
    #[serde(default, deserialize_with = "s")]
    pub acknowledgement: Option<String>,
    #[serde(default)]
    pub properties: LVec<RawProperty>,
}

/// Attached text (licence text, patch diff); the content is not kept.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawAttachment {
    #[serde(default, deserialize_with = "s")]
    pub encoding: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawSwid {
    #[serde(default, deserialize_with = "s")]
    pub tag_id: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawPedigree {
    #[serde(default)]
    pub patches: LVec<RawPatch>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawPatch {
    #[serde(rename = "type", default, deserialize_with = "s")]
    pub kind: Option<String>,
    #[serde(default)]
    pub diff: Option<RawDiff>,
    #[serde(default)]
    pub resolves: LVec<RawIssue>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDiff {
    #[serde(default)]
    pub text: Option<RawAttachment>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawIssue {
    #[serde(rename = "type", default, deserialize_with = "s")]
    pub kind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawExtRef {
    #[serde(default, deserialize_with = "s")]
    pub url: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "s")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub comment: Option<String>,
    #[serde(default)]
    pub hashes: LVec<RawHash>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawProperty {
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawService {
    #[serde(rename = "bom-ref", default, deserialize_with = "s")]
    pub bom_ref: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default)]
    pub data: LVec<RawDataFlow>,
    #[serde(default)]
    pub properties: LVec<RawProperty>,
    #[serde(default)]
    pub licenses: LVec<RawLicenseChoice>,
    #[serde(default)]
    pub external_references: LVec<RawExtRef>,
    #[serde(default)]
    pub services: ServiceVec,
    #[serde(skip)]
    pub at: Option<(u64, u64)>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDataFlow {
    #[serde(default, deserialize_with = "s")]
    pub flow: Option<String>,
}

/// A 1.2-1.4 tool (also accepted, deprecated, in 1.5+).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawTool {
    #[serde(default, deserialize_with = "s")]
    pub vendor: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub version: Option<String>,
    #[serde(default)]
    pub hashes: LVec<RawHash>,
}

/// A tool given as a 1.5+ component or service; only its identity is kept.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawToolItem {
    #[serde(default, deserialize_with = "s")]
    pub group: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "s")]
    pub version: Option<String>,
    #[serde(default)]
    pub hashes: LVec<RawHash>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawToolsObject {
    #[serde(default)]
    pub components: LVec<RawToolItem>,
    #[serde(default)]
    pub services: LVec<RawToolItem>,
}

/// `metadata.tools`: an array (1.2-1.4, deprecated later) or an object of
/// components and services (1.5+).
#[derive(Debug)]
pub(crate) enum RawTools {
    Legacy(Vec<RawTool>),
    Object(RawToolsObject),
}

impl<'de> Deserialize<'de> for RawTools {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTools;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of tools or an object with components and services")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let items =
                    LVec::<RawTool>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(RawTools::Legacy(items.0))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let obj = RawToolsObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawTools::Object(obj))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawMetadata {
    #[serde(default, deserialize_with = "s")]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub tools: Option<RawTools>,
    #[serde(default)]
    pub authors: LVec<RawEntity>,
    #[serde(default)]
    pub component: Option<RawComponent>,
    #[serde(default)]
    pub licenses: LVec<RawLicenseChoice>,
    #[serde(default)]
    pub properties: LVec<RawProperty>,
    #[serde(skip)]
    pub at: Option<(u64, u64)>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDependency {
    #[serde(rename = "ref", default, deserialize_with = "s")]
    pub reference: Option<String>,
    #[serde(rename = "dependsOn", default)]
    pub depends_on: RefVec,
    #[serde(default)]
    pub provides: RefVec,
    /// XML only: `<dependency>` elements nested in a `<dependency>`.
    #[serde(skip)]
    pub nested: Vec<RawDependency>,
    #[serde(skip)]
    pub at: Option<(u64, u64)>,
}
