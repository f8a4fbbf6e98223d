//! Validation of a raw SPDX document and its normalization into [`Sbom`].

use std::collections::HashSet;

use super::raw::{Loc, RawChecksum, RawDoc, RawPackage, RawRelationship};
use crate::{
    Component, ComponentType, Edge, EdgeKind, Encoding, ExternalReference, Format, Hash, License,
    LicenseAcknowledgement, Limits, Location, Sbom, SbomError, Support, Warning,
};

/// Relationship types of SPDX 2.2 (clause 11.1, and the 2.2 JSON schema).
const RELATIONSHIP_TYPES_2_2: &[&str] = &[
    "DESCRIBES",
    "DESCRIBED_BY",
    "CONTAINS",
    "CONTAINED_BY",
    "DEPENDS_ON",
    "DEPENDENCY_OF",
    "DEPENDENCY_MANIFEST_OF",
    "BUILD_DEPENDENCY_OF",
    "DEV_DEPENDENCY_OF",
    "OPTIONAL_DEPENDENCY_OF",
    "PROVIDED_DEPENDENCY_OF",
    "TEST_DEPENDENCY_OF",
    "RUNTIME_DEPENDENCY_OF",
    "EXAMPLE_OF",
    "GENERATES",
    "GENERATED_FROM",
    "ANCESTOR_OF",
    "DESCENDANT_OF",
    "VARIANT_OF",
    "DISTRIBUTION_ARTIFACT",
    "PATCH_FOR",
    "PATCH_APPLIED",
    "COPY_OF",
    "FILE_ADDED",
    "FILE_DELETED",
    "FILE_MODIFIED",
    "EXPANDED_FROM_ARCHIVE",
    "DYNAMIC_LINK",
    "STATIC_LINK",
    "DATA_FILE_OF",
    "TEST_CASE_OF",
    "BUILD_TOOL_OF",
    "DEV_TOOL_OF",
    "TEST_OF",
    "TEST_TOOL_OF",
    "DOCUMENTATION_OF",
    "OPTIONAL_COMPONENT_OF",
    "METAFILE_OF",
    "PACKAGE_OF",
    "AMENDS",
    "PREREQUISITE_FOR",
    "HAS_PREREQUISITE",
    "OTHER",
];

/// Relationship types added by SPDX 2.3.
const RELATIONSHIP_TYPES_NEW_IN_2_3: &[&str] =
    &["REQUIREMENT_DESCRIPTION_FOR", "SPECIFICATION_FOR"];

fn relationship_type_known(version: &str, kind: &str) -> bool {
    RELATIONSHIP_TYPES_2_2.contains(&kind)
        || (version != "2.2" && RELATIONSHIP_TYPES_NEW_IN_2_3.contains(&kind))
}

/// SPDX checksum algorithm names, mapped to the spelling the model uses
/// (CycloneDX's where it has one). SPDX 2.3 names are accepted in 2.2
/// documents too: the digest is the same whatever the version.
fn hash_algorithm(spdx: &str) -> Option<&'static str> {
    Some(match spdx {
        "SHA1" => "SHA-1",
        "SHA224" => "SHA-224",
        "SHA256" => "SHA-256",
        "SHA384" => "SHA-384",
        "SHA512" => "SHA-512",
        "SHA3-256" => "SHA3-256",
        "SHA3-384" => "SHA3-384",
        "SHA3-512" => "SHA3-512",
        "BLAKE2b-256" => "BLAKE2b-256",
        "BLAKE2b-384" => "BLAKE2b-384",
        "BLAKE2b-512" => "BLAKE2b-512",
        "BLAKE3" => "BLAKE3",
        "MD2" => "MD2",
        "MD4" => "MD4",
        "MD5" => "MD5",
        "MD6" => "MD6",
        "ADLER32" => "ADLER32",
        _ => return None,
    })
}

fn component_type(purpose: &str) -> Option<ComponentType> {
    Some(match purpose {
        "APPLICATION" => ComponentType::Application,
        "FRAMEWORK" => ComponentType::Framework,
        "LIBRARY" => ComponentType::Library,
        "CONTAINER" => ComponentType::Container,
        "OPERATING_SYSTEM" => ComponentType::OperatingSystem,
        "DEVICE" => ComponentType::Device,
        "FIRMWARE" => ComponentType::Firmware,
        "SOURCE" => ComponentType::Source,
        "ARCHIVE" => ComponentType::Archive,
        "FILE" => ComponentType::File,
        "INSTALL" => ComponentType::Install,
        "OTHER" => ComponentType::Other,
        _ => return None,
    })
}

/// `SPDXRef-` followed by one or more of `[A-Za-z0-9.-]` (SPDX 2.3 clause
/// 3.2 / 7.2 and the other element identifiers).
pub(crate) fn is_spdx_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(is_idstring_byte))
}

fn is_idstring_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// `DocumentRef-[idstring]:SPDXRef-[idstring]`: an element of another
/// SPDX document.
fn is_external_element(id: &str) -> bool {
    id.strip_prefix("DocumentRef-")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(doc, element)| {
            !doc.is_empty() && doc.bytes().all(is_idstring_byte) && is_spdx_id(element)
        })
}

fn is_no_value(v: &str) -> bool {
    v == "NOASSERTION" || v == "NONE"
}

struct Builder {
    format: &'static str,
    encoding: Encoding,
    warnings: Vec<Warning>,
}

impl Builder {
    fn invalid(&self, location: Location, rule: &str, message: impl Into<String>) -> SbomError {
        SbomError::invalid(self.format, location, rule, message)
    }

    /// The field name in this encoding: JSON property or tag.
    fn field(&self, json: &'static str, tag: &'static str) -> &'static str {
        if self.encoding == Encoding::TagValue {
            tag
        } else {
            json
        }
    }

    fn warn(&mut self, location: Location, message: String) {
        self.warnings.push(Warning {
            location: Some(location),
            message,
        });
    }
}

pub(crate) fn build(raw: RawDoc, limits: &Limits) -> Result<Sbom, SbomError> {
    let mut b = Builder {
        format: if raw.encoding == Encoding::TagValue {
            "SPDX tag-value"
        } else {
            "SPDX JSON"
        },
        encoding: raw.encoding,
        warnings: Vec::new(),
    };
    let doc_id = validate_document(&b, &raw)?;
    let subject = validate_elements(&b, &raw, &doc_id)?;

    let raw_root = raw.root;
    let RawDoc {
        version,
        name,
        namespace,
        created,
        creators,
        describes,
        packages,
        relationships,
        ..
    } = raw;

    let mut tools = Vec::new();
    let mut authors = Vec::new();
    for (creator, loc) in creators {
        let creator = creator.trim();
        if let Some(tool) = creator.strip_prefix("Tool:") {
            tools.push(tool.trim().to_owned());
        } else if let Some(who) = creator
            .strip_prefix("Person:")
            .or_else(|| creator.strip_prefix("Organization:"))
        {
            authors.push(strip_empty_email(who).to_owned());
        } else {
            b.warn(
                loc.here(),
                format!(
                    "creator \"{creator}\" has none of the prefixes Tool:, Person:, Organization:"
                ),
            );
            authors.push(creator.to_owned());
        }
    }

    let mut components = Vec::with_capacity(packages.len());
    let mut has_files = Vec::new();
    for mut package in packages {
        if !package.files.is_empty() {
            if let Some(id) = &package.spdxid {
                has_files.push((id.clone(), std::mem::take(&mut package.files)));
            }
        }
        components.push(component(&mut b, package)?);
    }
    if let Some(subject) = &subject {
        if let Some(pos) = components.iter().position(|c| &c.reference == subject) {
            let first = components.remove(pos);
            components.insert(0, first);
        }
    }

    let edges = edges(&doc_id, relationships, describes, has_files)
        .take(limits.max_edges.saturating_add(1))
        .collect::<Vec<_>>();
    if edges.len() > limits.max_edges {
        return Err(SbomError::limit(
            "max_edges",
            limits.max_edges,
            Some(raw_root.here()),
        ));
    }

    Ok(Sbom {
        format: Format::Spdx,
        encoding: b.encoding,
        spec_version: version.to_owned(),
        serial_number: namespace,
        name,
        created,
        tools,
        authors,
        subject,
        components,
        edges,
        warnings: b.warnings,
    })
}

/// Checks the document creation information; returns the document SPDXID.
fn validate_document(b: &Builder, raw: &RawDoc) -> Result<String, SbomError> {
    let root = raw.root;
    let spdxid_field = b.field("SPDXID", "SPDXID");
    let Some(doc_id) = raw.spdxid.as_deref() else {
        return Err(b.invalid(
            root.at(spdxid_field),
            "document SPDXID required",
            "the document has no SPDXID",
        ));
    };
    if doc_id != "SPDXRef-DOCUMENT" {
        return Err(b.invalid(
            root.at(spdxid_field),
            "document SPDXID is SPDXRef-DOCUMENT",
            format!("the document SPDXID is \"{doc_id}\""),
        ));
    }
    let field = b.field("dataLicense", "DataLicense");
    match raw.data_license.as_deref() {
        None => {
            return Err(b.invalid(
                root.at(field),
                "data licence required",
                format!("the document has no {field}"),
            ))
        }
        Some("CC0-1.0") => {}
        Some(other) => {
            return Err(b.invalid(
                root.at(field),
                "data licence is CC0-1.0",
                format!("{field} is \"{other}\""),
            ))
        }
    }
    let field = b.field("name", "DocumentName");
    if raw.name.is_none() {
        return Err(b.invalid(
            root.at(field),
            "document name required",
            format!("the document has no {field}"),
        ));
    }
    let field = b.field("documentNamespace", "DocumentNamespace");
    if raw.namespace.is_none() {
        return Err(b.invalid(
            root.at(field),
            "document namespace required",
            format!("the document has no {field}"),
        ));
    }
    if !raw.creation_info {
        return Err(b.invalid(
            root.at("creationInfo"),
            "creation information required",
            "the document has no creationInfo",
        ));
    }
    let field = b.field("creationInfo.created", "Created");
    if raw.created.is_none() {
        return Err(b.invalid(
            root.at(field),
            "creation time required",
            format!("the document has no {field}"),
        ));
    }
    let field = b.field("creationInfo.creators", "Creator");
    if raw.creators.is_empty() {
        return Err(b.invalid(
            root.at(field),
            "creator required",
            format!("the document names no creator ({field})"),
        ));
    }
    Ok(doc_id.to_owned())
}

/// Checks element identifiers, package names and relationships; returns
/// the subject (the first described package).
fn validate_elements(b: &Builder, raw: &RawDoc, doc_id: &str) -> Result<Option<String>, SbomError> {
    let id_field = b.field("SPDXID", "SPDXID");
    let mut ids: HashSet<&str> =
        HashSet::with_capacity(1 + raw.packages.len() + raw.other_elements.len());
    ids.insert(doc_id);
    let mut package_ids: HashSet<&str> = HashSet::with_capacity(raw.packages.len());

    for package in &raw.packages {
        let Some(id) = package.spdxid.as_deref() else {
            return Err(b.invalid(
                package.loc.at(id_field),
                "package SPDXID required",
                "the package has no SPDXID",
            ));
        };
        check_id(b, id, package.loc.at(id_field))?;
        if !ids.insert(id) {
            return Err(b.invalid(
                package.loc.at(id_field),
                "SPDXIDs unique",
                format!("SPDXID \"{id}\" is used by more than one element"),
            ));
        }
        package_ids.insert(id);
        if package.name.is_none() {
            let field = b.field("name", "PackageName");
            return Err(b.invalid(
                package.loc.at(field),
                "package name required",
                format!("package \"{id}\" has no {field}"),
            ));
        }
    }
    for (id, loc) in &raw.other_elements {
        check_id(b, id, loc.at(id_field))?;
        if !ids.insert(id.as_str()) {
            return Err(b.invalid(
                loc.at(id_field),
                "SPDXIDs unique",
                format!("SPDXID \"{id}\" is used by more than one element"),
            ));
        }
    }

    for package in &raw.packages {
        for (id, loc) in &package.files {
            if !ids.contains(id.as_str()) {
                return Err(b.invalid(
                    loc.here(),
                    "contained file defined in the document",
                    format!("hasFiles names \"{id}\", which the document does not define"),
                ));
            }
        }
    }
    let mut subject = None;
    for (id, loc) in &raw.describes {
        if !ids.contains(id.as_str()) {
            return Err(b.invalid(
                loc.here(),
                "described element defined in the document",
                format!("documentDescribes names \"{id}\", which the document does not define"),
            ));
        }
        if subject.is_none() && package_ids.contains(id.as_str()) {
            subject = Some(id.clone());
        }
    }
    for relationship in &raw.relationships {
        validate_relationship(b, raw.version, &ids, relationship)?;
        let described = match relationship.kind.as_str() {
            "DESCRIBES" if relationship.element == doc_id => Some(&relationship.related),
            "DESCRIBED_BY" if relationship.related == doc_id => Some(&relationship.element),
            _ => None,
        };
        if let Some(described) = described {
            if subject.is_none() && package_ids.contains(described.as_str()) {
                subject = Some(described.clone());
            }
        }
    }
    Ok(subject)
}

fn check_id(b: &Builder, id: &str, location: Location) -> Result<(), SbomError> {
    if is_spdx_id(id) {
        return Ok(());
    }
    Err(b.invalid(
        location,
        "SPDXID format SPDXRef-[A-Za-z0-9.-]+",
        format!("\"{id}\" is not a valid SPDX identifier"),
    ))
}

fn validate_relationship(
    b: &Builder,
    version: &str,
    ids: &HashSet<&str>,
    r: &RawRelationship,
) -> Result<(), SbomError> {
    if !relationship_type_known(version, &r.kind) {
        return Err(b.invalid(
            r.loc.at("relationshipType"),
            "relationship type known",
            format!("\"{}\" is not an SPDX {version} relationship type", r.kind),
        ));
    }
    let element_ok = ids.contains(r.element.as_str()) || is_external_element(&r.element);
    if !element_ok {
        return Err(b.invalid(
            r.loc.at("spdxElementId"),
            "relationship element defined in the document",
            format!(
                "relationship {} {} {} names \"{}\", which the document does not define",
                r.element, r.kind, r.related, r.element
            ),
        ));
    }
    let related_ok = ids.contains(r.related.as_str())
        || is_external_element(&r.related)
        || is_no_value(&r.related);
    if !related_ok {
        return Err(b.invalid(
            r.loc.at("relatedSpdxElement"),
            "relationship element defined in the document",
            format!(
                "relationship {} {} {} names \"{}\", which the document does not define",
                r.element, r.kind, r.related, r.related
            ),
        ));
    }
    Ok(())
}

fn strip_party(value: Option<String>) -> Option<String> {
    let value = value?;
    let v = value.trim();
    if is_no_value(v) {
        return None;
    }
    let v = v
        .strip_prefix("Organization:")
        .or_else(|| v.strip_prefix("Person:"))
        .map(str::trim)
        .unwrap_or(v);
    let v = strip_empty_email(v);
    (!v.is_empty()).then(|| v.to_owned())
}

/// "Jane Doe ()" — SPDX writes an empty e-mail as "()".
fn strip_empty_email(v: &str) -> &str {
    let v = v.trim();
    v.strip_suffix("()").map(str::trim_end).unwrap_or(v)
}

fn component(b: &mut Builder, p: RawPackage) -> Result<Component, SbomError> {
    let RawPackage {
        loc,
        spdxid,
        name,
        version,
        supplier,
        originator,
        description,
        summary,
        download_location,
        homepage,
        license_concluded,
        license_declared,
        copyright,
        purpose,
        checksums,
        external_refs,
        files: _,
    } = p;
    // Presence was checked by validate_elements.
    let reference = spdxid.unwrap_or_default();
    let name = name.unwrap_or_default();

    let kind = match purpose.as_deref().map(str::trim) {
        None => ComponentType::Library,
        Some(purpose) => component_type(purpose).ok_or_else(|| {
            let field = b.field("primaryPackagePurpose", "PrimaryPackagePurpose");
            b.invalid(
                loc.at(field),
                "primary package purpose known",
                format!("\"{purpose}\" is not an SPDX primary package purpose"),
            )
        })?,
    };

    let mut hashes = Vec::with_capacity(checksums.len());
    for RawChecksum {
        algorithm,
        value,
        loc,
    } in checksums
    {
        let Some(alg) = hash_algorithm(algorithm.trim()) else {
            return Err(b.invalid(
                loc.at("algorithm"),
                "checksum algorithm known",
                format!("\"{algorithm}\" is not an SPDX checksum algorithm"),
            ));
        };
        let value = value.trim();
        if value.is_empty() || !value.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(b.invalid(
                loc.at("checksumValue"),
                "checksum value hexadecimal",
                format!("{algorithm} checksum \"{value}\" is not hexadecimal"),
            ));
        }
        hashes.push(Hash {
            alg: alg.to_owned(),
            content: value.to_ascii_lowercase(),
        });
    }

    let mut licenses = Vec::new();
    for (expression, acknowledgement, json, tag) in [
        (
            license_declared,
            LicenseAcknowledgement::Declared,
            "licenseDeclared",
            "PackageLicenseDeclared",
        ),
        (
            license_concluded,
            LicenseAcknowledgement::Concluded,
            "licenseConcluded",
            "PackageLicenseConcluded",
        ),
    ] {
        let Some(expression) = expression else {
            continue;
        };
        let text = expression.trim();
        if text.is_empty() || is_no_value(text) {
            continue;
        }
        let mode = spdx::ParseMode {
            allow_deprecated: true,
            ..spdx::ParseMode::STRICT
        };
        match spdx::Expression::parse_mode(text, mode) {
            Ok(_) => licenses.push(License {
                expression: Some(text.to_owned()),
                name: None,
                acknowledgement,
            }),
            Err(e) => {
                let field = b.field(json, tag);
                b.warn(
                    loc.at(field),
                    format!("\"{text}\" is not a valid SPDX licence expression ({e}); kept as a licence name"),
                );
                licenses.push(License {
                    expression: None,
                    name: Some(text.to_owned()),
                    acknowledgement,
                });
            }
        }
    }

    let mut purl = None;
    let mut cpes = Vec::new();
    let mut external_references = Vec::with_capacity(external_refs.len() + 2);
    if let Some(homepage) = homepage.filter(|h| !is_no_value(h.trim())) {
        external_references.push(ExternalReference {
            kind: "website".to_owned(),
            url: homepage,
            comment: None,
        });
    }
    if let Some(download) = download_location.filter(|d| !is_no_value(d.trim())) {
        external_references.push(ExternalReference {
            kind: "distribution".to_owned(),
            url: download,
            comment: None,
        });
    }
    for r in external_refs {
        let category = r.category.trim();
        let kind = r.kind.trim();
        if !matches!(
            category,
            "SECURITY"
                | "PACKAGE-MANAGER"
                | "PACKAGE_MANAGER"
                | "PERSISTENT-ID"
                | "PERSISTENT_ID"
                | "OTHER"
        ) {
            return Err(b.invalid(
                r.loc.at("referenceCategory"),
                "external reference category known",
                format!("\"{category}\" is not an SPDX external reference category"),
            ));
        }
        match (category, kind) {
            ("PACKAGE-MANAGER" | "PACKAGE_MANAGER", "purl") if purl.is_none() => {
                purl = Some(r.locator.clone());
            }
            ("SECURITY", "cpe23Type" | "cpe22Type") => cpes.push(r.locator.clone()),
            _ => {}
        }
        external_references.push(ExternalReference {
            kind: format!("{category}/{kind}"),
            url: r.locator,
            comment: r.comment,
        });
    }

    Ok(Component {
        reference,
        reference_generated: false,
        kind,
        group: None,
        name,
        version,
        supplier: strip_party(supplier),
        publisher: None,
        author: strip_party(originator),
        description: description.or(summary),
        purl,
        purl_canonical: None,
        cpes,
        hashes,
        licenses,
        copyright: copyright.filter(|c| !is_no_value(c.trim())),
        external_references,
        support: Support::default(),
        properties: Vec::new(),
        parent: None,
        scope: None,
    })
}

type HasFiles = Vec<(String, Vec<(String, Loc)>)>;

/// The edges, in order: relationships, then `documentDescribes`, then the
/// files packages have. Lazy, so that the caller can stop at `max_edges`
/// before the implicit edges are all made.
fn edges(
    doc_id: &str,
    relationships: Vec<RawRelationship>,
    describes: Vec<(String, Loc)>,
    has_files: HasFiles,
) -> impl Iterator<Item = Edge> + '_ {
    // documentDescribes repeats what DESCRIBES relationships often say
    // already; one statement is one edge. The same for files in packages.
    let mut described: HashSet<String> = relationships
        .iter()
        .filter_map(|r| match r.kind.as_str() {
            "DESCRIBES" if r.element == doc_id => Some(r.related.clone()),
            "DESCRIBED_BY" if r.related == doc_id => Some(r.element.clone()),
            _ => None,
        })
        .collect();
    let mut contained: HashSet<(String, String)> = if has_files.is_empty() {
        HashSet::new()
    } else {
        relationships
            .iter()
            .filter_map(|r| match r.kind.as_str() {
                "CONTAINS" => Some((r.element.clone(), r.related.clone())),
                "CONTAINED_BY" => Some((r.related.clone(), r.element.clone())),
                _ => None,
            })
            .collect()
    };
    let explicit = relationships.into_iter().map(relationship_edge);
    let describes = describes.into_iter().filter_map(move |(id, _)| {
        described.insert(id.clone()).then(|| Edge {
            from: doc_id.to_owned(),
            to: id,
            kind: EdgeKind::Describes,
        })
    });
    let files = has_files.into_iter().flat_map(move |(package, files)| {
        files
            .into_iter()
            .map(move |(file, _)| (package.clone(), file))
    });
    let files = files.filter_map(move |(package, file)| {
        contained
            .insert((package.clone(), file.clone()))
            .then_some(Edge {
                from: package,
                to: file,
                kind: EdgeKind::Contains,
            })
    });
    explicit.chain(describes).chain(files)
}

fn relationship_edge(r: RawRelationship) -> Edge {
    let RawRelationship {
        element,
        kind,
        related,
        ..
    } = r;
    let (from, to, kind) = match kind.as_str() {
        "DEPENDS_ON" => (element, related, EdgeKind::DependsOn),
        "DEPENDENCY_OF" => (related, element, EdgeKind::DependsOn),
        "CONTAINS" => (element, related, EdgeKind::Contains),
        "CONTAINED_BY" => (related, element, EdgeKind::Contains),
        "DESCRIBES" => (element, related, EdgeKind::Describes),
        "DESCRIBED_BY" => (related, element, EdgeKind::Describes),
        _ => (element, related, EdgeKind::Other(kind)),
    };
    Edge { from, to, kind }
}
