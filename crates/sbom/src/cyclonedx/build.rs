//! The CycloneDX rules, written once for JSON and XML, and the move of the
//! raw document into the normalized model.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::raw::*;
use crate::{
    Component, ComponentType, Edge, EdgeKind, Encoding, ExternalReference, Format, Hash, License,
    LicenseAcknowledgement, Location, Property, Sbom, SbomError, Support, Warning,
};

/// Where a value sits, rendered only when an error needs it: a JSON path
/// (`$.components[3].hashes[0].alg`) or an XML element path
/// (`/bom/components/component[4]/hashes/hash[1]/@alg`).
#[derive(Clone, Copy)]
pub(crate) enum P<'a> {
    Root(Encoding),
    Field {
        parent: &'a P<'a>,
        json: &'static str,
        xml: &'static str,
    },
    Item {
        parent: &'a P<'a>,
        json: &'static str,
        xml_list: &'static str,
        xml_item: &'static str,
        index: usize,
    },
}

impl<'a> P<'a> {
    pub fn field(&'a self, json: &'static str, xml: &'static str) -> P<'a> {
        P::Field {
            parent: self,
            json,
            xml,
        }
    }
    /// Item `index` of an array: `json[index]` in JSON, and in XML
    /// `xml_list/xml_item[index+1]` (no list element when `xml_list` is "").
    pub fn item(
        &'a self,
        json: &'static str,
        xml_list: &'static str,
        xml_item: &'static str,
        index: usize,
    ) -> P<'a> {
        P::Item {
            parent: self,
            json,
            xml_list,
            xml_item,
            index,
        }
    }
    fn encoding(&self) -> Encoding {
        let mut p = self;
        loop {
            match p {
                P::Root(e) => return *e,
                P::Field { parent, .. } | P::Item { parent, .. } => p = parent,
            }
        }
    }
    pub fn render(&self) -> String {
        let json = self.encoding() == Encoding::Json;
        let mut chain = Vec::new();
        let mut p = self;
        loop {
            chain.push(p);
            match p {
                P::Root(_) => break,
                P::Field { parent, .. } | P::Item { parent, .. } => p = parent,
            }
        }
        let mut out = String::new();
        for p in chain.iter().rev() {
            match **p {
                P::Root(_) => out.push_str(if json { "$" } else { "/bom" }),
                P::Field { json: j, xml, .. } => {
                    if json {
                        let _ = write!(out, ".{j}");
                    } else {
                        let _ = write!(out, "/{xml}");
                    }
                }
                P::Item {
                    json: j,
                    xml_list,
                    xml_item,
                    index,
                    ..
                } => {
                    if json {
                        let _ = write!(out, ".{j}[{index}]");
                    } else if xml_list.is_empty() {
                        let _ = write!(out, "/{xml_item}[{}]", index + 1);
                    } else {
                        let _ = write!(out, "/{xml_list}/{xml_item}[{}]", index + 1);
                    }
                }
            }
        }
        out
    }
}

pub(crate) const FORMAT: &str = "CycloneDX";

pub(crate) fn invalid(
    path: &P,
    at: Option<(u64, u64)>,
    rule: &str,
    message: impl Into<String>,
) -> SbomError {
    let mut location = Location::path(path.render());
    if let Some((line, column)) = at {
        location.line = Some(line);
        location.column = Some(column);
    }
    SbomError::invalid(FORMAT, location, rule, message)
}

const COMPONENT_TYPES: &[(&str, ComponentType)] = &[
    ("application", ComponentType::Application),
    ("framework", ComponentType::Framework),
    ("library", ComponentType::Library),
    ("container", ComponentType::Container),
    ("platform", ComponentType::Platform),
    ("operating-system", ComponentType::OperatingSystem),
    ("device", ComponentType::Device),
    ("device-driver", ComponentType::DeviceDriver),
    ("firmware", ComponentType::Firmware),
    ("file", ComponentType::File),
    (
        "machine-learning-model",
        ComponentType::MachineLearningModel,
    ),
    ("data", ComponentType::Data),
    ("cryptographic-asset", ComponentType::CryptographicAsset),
];

/// Hash algorithms and the hex length of their digests; BLAKE3 has a
/// variable output, so any length the schema's pattern allows.
const HASH_ALGS: &[(&str, Option<usize>)] = &[
    ("MD5", Some(32)),
    ("SHA-1", Some(40)),
    ("SHA-256", Some(64)),
    ("SHA-384", Some(96)),
    ("SHA-512", Some(128)),
    ("SHA3-256", Some(64)),
    ("SHA3-384", Some(96)),
    ("SHA3-512", Some(128)),
    ("BLAKE2b-256", Some(64)),
    ("BLAKE2b-384", Some(96)),
    ("BLAKE2b-512", Some(128)),
    ("BLAKE3", None),
];

/// External reference types of every version up to 1.6 (a later type in an
/// earlier document is harmless).
const EXTERNAL_REFERENCE_TYPES: &[&str] = &[
    "vcs",
    "issue-tracker",
    "website",
    "advisories",
    "bom",
    "mailing-list",
    "social",
    "chat",
    "documentation",
    "support",
    "source-distribution",
    "distribution",
    "distribution-intake",
    "license",
    "build-meta",
    "build-system",
    "release-notes",
    "security-contact",
    "model-card",
    "log",
    "configuration",
    "evidence",
    "formulation",
    "attestation",
    "threat-model",
    "adversary-model",
    "risk-assessment",
    "vulnerability-assertion",
    "exploitability-statement",
    "pentest-report",
    "static-analysis-report",
    "dynamic-analysis-report",
    "runtime-analysis-report",
    "component-analysis-report",
    "maturity-report",
    "certification-report",
    "codified-infrastructure",
    "quality-metrics",
    "poam",
    "electronic-signature",
    "digital-signature",
    "rfc-9116",
    "other",
];

const SCOPES: &[&str] = &["required", "optional", "excluded"];
const PATCH_TYPES: &[&str] = &["unofficial", "monkey", "backport", "cherry-pick"];
const ISSUE_TYPES: &[&str] = &["defect", "enhancement", "security"];
const DATA_FLOWS: &[&str] = &["inbound", "outbound", "bi-directional", "unknown"];
const ACKNOWLEDGEMENTS: &[&str] = &["declared", "concluded"];
const MAX_WARNINGS: usize = 1000;

fn one_of(
    value: &str,
    allowed: &[&str],
    path: &P,
    at: Option<(u64, u64)>,
    rule: &str,
) -> Result<(), SbomError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            path,
            at,
            rule,
            format!("\"{value}\" is not one of: {}", allowed.join(", ")),
        ))
    }
}

fn required<T>(
    value: Option<T>,
    path: &P,
    at: Option<(u64, u64)>,
    what: &str,
) -> Result<T, SbomError> {
    value.ok_or_else(|| invalid(path, at, "required-field", format!("{what} is required")))
}

/// A `bom-ref` (or dependency `ref`) is a non-empty string.
fn non_empty_ref(value: &str, path: &P, at: Option<(u64, u64)>) -> Result<(), SbomError> {
    if value.is_empty() {
        return Err(invalid(
            path,
            at,
            "ref-not-empty",
            "a reference must not be the empty string",
        ));
    }
    Ok(())
}

/// `urn:uuid:` followed by a UUID in 8-4-4-4-12 hex form.
pub(crate) fn check_serial_number(value: &str, path: &P) -> Result<(), SbomError> {
    let ok = value.strip_prefix("urn:uuid:").is_some_and(|uuid| {
        let groups: Vec<&str> = uuid.split('-').collect();
        groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if ok {
        Ok(())
    } else {
        Err(invalid(
            path,
            None,
            "serial-number",
            format!("\"{value}\" is not urn:uuid:<RFC 4122 UUID>"),
        ))
    }
}

/// RFC 3339 date-time (JSON Schema `date-time`); XML's `xs:dateTime` may
/// leave the offset out.
pub(crate) fn check_timestamp(
    value: &str,
    encoding: Encoding,
    path: &P,
    at: Option<(u64, u64)>,
) -> Result<(), SbomError> {
    use time::format_description::well_known::Rfc3339;
    let parses = |s: &str| time::OffsetDateTime::parse(s, &Rfc3339).is_ok();
    let mut ok = parses(value);
    if !ok && encoding == Encoding::Xml {
        ok = parses(&format!("{value}Z"));
    }
    if ok {
        Ok(())
    } else {
        Err(invalid(
            path,
            at,
            "timestamp",
            format!("\"{value}\" is not an RFC 3339 date-time"),
        ))
    }
}

/// Builds the model while the reader hands over validated pieces.
pub(crate) struct Builder {
    encoding: Encoding,
    /// Minor spec version: 1.x.
    minor: u8,
    components: Vec<Component>,
    subject_components: Vec<Component>,
    subject: Option<String>,
    edges: Vec<Edge>,
    warnings: Vec<Warning>,
    service_refs: Vec<String>,
    generated: usize,
    pub tools: Vec<String>,
    pub authors: Vec<String>,
    pub created: Option<String>,
}

impl Builder {
    pub fn new(encoding: Encoding, minor: u8) -> Builder {
        Builder {
            encoding,
            minor,
            components: Vec::new(),
            subject_components: Vec::new(),
            subject: None,
            edges: Vec::new(),
            warnings: Vec::new(),
            service_refs: Vec::new(),
            generated: 0,
            tools: Vec::new(),
            authors: Vec::new(),
            created: None,
        }
    }

    /// Allocates the model's vectors at their final size when the reader
    /// knows it. Bounded by the limits, and only attempted: if the memory is
    /// not there, the vectors grow as usual.
    pub fn reserve(
        &mut self,
        components: usize,
        subject_components: usize,
        edges: usize,
        limits: &crate::Limits,
    ) {
        let components = components.min(limits.max_components);
        let subject_components = subject_components.min(limits.max_components);
        let _ = self
            .components
            .try_reserve_exact(components.saturating_add(subject_components));
        let _ = self
            .subject_components
            .try_reserve_exact(subject_components);
        let _ = self.edges.try_reserve_exact(edges.min(limits.max_edges));
    }

    pub fn warn(&mut self, location: Option<Location>, message: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning {
                location,
                message: message.into(),
            });
        } else if self.warnings.len() == MAX_WARNINGS {
            self.warnings.push(Warning {
                location: None,
                message: "further warnings left out".into(),
            });
        }
    }

    /// Validates a top-level component (and its nested ones) and moves it
    /// into the model.
    pub fn add_component(&mut self, raw: RawComponent, path: &P) -> Result<(), SbomError> {
        let mut out = std::mem::take(&mut self.components);
        let result = self.convert_component(raw, path, None, &mut out);
        self.components = out;
        result.map(|_| ())
    }

    /// Nested components are flattened after their parent, keeping the
    /// parent's reference. Recursion is bounded by `max_depth`, which both
    /// readers enforce while reading.
    fn convert_component(
        &mut self,
        raw: RawComponent,
        path: &P,
        parent: Option<&str>,
        out: &mut Vec<Component>,
    ) -> Result<String, SbomError> {
        let at = raw.at;
        let kind_name = required(raw.kind, &path.field("type", "@type"), at, "component type")?;
        let kind = COMPONENT_TYPES
            .iter()
            .find(|(n, _)| *n == kind_name)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                invalid(
                    &path.field("type", "@type"),
                    at,
                    "component-type",
                    format!(
                        "\"{kind_name}\" is not a CycloneDX component type ({})",
                        COMPONENT_TYPES
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        let name = required(raw.name, &path.field("name", "name"), at, "component name")?;
        if let Some(scope) = &raw.scope {
            one_of(scope, SCOPES, &path.field("scope", "scope"), at, "scope")?;
        }
        let hashes = self.hashes(raw.hashes.0, path, at)?;
        let licenses = self.licenses(raw.licenses.0, path, at)?;
        let external_references = self.external_references(raw.external_references.0, path, at)?;
        let properties = self.properties(raw.properties.0, path, at)?;
        if let Some(swid) = &raw.swid {
            let p = path.field("swid", "swid");
            required(swid.tag_id.as_ref(), &p, at, "swid tagId")?;
            required(swid.name.as_ref(), &p, at, "swid name")?;
        }
        if let Some(pedigree) = &raw.pedigree {
            self.pedigree(pedigree, &path.field("pedigree", "pedigree"), at)?;
        }
        let (reference, reference_generated) = match raw.bom_ref {
            Some(r) => {
                non_empty_ref(&r, &path.field("bom-ref", "@bom-ref"), at)?;
                (r, false)
            }
            None => {
                self.generated += 1;
                (format!("medsec:component:{}", self.generated), true)
            }
        };
        let author = raw.author.or_else(|| {
            let names: Vec<String> = raw
                .authors
                .0
                .into_iter()
                .filter_map(|a| a.name.or(a.email))
                .collect();
            (!names.is_empty()).then(|| names.join(", "))
        });
        let support = Support::from_properties(&properties);
        let nested = raw.components.0;
        out.push(Component {
            reference: reference.clone(),
            reference_generated,
            kind,
            group: raw.group,
            name,
            // Some generators write "" for an unknown version.
            version: raw.version.filter(|v| !v.trim().is_empty()),
            supplier: raw.supplier.and_then(|s| s.name),
            publisher: raw.publisher,
            author,
            description: raw.description,
            purl: raw.purl,
            purl_canonical: None,
            cpes: raw.cpe.into_iter().collect(),
            hashes,
            licenses,
            copyright: raw.copyright,
            external_references,
            support,
            properties,
            parent: parent.map(str::to_owned),
            scope: raw.scope,
        });
        for (i, child) in nested.into_iter().enumerate() {
            let p = path.item("components", "components", "component", i);
            self.convert_component(child, &p, Some(&reference), out)?;
        }
        Ok(reference)
    }

    fn hashes(
        &mut self,
        raw: Vec<RawHash>,
        path: &P,
        at: Option<(u64, u64)>,
    ) -> Result<Vec<Hash>, SbomError> {
        let mut out = Vec::with_capacity(raw.len());
        for (i, h) in raw.into_iter().enumerate() {
            let p = path.item("hashes", "hashes", "hash", i);
            let alg = required(h.alg, &p.field("alg", "@alg"), at, "hash alg")?;
            let content = required(h.content, &p.field("content", "text()"), at, "hash content")?;
            let Some((_, len)) = HASH_ALGS.iter().find(|(n, _)| *n == alg) else {
                return Err(invalid(
                    &p.field("alg", "@alg"),
                    at,
                    "hash-alg",
                    format!(
                        "\"{alg}\" is not one of: {}",
                        HASH_ALGS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            let hex = content.bytes().all(|b| b.is_ascii_hexdigit());
            let length_ok = match len {
                Some(n) => content.len() == *n,
                None => [32, 40, 64, 96, 128].contains(&content.len()),
            };
            if !hex || !length_ok {
                return Err(invalid(
                    &p.field("content", "text()"),
                    at,
                    "hash-content",
                    format!(
                        "\"{content}\" is not a {alg} digest ({} hex digits)",
                        len.map_or("32, 40, 64, 96 or 128".to_string(), |n| n.to_string())
                    ),
                ));
            }
            out.push(Hash {
                alg,
                content: content.to_ascii_lowercase(),
            });
        }
        Ok(out)
    }

    fn acknowledgement(
        value: Option<&String>,
        path: &P,
        at: Option<(u64, u64)>,
    ) -> Result<LicenseAcknowledgement, SbomError> {
        match value.map(String::as_str) {
            None => Ok(LicenseAcknowledgement::Unspecified),
            Some("declared") => Ok(LicenseAcknowledgement::Declared),
            Some("concluded") => Ok(LicenseAcknowledgement::Concluded),
            Some(other) => Err(invalid(
                path,
                at,
                "license-acknowledgement",
                format!("\"{other}\" is not one of: {}", ACKNOWLEDGEMENTS.join(", ")),
            )),
        }
    }

    pub fn licenses(
        &mut self,
        raw: Vec<RawLicenseChoice>,
        path: &P,
        at: Option<(u64, u64)>,
    ) -> Result<Vec<License>, SbomError> {
        let count = raw.len();
        // 1.5+ JSON and every XML version: a list of licences, or exactly
        // one expression. 1.2-1.4 JSON only ask each item to be one or the
        // other.
        let standalone_expression = self.encoding == Encoding::Xml || self.minor >= 5;
        let mut out = Vec::with_capacity(count);
        for (i, choice) in raw.into_iter().enumerate() {
            let p = path.item("licenses", "licenses", "license", i);
            match (choice.license, choice.expression) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        &p,
                        at,
                        "license-choice",
                        "a licence choice holds a licence or an expression, not both",
                    ))
                }
                (None, None) => {
                    return Err(invalid(
                        &p,
                        at,
                        "license-choice",
                        "a licence choice holds a licence or an expression",
                    ))
                }
                (None, Some(expression)) => {
                    if standalone_expression && count > 1 {
                        return Err(invalid(
                            &p,
                            at,
                            "license-choice",
                            format!(
                                "a licence expression must be the only item of \"licenses\" ({count} items here)"
                            ),
                        ));
                    }
                    let acknowledgement = Self::acknowledgement(
                        choice.acknowledgement.as_ref(),
                        &p.field("acknowledgement", "@acknowledgement"),
                        at,
                    )?;
                    if spdx::Expression::parse_mode(&expression, spdx::ParseMode::LAX).is_err() {
                        self.warn(
                            Some(Location::path(p.render())),
                            format!("licence expression \"{expression}\" does not parse as SPDX"),
                        );
                    }
                    out.push(License {
                        expression: Some(expression),
                        name: None,
                        acknowledgement,
                    });
                }
                (Some(license), None) => {
                    let lp = p.field("license", "");
                    let lp = if self.encoding == Encoding::Xml {
                        p
                    } else {
                        lp
                    };
                    let acknowledgement = Self::acknowledgement(
                        license.acknowledgement.as_ref(),
                        &lp.field("acknowledgement", "@acknowledgement"),
                        at,
                    )?;
                    if let Some(text) = &license.text {
                        check_encoding(text, &lp.field("text", "text"), at)?;
                    }
                    self.properties(license.properties.0, &lp, at)?;
                    match (license.id, license.name) {
                        (Some(_), Some(_)) => {
                            return Err(invalid(
                                &lp,
                                at,
                                "license-id-or-name",
                                "a licence has an SPDX id or a name, not both",
                            ))
                        }
                        (None, None) => {
                            return Err(invalid(
                                &lp,
                                at,
                                "license-id-or-name",
                                "a licence needs an SPDX id or a name",
                            ))
                        }
                        (Some(id), None) => {
                            // "LGPL-2.1+" is not on the list the schema
                            // enumerates, but generators write it and its
                            // meaning (that licence or later) is clear.
                            if id.ends_with('+') && spdx::license_id(&id).is_some() {
                                self.warn(
                                    Some(Location::path(lp.field("id", "id").render())),
                                    format!("licence id \"{id}\" is an expression, not an SPDX licence identifier"),
                                );
                            } else if spdx::license_id(&id).is_none() {
                                return Err(invalid(
                                    &lp.field("id", "id"),
                                    at,
                                    "license-id",
                                    format!("\"{id}\" is not an SPDX licence identifier"),
                                ));
                            }
                            out.push(License {
                                expression: Some(id),
                                name: None,
                                acknowledgement,
                            });
                        }
                        (None, Some(name)) => out.push(License {
                            expression: None,
                            name: Some(name),
                            acknowledgement,
                        }),
                    }
                }
            }
        }
        Ok(out)
    }

    fn external_references(
        &mut self,
        raw: Vec<RawExtRef>,
        path: &P,
        at: Option<(u64, u64)>,
    ) -> Result<Vec<ExternalReference>, SbomError> {
        let mut out = Vec::with_capacity(raw.len());
        for (i, r) in raw.into_iter().enumerate() {
            let p = path.item("externalReferences", "externalReferences", "reference", i);
            let kind = required(
                r.kind,
                &p.field("type", "@type"),
                at,
                "external reference type",
            )?;
            one_of(
                &kind,
                EXTERNAL_REFERENCE_TYPES,
                &p.field("type", "@type"),
                at,
                "external-reference-type",
            )?;
            let url = required(r.url, &p.field("url", "url"), at, "external reference url")?;
            self.hashes(r.hashes.0, &p, at)?;
            out.push(ExternalReference {
                kind,
                url,
                comment: r.comment,
            });
        }
        Ok(out)
    }

    pub fn properties(
        &mut self,
        raw: Vec<RawProperty>,
        path: &P,
        at: Option<(u64, u64)>,
    ) -> Result<Vec<Property>, SbomError> {
        let mut out = Vec::with_capacity(raw.len());
        for (i, prop) in raw.into_iter().enumerate() {
            let p = path.item("properties", "properties", "property", i);
            let name = required(prop.name, &p.field("name", "@name"), at, "property name")?;
            out.push(Property {
                name,
                value: prop.value,
            });
        }
        Ok(out)
    }

    fn pedigree(
        &mut self,
        pedigree: &RawPedigree,
        path: &P,
        at: Option<(u64, u64)>,
    ) -> Result<(), SbomError> {
        for (i, patch) in pedigree.patches.0.iter().enumerate() {
            let p = path.item("patches", "patches", "patch", i);
            let kind = required(
                patch.kind.as_ref(),
                &p.field("type", "@type"),
                at,
                "patch type",
            )?;
            one_of(
                kind,
                PATCH_TYPES,
                &p.field("type", "@type"),
                at,
                "patch-type",
            )?;
            if let Some(text) = patch.diff.as_ref().and_then(|d| d.text.as_ref()) {
                check_encoding(text, &p.field("diff", "diff").field("text", "text"), at)?;
            }
            for (j, issue) in patch.resolves.0.iter().enumerate() {
                let ip = p.item("resolves", "resolves", "issue", j);
                let kind = required(
                    issue.kind.as_ref(),
                    &ip.field("type", "@type"),
                    at,
                    "issue type",
                )?;
                one_of(
                    kind,
                    ISSUE_TYPES,
                    &ip.field("type", "@type"),
                    at,
                    "issue-type",
                )?;
            }
        }
        Ok(())
    }

    /// Services are not modelled; they are checked and their references kept
    /// for the uniqueness rule and for dependency edges.
    pub fn add_service(&mut self, raw: RawService, path: &P) -> Result<(), SbomError> {
        let at = raw.at;
        required(
            raw.name.as_ref(),
            &path.field("name", "name"),
            at,
            "service name",
        )?;
        if let Some(r) = raw.bom_ref {
            non_empty_ref(&r, &path.field("bom-ref", "@bom-ref"), at)?;
            self.service_refs.push(r);
        }
        for (i, flow) in raw.data.0.iter().enumerate() {
            let p = path.item("data", "data", "classification", i);
            let f = required(
                flow.flow.as_ref(),
                &p.field("flow", "@flow"),
                at,
                "data flow",
            )?;
            one_of(f, DATA_FLOWS, &p.field("flow", "@flow"), at, "data-flow")?;
        }
        self.properties(raw.properties.0, path, at)?;
        self.licenses(raw.licenses.0, path, at)?;
        self.external_references(raw.external_references.0, path, at)?;
        for (i, child) in raw.services.0.into_iter().enumerate() {
            self.add_service(child, &path.item("services", "services", "service", i))?;
        }
        Ok(())
    }

    pub fn set_metadata(&mut self, raw: RawMetadata, path: &P) -> Result<(), SbomError> {
        let at = raw.at;
        if let Some(ts) = &raw.timestamp {
            check_timestamp(ts, self.encoding, &path.field("timestamp", "timestamp"), at)?;
        }
        self.created = raw.timestamp;
        match raw.tools {
            Some(RawTools::Legacy(tools)) => {
                for (i, t) in tools.into_iter().enumerate() {
                    let p = path.item("tools", "tools", "tool", i);
                    self.hashes(t.hashes.0, &p, at)?;
                    self.tools.push(join([t.vendor, t.name, t.version]));
                }
            }
            Some(RawTools::Object(obj)) => {
                let tp = path.field("tools", "tools");
                for (i, t) in obj.components.0.into_iter().enumerate() {
                    self.hashes(
                        t.hashes.0,
                        &tp.item("components", "components", "component", i),
                        at,
                    )?;
                    self.tools.push(join([t.group, t.name, t.version]));
                }
                for (i, t) in obj.services.0.into_iter().enumerate() {
                    self.hashes(
                        t.hashes.0,
                        &tp.item("services", "services", "service", i),
                        at,
                    )?;
                    self.tools.push(join([t.group, t.name, t.version]));
                }
            }
            None => {}
        }
        self.authors = raw
            .authors
            .0
            .into_iter()
            .filter_map(|a| a.name.or(a.email))
            .collect();
        self.licenses(raw.licenses.0, path, at)?;
        self.properties(raw.properties.0, path, at)?;
        if let Some(component) = raw.component {
            let p = path.field("component", "component");
            let mut out = Vec::new();
            let reference = self.convert_component(component, &p, None, &mut out)?;
            self.subject = Some(reference);
            self.subject_components = out;
        }
        Ok(())
    }

    pub fn add_dependency(&mut self, raw: RawDependency, path: &P) -> Result<(), SbomError> {
        let at = raw.at;
        let from = required(
            raw.reference,
            &path.field("ref", "@ref"),
            at,
            "dependency ref",
        )?;
        non_empty_ref(&from, &path.field("ref", "@ref"), at)?;
        for (list, json, kind) in [
            (raw.depends_on.0, "dependsOn", EdgeKind::DependsOn),
            (raw.provides.0, "provides", EdgeKind::Provides),
        ] {
            let mut seen: HashSet<&str> = HashSet::with_capacity(list.len());
            for (i, to) in list.iter().enumerate() {
                let p = path.item(
                    json,
                    "",
                    if json == "provides" {
                        "provides"
                    } else {
                        "dependency"
                    },
                    i,
                );
                non_empty_ref(to, &p, at)?;
                if !seen.insert(to) {
                    return Err(invalid(
                        &p,
                        at,
                        "dependency-unique",
                        format!("\"{to}\" is listed twice for \"{from}\""),
                    ));
                }
            }
            self.edges.extend(list.into_iter().map(|to| Edge {
                from: from.clone(),
                to,
                kind: kind.clone(),
            }));
        }
        for (i, nested) in raw.nested.into_iter().enumerate() {
            if !nested.depends_on.0.is_empty()
                || !nested.provides.0.is_empty()
                || !nested.nested.is_empty()
            {
                self.add_dependency(nested, &path.item("", "", "dependency", i))?;
            }
        }
        Ok(())
    }

    /// Checks the document-wide rules and returns the model.
    pub fn finish(mut self, head: Head) -> Result<Sbom, SbomError> {
        // Generators often list the subject again in `components`; the
        // repeat is dropped (its nested components stay, under the subject).
        if let Some(subject) = &self.subject {
            let before = self.components.len();
            self.components
                .retain(|c| c.reference_generated || c.reference != *subject);
            if self.components.len() != before {
                let message = format!(
                    "the subject \"{subject}\" is repeated in components; the repeat was dropped"
                );
                self.warn(None, message);
            }
        }
        // The subject goes first; inserting in front of the (reserved)
        // component vector avoids a second copy of it.
        let mut components = std::mem::take(&mut self.components);
        let subject_components = std::mem::take(&mut self.subject_components);
        components.splice(0..0, subject_components);
        // bom-refs are unique across the document (components and services).
        {
            let mut refs: Vec<&str> = components
                .iter()
                .filter(|c| !c.reference_generated)
                .map(|c| c.reference.as_str())
                .chain(self.service_refs.iter().map(String::as_str))
                .collect();
            refs.sort_unstable();
            let repeated = refs.windows(2).find_map(|w| match w {
                [a, b] if a == b => Some(*a),
                _ => None,
            });
            if let Some(repeated) = repeated {
                let root = P::Root(self.encoding);
                return Err(invalid(
                    &root,
                    None,
                    "bom-ref-unique",
                    format!("bom-ref \"{repeated}\" is used more than once"),
                ));
            }
        }
        {
            let known: HashSet<&str> = components
                .iter()
                .map(|c| c.reference.as_str())
                .chain(self.service_refs.iter().map(String::as_str))
                .collect();
            let mut unknown = Vec::new();
            for e in &self.edges {
                for r in [&e.from, &e.to] {
                    if !known.contains(r.as_str()) {
                        unknown.push(r.clone());
                    }
                }
            }
            drop(known);
            unknown.sort_unstable();
            unknown.dedup();
            for r in unknown {
                self.warn(
                    None,
                    format!("dependency names \"{r}\", which is no component or service here"),
                );
            }
        }
        Ok(Sbom {
            format: Format::CycloneDx,
            encoding: self.encoding,
            spec_version: head.spec_version,
            serial_number: head.serial_number,
            name: head.version.map(|v| v.to_string()),
            created: self.created,
            tools: self.tools,
            authors: self.authors,
            subject: self.subject,
            components,
            edges: self.edges,
            warnings: self.warnings,
        })
    }
}

/// Document header facts.
pub(crate) struct Head {
    pub spec_version: String,
    pub serial_number: Option<String>,
    pub version: Option<i64>,
}

fn check_encoding(text: &RawAttachment, path: &P, at: Option<(u64, u64)>) -> Result<(), SbomError> {
    if let Some(enc) = &text.encoding {
        one_of(
            enc,
            &["base64"],
            &path.field("encoding", "@encoding"),
            at,
            "encoding",
        )?;
    }
    Ok(())
}

fn join<const N: usize>(parts: [Option<String>; N]) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
