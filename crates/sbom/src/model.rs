//! The normalized model every reader produces.

use serde::Serialize;

/// SBOM standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    CycloneDx,
    Spdx,
}

/// Serialization the document came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Json,
    Xml,
    TagValue,
}

/// One SBOM, whatever its format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sbom {
    pub format: Format,
    pub encoding: Encoding,
    /// The specification version as the document states it: "1.4", "2.3".
    pub spec_version: String,
    /// CycloneDX `serialNumber` or SPDX `documentNamespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// CycloneDX `version` or SPDX document name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Creation timestamp as written (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Tools that produced the document, as "vendor name version" strings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Authors / creators of the document.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Reference of the component the SBOM describes (CycloneDX
    /// `metadata.component`, SPDX `documentDescribes` / DESCRIBES). It is
    /// also in `components`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Every component, nested ones flattened (each keeps its `parent`),
    /// in document order: the subject first when there is one.
    pub components: Vec<Component>,
    /// The dependency graph and other relationships between references.
    pub edges: Vec<Edge>,
    /// Problems that did not stop the parse (an unparseable purl or CPE, a
    /// licence id not on the SPDX list, an edge to an unknown reference).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// Broad component kind (CycloneDX `type`, SPDX `primaryPackagePurpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentType {
    Application,
    Framework,
    Library,
    Container,
    Platform,
    OperatingSystem,
    Device,
    DeviceDriver,
    Firmware,
    File,
    MachineLearningModel,
    Data,
    CryptographicAsset,
    Source,
    Archive,
    Install,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// CycloneDX `bom-ref` or SPDX `SPDXID`. When a CycloneDX component has
    /// no bom-ref, one is made (`medsec:component:<n>`) and
    /// `reference_generated` is set.
    pub reference: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reference_generated: bool,
    #[serde(rename = "type")]
    pub kind: ComponentType,
    /// CycloneDX `group`; for SPDX, none (the namespace lives in the purl).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Supplier organisation or person (SPDX `supplier` without its
    /// `Organization:`/`Person:` prefix is in `supplier`, the prefix is kept
    /// in the raw form only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The purl exactly as written in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The canonical form of `purl` when it parses (otherwise a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl_canonical: Option<String>,
    /// CPE names as written (2.3 formatted strings or 2.2 URIs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
    /// FDA-style support facts, lifted from properties.
    #[serde(skip_serializing_if = "Support::is_empty")]
    pub support: Support,
    /// All properties as written (the support ones included).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// Reference of the enclosing component for nested components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// CycloneDX `scope` (required, optional, excluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Component {
    /// True when the component carries neither a purl nor a CPE, so nothing
    /// can be matched on exact identity.
    pub fn has_no_identifier(&self) -> bool {
        self.purl.is_none() && self.cpes.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hash {
    /// Algorithm as named by CycloneDX (`SHA-256`, `SHA3-512`, `BLAKE3`...);
    /// SPDX names (`SHA256`) are mapped to the same spelling.
    pub alg: String,
    /// Lower-case hex.
    pub content: String,
}

/// Whether a licence was declared by the author or concluded by analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseAcknowledgement {
    Declared,
    Concluded,
    Unspecified,
}

/// One licence statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct License {
    /// An SPDX licence expression (a single id is an expression too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// A free-text licence name that is not an SPDX id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub acknowledgement: LicenseAcknowledgement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalReference {
    /// CycloneDX reference type (`website`, `vcs`, `advisories`...) or SPDX
    /// `referenceCategory/referenceType`.
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// FDA premarket guidance asks for each component's level of support and
/// end-of-support date; device makers write them as SBOM properties.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Support {
    /// e.g. "Actively maintained", "No longer maintained", "Abandoned".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// A date (YYYY-MM-DD) or the text the document gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<String>,
}

impl Support {
    pub fn is_empty(&self) -> bool {
        self.level.is_none() && self.end_of_support.is_none()
    }

    /// Lifts the support facts from properties. Names are compared without
    /// case, spaces, dashes or underscores, so "End-of-Support",
    /// "end_of_support" and "EndOfSupport" are one key; a namespace prefix
    /// ("fda:", "medsec:") is ignored.
    pub fn from_properties(properties: &[Property]) -> Support {
        let mut support = Support::default();
        for p in properties {
            let key: String = p
                .name
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let value = p.value.clone().filter(|v| !v.trim().is_empty());
            match key.as_str() {
                "levelofsupport" | "supportlevel" => {
                    support.level = support.level.or(value);
                }
                "endofsupport" | "endofsupportdate" | "eos" | "endoflife" | "eol" => {
                    support.end_of_support = support.end_of_support.or(value);
                }
                _ => {}
            }
        }
        support
    }
}

/// A directed relationship between two references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// CycloneDX `dependsOn`; SPDX DEPENDS_ON (and DEPENDENCY_OF reversed).
    DependsOn,
    /// CycloneDX 1.6 `provides`.
    Provides,
    /// SPDX CONTAINS (and CONTAINED_BY reversed).
    Contains,
    /// SPDX DESCRIBES (and DESCRIBED_BY reversed).
    Describes,
    /// Any other SPDX relationship type, as written (e.g. "BUILD_TOOL_OF").
    Other(String),
}

impl EdgeKind {
    /// Edges that make up the dependency graph proper.
    pub fn is_dependency(&self) -> bool {
        matches!(self, EdgeKind::DependsOn | EdgeKind::Contains)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::Location>,
    pub message: String,
}
