//! CycloneDX JSON: serde straight into the raw structs, one component at a
//! time into the model, so no `serde_json::Value` of the document is built.

use crate::error::json_message;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::build::{self, Builder, Head, P};
use super::raw::*;
use crate::{Encoding, Limits, Location, Sbom, SbomError};

/// The header, read in a first pass that skips everything else (without
/// allocating), so that the version is known before any rule runs.
#[derive(Deserialize)]
struct RawHead {
    #[serde(rename = "bomFormat", default, deserialize_with = "s")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion", default, deserialize_with = "s")]
    spec_version: Option<String>,
    #[serde(rename = "serialNumber", default, deserialize_with = "s")]
    serial_number: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    metadata: Option<MetadataShape>,
    #[serde(default)]
    components: Option<ComponentsShape>,
    #[serde(default)]
    dependencies: Option<DependenciesShape>,
}

/// Counts, read in the first pass so that the model's vectors can be
/// allocated once at their final size: growing them by doubling would cost
/// up to twice their size at the peak.
#[derive(Deserialize)]
struct MetadataShape {
    #[serde(default)]
    component: Option<ComponentShape>,
}

#[derive(Deserialize)]
struct ComponentShape {
    #[serde(default)]
    components: Option<ComponentsShape>,
}

/// Components in an array, nested ones included.
struct ComponentsShape(usize);

impl<'de> Deserialize<'de> for ComponentsShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ComponentsShape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of components")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ComponentsShape(0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut n = 0usize;
                while let Some(c) = seq.next_element::<ComponentShape>()? {
                    n = n.saturating_add(1 + c.components.map_or(0, |c| c.0));
                }
                Ok(ComponentsShape(n))
            }
        }
        d.deserialize_any(V)
    }
}

/// `dependsOn` and `provides` entries over all dependencies.
struct DependenciesShape(usize);

#[derive(Deserialize)]
struct DependencyShape {
    #[serde(rename = "dependsOn", default)]
    depends_on: Option<CountShape>,
    #[serde(default)]
    provides: Option<CountShape>,
}

struct CountShape(usize);

impl<'de> Deserialize<'de> for CountShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CountShape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(CountShape(0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut n = 0usize;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(CountShape(n))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for DependenciesShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DependenciesShape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of dependencies")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(DependenciesShape(0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut n = 0usize;
                while let Some(d) = seq.next_element::<DependencyShape>()? {
                    let count = |c: Option<CountShape>| c.map_or(0, |c| c.0);
                    n = n.saturating_add(count(d.depends_on) + count(d.provides));
                }
                Ok(DependenciesShape(n))
            }
        }
        d.deserialize_any(V)
    }
}

/// The body, read in the second pass; every part goes to the builder as soon
/// as it is read. Parts that are not modelled (vulnerabilities,
/// compositions, formulation, annotations, declarations, definitions...)
/// are skipped.
// The sinks hand what they read to the builder; the fields only drive them.
#[derive(Deserialize)]
struct RawBody {
    #[serde(rename = "metadata", default)]
    _metadata: Option<MetadataSink>,
    #[serde(rename = "components", default)]
    _components: Option<ComponentSink>,
    #[serde(rename = "services", default)]
    _services: Option<ServiceSink>,
    #[serde(rename = "dependencies", default)]
    _dependencies: Option<DependencySink>,
}

fn with_builder<E: de::Error>(
    f: impl FnOnce(&mut Builder) -> Result<(), SbomError>,
) -> Result<(), E> {
    super::raw::with_builder(f).map_err(E::custom)
}

struct MetadataSink;

impl<'de> Deserialize<'de> for MetadataSink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawMetadata::deserialize(d)?;
        if raw.component.is_some() {
            count_component::<D::Error>()?;
        }
        let root = P::Root(Encoding::Json);
        with_builder(|b| b.set_metadata(raw, &root.field("metadata", "metadata")))?;
        Ok(MetadataSink)
    }
}

struct ComponentSink;

impl<'de> Deserialize<'de> for ComponentSink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ComponentSink;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of components")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let root = P::Root(Encoding::Json);
                let mut i = 0;
                while let Some(raw) = seq.next_element::<RawComponent>()? {
                    count_component::<A::Error>()?;
                    let path = root.item("components", "components", "component", i);
                    with_builder(|b| b.add_component(raw, &path))?;
                    i += 1;
                }
                Ok(ComponentSink)
            }
        }
        d.deserialize_seq(V)
    }
}

struct ServiceSink;

impl<'de> Deserialize<'de> for ServiceSink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let services = LVec::<RawService>::deserialize(d)?;
        let root = P::Root(Encoding::Json);
        for (i, raw) in services.0.into_iter().enumerate() {
            let path = root.item("services", "services", "service", i);
            with_builder(|b| b.add_service(raw, &path))?;
        }
        Ok(ServiceSink)
    }
}

struct DependencySink;

impl<'de> Deserialize<'de> for DependencySink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DependencySink;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of dependencies")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let root = P::Root(Encoding::Json);
                let mut i = 0;
                while let Some(raw) = seq.next_element::<RawDependency>()? {
                    let path = root.item("dependencies", "dependencies", "dependency", i);
                    with_builder(|b| b.add_dependency(raw, &path))?;
                    i += 1;
                }
                Ok(DependencySink)
            }
        }
        d.deserialize_seq(V)
    }
}

/// Maps a serde error to ours: the real error when a check stored one,
/// otherwise Syntax (malformed JSON) or Invalid (well-formed, wrong shape).
fn map_error(
    err: serde_path_to_error::Error<serde_json::Error>,
    stored: Option<SbomError>,
) -> SbomError {
    let path = err.path().to_string();
    let path = if path == "." || path.is_empty() {
        "$".to_string()
    } else {
        format!("$.{path}")
    };
    let inner = err.into_inner();
    let (line, column) = (inner.line() as u64, inner.column() as u64);
    match stored {
        Some(SbomError::LimitExceeded { limit, max, .. }) => SbomError::LimitExceeded {
            limit,
            max,
            location: Some(Location::line_column(line, column).with_path(path)),
        },
        Some(SbomError::Invalid {
            format,
            mut location,
            rule,
            message,
        }) => {
            if location.line.is_none() {
                location.line = Some(line);
                location.column = Some(column);
            }
            SbomError::Invalid {
                format,
                location,
                rule,
                message,
            }
        }
        Some(other) => other,
        None => {
            let location = Location::line_column(line, column).with_path(path);
            // serde_json's own nesting bound (128) stops deeper JSON before
            // the stack can overflow.
            if inner.to_string().starts_with("recursion limit exceeded") {
                return SbomError::limit("json_nesting", 128u64, Some(location));
            }
            match inner.classify() {
                serde_json::error::Category::Data => {
                    SbomError::invalid(build::FORMAT, location, "schema", json_message(&inner))
                }
                _ => SbomError::syntax("JSON", location, json_message(&inner)),
            }
        }
    }
}

pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Sbom, SbomError> {
    limits.check_input(bytes.len() as u64)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);

    let guard = CtxGuard::install(JsonCtx::new(limits.clone(), None));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let head = serde_path_to_error::deserialize::<_, RawHead>(&mut de)
        .map_err(|e| map_error(e, guard.take().and_then(|c| c.error)))?;
    drop(guard);
    de.end().map_err(|e| {
        SbomError::syntax(
            "JSON",
            Location::line_column(e.line() as u64, e.column() as u64),
            json_message(&e),
        )
    })?;

    let root = P::Root(Encoding::Json);
    let format = head.bom_format.unwrap_or_default();
    if format != "CycloneDX" {
        return Err(build::invalid(
            &root.field("bomFormat", "bomFormat"),
            None,
            "bom-format",
            format!("bomFormat is \"{format}\", expected \"CycloneDX\""),
        ));
    }
    let spec_version = head.spec_version.ok_or_else(|| {
        build::invalid(
            &root.field("specVersion", "specVersion"),
            None,
            "required-field",
            "specVersion is required",
        )
    })?;
    let minor = super::json_minor(&spec_version)?;
    if let Some(serial) = &head.serial_number {
        build::check_serial_number(serial, &root.field("serialNumber", "@serialNumber"))?;
    }

    let mut builder = Builder::new(Encoding::Json, minor);
    let subject_components = head
        .metadata
        .and_then(|m| m.component)
        .map_or(0, |c| 1 + c.components.map_or(0, |c| c.0));
    builder.reserve(
        head.components.map_or(0, |c| c.0),
        subject_components,
        head.dependencies.map_or(0, |d| d.0),
        limits,
    );
    let guard = CtxGuard::install(JsonCtx::new(limits.clone(), Some(builder)));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = serde_path_to_error::deserialize::<_, RawBody>(&mut de);
    let ctx = guard.take();
    drop(guard);
    let (stored, builder) = match ctx {
        Some(c) => (c.error, c.builder),
        None => (None, None),
    };
    if let Err(e) = result {
        return Err(map_error(e, stored));
    }
    let builder = builder.ok_or_else(|| SbomError::unsupported("internal: parse state lost"))?;
    builder.finish(Head {
        spec_version,
        serial_number: head.serial_number,
        version: head.version,
    })
}
