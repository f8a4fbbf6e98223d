//! CSAF 2.0 advisories (CISA ICS medical advisories and others).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::feed::{from_value, parse_json, FeedRead};
use crate::hash::ContentHash;
use crate::model::{
    ProductAffected, ProductVersion, Reference, Severity, SeverityKind, Source, Vulnerability,
    Weakness,
};
use crate::time::Timestamp;

/// One advisory: its tracking data, products and vulnerabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsafAdvisory {
    /// `document.tracking.id`, e.g. `ICSMA-24-165-01`.
    pub id: String,
    pub title: String,
    pub category: String,
    pub csaf_version: String,
    pub publisher: Option<String>,
    /// `document.tracking.status`: draft, interim, final.
    pub status: String,
    /// `document.tracking.version`.
    pub version: String,
    pub initial_release: Timestamp,
    pub current_release: Timestamp,
    pub products: Vec<CsafProduct>,
    pub vulnerabilities: Vec<CsafVulnerability>,
    pub references: Vec<String>,
}

impl ContentHash for CsafAdvisory {
    const KIND: &'static str = "csaf";
}

impl CsafAdvisory {
    pub fn product(&self, product_id: &str) -> Option<&CsafProduct> {
        self.products.iter().find(|p| p.product_id == product_id)
    }

    /// One normalised [`Vulnerability`] (source [`Source::Csaf`]) per
    /// vulnerability of the advisory that names a CVE. Each product in a
    /// product status becomes a [`ProductAffected`] whose single version
    /// carries the CVE 5 status word for that CSAF status.
    pub fn vulnerability_records(&self) -> Vec<Vulnerability> {
        let mut out = Vec::new();
        for cv in &self.vulnerabilities {
            let Some(cve) = &cv.cve else { continue };
            let mut v = Vulnerability::new(cve.clone(), Source::Csaf);
            v.aliases = vec![self.id.clone()];
            v.published = Some(self.initial_release);
            v.modified = Some(self.current_release);
            v.summary = cv.title.clone();
            v.weaknesses.extend(cv.cwe.clone());
            v.severities = cv.scores.iter().flat_map(|s| s.cvss.clone()).collect();
            v.references = self
                .references
                .iter()
                .map(|url| Reference {
                    url: url.clone(),
                    kind: None,
                    tags: Vec::new(),
                    source: Some(self.id.clone()),
                })
                .collect();
            for (category, ids) in &cv.product_status {
                let Some(status) = status_word(category) else {
                    continue;
                };
                for id in ids {
                    v.products.push(self.product_affected(id, status));
                }
            }
            out.push(v);
        }
        out
    }
}

impl CsafAdvisory {
    /// A product id as a CVE 5 style entry. A relationship product (a
    /// component of a platform) takes vendor, name, version and helpers
    /// from the component and names the platform in `platforms`, adding
    /// the platform's CPE.
    fn product_affected(&self, id: &str, status: &str) -> ProductAffected {
        let p = self.product(id);
        let relation = p.and_then(|p| p.relationship.as_ref());
        let component = relation
            .and_then(|r| self.product(&r.product_reference))
            .or(p);
        let platform = relation.and_then(|r| self.product(&r.relates_to_product_reference));
        let version = component.and_then(|c| c.version.clone().or(c.version_range.clone()));
        let version_type = component.and_then(|c| {
            c.version_range.as_ref().map(|r| {
                if r.starts_with("vers:") {
                    "vers"
                } else {
                    "csaf_range"
                }
                .to_owned()
            })
        });
        ProductAffected {
            provider: Some(self.id.clone()),
            vendor: component
                .and_then(|c| c.vendor.clone())
                .or_else(|| platform.and_then(|c| c.vendor.clone())),
            product: Some(
                component
                    .and_then(|c| c.product_name.clone())
                    .or_else(|| component.map(|c| c.name.clone()))
                    .unwrap_or_else(|| id.to_owned()),
            ),
            package_name: None,
            collection_url: None,
            repo: None,
            default_status: None,
            versions: version
                .map(|version| ProductVersion {
                    version,
                    status: status.to_owned(),
                    version_type,
                    less_than: None,
                    less_than_or_equal: None,
                    changes: Vec::new(),
                })
                .into_iter()
                .collect(),
            cpes: component
                .and_then(|c| c.cpe.clone())
                .into_iter()
                .chain(platform.and_then(|c| c.cpe.clone()))
                .collect(),
            purls: component.map(|c| c.purls.clone()).unwrap_or_default(),
            platforms: platform.map(|c| c.name.clone()).into_iter().collect(),
        }
    }
}

/// The CVE 5 status word for a CSAF product status category.
fn status_word(category: &str) -> Option<&'static str> {
    match category {
        "known_affected" | "first_affected" | "last_affected" => Some("affected"),
        "fixed" | "first_fixed" | "known_not_affected" => Some("unaffected"),
        "under_investigation" => Some("unknown"),
        // `recommended` says which version to use, not whether it is affected.
        _ => None,
    }
}

/// A full product name from the product tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsafProduct {
    pub product_id: String,
    pub name: String,
    /// The branch path above the product, as `category: name`.
    pub branches: Vec<String>,
    /// Names of the `vendor`, `product_name`, `product_version` and
    /// `product_version_range` branches above the product, when present.
    pub vendor: Option<String>,
    pub product_name: Option<String>,
    pub version: Option<String>,
    /// A range as written (`<= 4.0.0`, `vers:all/*`, `vers:generic/<2.1`).
    pub version_range: Option<String>,
    pub cpe: Option<String>,
    /// CSAF 2.0 has one `purl`; 2.1 a list `purls`. Both land here.
    pub purls: Vec<String>,
    /// For a product defined by a relationship (a component of a
    /// platform): how it is built from two other products.
    pub relationship: Option<CsafRelationship>,
}

/// `product_tree.relationships[]`: `product_reference` is
/// `category` (`default_component_of`, `installed_on`, ...) of
/// `relates_to_product_reference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsafRelationship {
    pub category: String,
    pub product_reference: String,
    pub relates_to_product_reference: String,
}

/// A vulnerability of an advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsafVulnerability {
    pub cve: Option<String>,
    pub title: Option<String>,
    pub cwe: Option<Weakness>,
    /// `product_status` categories (known_affected, fixed, ...) with their
    /// product ids, sorted by category.
    pub product_status: Vec<(String, Vec<String>)>,
    pub remediations: Vec<Remediation>,
    pub scores: Vec<CsafScore>,
}

impl CsafVulnerability {
    /// The product ids in status `category` (`known_affected`, `fixed`...).
    pub fn products_in(&self, category: &str) -> &[String] {
        self.product_status
            .iter()
            .find(|(c, _)| c == category)
            .map_or(&[], |(_, ids)| ids.as_slice())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// vendor_fix, mitigation, workaround, none_available, no_fix_planned.
    pub category: String,
    /// The advice, cut to [`DETAILS_LIMIT`] characters.
    pub details: String,
    pub product_ids: Vec<String>,
    pub url: Option<String>,
}

/// Longest remediation text kept; the full text stays in the advisory.
pub const DETAILS_LIMIT: usize = 1000;

/// CVSS scores of a vulnerability for a set of products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsafScore {
    pub products: Vec<String>,
    pub cvss: Vec<Severity>,
}

#[derive(Deserialize)]
struct RawAdvisory {
    document: RawDocument,
    #[serde(default)]
    product_tree: Option<RawProductTree>,
    #[serde(default)]
    vulnerabilities: Vec<RawVulnerability>,
}

#[derive(Deserialize)]
struct RawDocument {
    category: String,
    csaf_version: String,
    title: String,
    publisher: Option<RawPublisher>,
    tracking: RawTracking,
    #[serde(default)]
    references: Vec<RawReference>,
}

#[derive(Deserialize)]
struct RawPublisher {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawTracking {
    id: String,
    status: String,
    version: String,
    initial_release_date: String,
    current_release_date: String,
}

#[derive(Deserialize)]
struct RawReference {
    url: String,
}

#[derive(Deserialize, Default)]
struct RawProductTree {
    #[serde(default)]
    branches: Vec<RawBranch>,
    #[serde(default)]
    full_product_names: Vec<RawFullProductName>,
    #[serde(default)]
    relationships: Vec<RawRelationship>,
}

#[derive(Deserialize)]
struct RawBranch {
    category: String,
    name: String,
    #[serde(default)]
    branches: Vec<RawBranch>,
    product: Option<RawFullProductName>,
}

#[derive(Deserialize)]
struct RawFullProductName {
    product_id: String,
    name: String,
    product_identification_helper: Option<RawHelper>,
}

#[derive(Deserialize)]
struct RawHelper {
    cpe: Option<String>,
    purl: Option<String>,
    #[serde(default)]
    purls: Vec<String>,
}

#[derive(Deserialize)]
struct RawRelationship {
    category: String,
    product_reference: String,
    relates_to_product_reference: String,
    full_product_name: RawFullProductName,
}

#[derive(Deserialize)]
struct RawVulnerability {
    cve: Option<String>,
    title: Option<String>,
    cwe: Option<RawCwe>,
    #[serde(default)]
    product_status: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    remediations: Vec<RawRemediation>,
    #[serde(default)]
    scores: Vec<RawScore>,
}

#[derive(Deserialize)]
struct RawCwe {
    id: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawRemediation {
    category: String,
    details: String,
    #[serde(default)]
    product_ids: Vec<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawScore {
    #[serde(default)]
    products: Vec<String>,
    cvss_v2: Option<RawCvss>,
    cvss_v3: Option<RawCvss>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvss {
    vector_string: String,
    base_score: Option<f64>,
}

fn product(p: RawFullProductName, path: &[(String, String)]) -> CsafProduct {
    let (cpe, purls) = match p.product_identification_helper {
        Some(h) => (h.cpe, h.purl.into_iter().chain(h.purls).collect()),
        None => (None, Vec::new()),
    };
    let named = |category: &str| {
        path.iter()
            .rev()
            .find(|(c, _)| c == category)
            .map(|(_, n)| n.clone())
    };
    CsafProduct {
        product_id: p.product_id,
        name: p.name,
        branches: path.iter().map(|(c, n)| format!("{c}: {n}")).collect(),
        vendor: named("vendor"),
        product_name: named("product_name"),
        version: named("product_version"),
        version_range: named("product_version_range"),
        cpe,
        purls,
        relationship: None,
    }
}

/// Reads one CSAF 2.0 advisory (gzip allowed). An advisory is one record:
/// a malformed one is listed in `rejected` with its tracking id.
pub fn read(bytes: &[u8], file: &str) -> Result<FeedRead<CsafAdvisory>, Error> {
    let doc = parse_json(bytes, file)?;
    if doc.pointer("/document/csaf_version").is_none() {
        return Err(Error::unsupported(
            file,
            "no `document.csaf_version`: not a CSAF document",
        ));
    }
    let id = doc
        .pointer("/document/tracking/id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut out = FeedRead::default();
    out.push(
        from_value::<RawAdvisory>(doc, file, "", id.as_deref()).and_then(|raw| convert(raw, file)),
    );
    Ok(out)
}

fn convert(raw: RawAdvisory, file: &str) -> Result<CsafAdvisory, Error> {
    let d = raw.document;
    let id = d.tracking.id;
    let invalid = |msg: String, at: &str| Error::invalid(file, msg).record(Some(&id)).at(at);
    if !d.csaf_version.starts_with("2.") {
        return Err(Error::unsupported(
            file,
            format!("csaf_version {} (2.x is read)", d.csaf_version),
        )
        .record(Some(&id))
        .at("document.csaf_version"));
    }
    let initial_release = Timestamp::parse(&d.tracking.initial_release_date)
        .map_err(|e| invalid(e, "document.tracking.initial_release_date"))?;
    let current_release = Timestamp::parse(&d.tracking.current_release_date)
        .map_err(|e| invalid(e, "document.tracking.current_release_date"))?;
    let tree = raw.product_tree.unwrap_or_default();
    let mut products = Vec::new();
    // An explicit stack, so the depth of the branch tree costs no recursion.
    let mut stack: Vec<(Vec<(String, String)>, RawBranch)> = tree
        .branches
        .into_iter()
        .rev()
        .map(|b| (Vec::new(), b))
        .collect();
    while let Some((mut path, b)) = stack.pop() {
        path.push((b.category, b.name));
        if let Some(p) = b.product {
            products.push(product(p, &path));
        }
        for child in b.branches.into_iter().rev() {
            stack.push((path.clone(), child));
        }
    }
    for p in tree.full_product_names {
        products.push(product(p, &[]));
    }
    for r in tree.relationships {
        let mut p = product(r.full_product_name, &[]);
        p.relationship = Some(CsafRelationship {
            category: r.category,
            product_reference: r.product_reference,
            relates_to_product_reference: r.relates_to_product_reference,
        });
        products.push(p);
    }
    let mut vulnerabilities = Vec::with_capacity(raw.vulnerabilities.len());
    for v in raw.vulnerabilities {
        let mut scores = Vec::new();
        for s in v.scores {
            let mut cvss = Vec::new();
            if let Some(c) = s.cvss_v3 {
                cvss.push(Severity {
                    kind: SeverityKind::from_vector(&c.vector_string, SeverityKind::CvssV31),
                    vector: c.vector_string,
                    base_score: c.base_score,
                    source: Some(id.clone()),
                    role: None,
                });
            }
            if let Some(c) = s.cvss_v2 {
                cvss.push(Severity {
                    kind: SeverityKind::CvssV2,
                    vector: c.vector_string,
                    base_score: c.base_score,
                    source: Some(id.clone()),
                    role: None,
                });
            }
            scores.push(CsafScore {
                products: s.products,
                cvss,
            });
        }
        vulnerabilities.push(CsafVulnerability {
            cve: v.cve,
            title: v.title,
            cwe: v.cwe.map(|c| Weakness {
                id: c.id,
                name: c.name,
                source: Some(id.clone()),
            }),
            product_status: v.product_status.into_iter().collect(),
            remediations: v
                .remediations
                .into_iter()
                .map(|r| Remediation {
                    category: r.category,
                    details: r.details.chars().take(DETAILS_LIMIT).collect(),
                    product_ids: r.product_ids,
                    url: r.url,
                })
                .collect(),
            scores,
        });
    }
    Ok(CsafAdvisory {
        id: id.clone(),
        title: d.title,
        category: d.category,
        csaf_version: d.csaf_version,
        publisher: d.publisher.and_then(|p| p.name),
        status: d.tracking.status,
        version: d.tracking.version,
        initial_release,
        current_release,
        products,
        vulnerabilities,
        references: d.references.into_iter().map(|r| r.url).collect(),
    })
}
