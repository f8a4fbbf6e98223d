//! Model features: [`ExploitInput`] (what the knowledge base knows about a
//! CVE) turned into the model's input row by a [`FeatureBuilder`] compiled
//! from the manifest's feature list.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ModelError, Result};
use crate::manifest::Manifest;

/// One CVSS vector, who published it and under which CVSS version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourcedCvss {
    /// Publisher, lower case: `cna`, `adp` or `nvd`.
    pub source: String,
    /// The CVSS version the record files it under: `2.0`, `3.0`, `3.1`, `4.0`.
    pub version: String,
    /// The vector string.
    pub vector: String,
}

/// The facts about one CVE that the exploitation model looks at; filled by
/// the analysis engine from knowledge-base records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExploitInput {
    /// Every CVSS vector known for the CVE, with its source.
    pub cvss: Vec<SourcedCvss>,
    /// CWE ids from the CNA container (`CWE-79`, `NVD-CWE-noinfo`, ...).
    pub cna_cwes: Vec<String>,
    /// CWE ids from ADP containers.
    pub adp_cwes: Vec<String>,
    /// CISA SSVC `Automatable` decision (`yes` / `no`).
    pub ssvc_automatable: Option<String>,
    /// CISA SSVC `Technical Impact` decision (`total` / `partial`).
    pub ssvc_technical_impact: Option<String>,
    /// The CNA's short name (`mitre`, `GitHub_M`, ...).
    pub cna_short_name: Option<String>,
}

/// The CVSS families the manifest can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V2,
    V3,
    V4,
}

impl Family {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "v2" => Some(Self::V2),
            "v3" => Some(Self::V3),
            "v4" => Some(Self::V4),
            _ => None,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::V2 => 0,
            Self::V3 => 1,
            Self::V4 => 2,
        }
    }

    /// Vectors whose metric names make up the family's vocabulary.
    fn vocabulary(self) -> &'static [&'static str] {
        match self {
            Self::V2 => &["AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND"],
            Self::V3 => &["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MPR:X/MUI:X/MS:X/MC:X/MI:X/MA:X"],
            Self::V4 => &[
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X",
            ],
        }
    }

    fn knows_metric(self, metric: &str) -> bool {
        self.vocabulary().iter().any(|v| {
            medsec_cvss::parse(v)
                .ok()
                .and_then(|c| c.metric(metric))
                .is_some()
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Automatable,
    TechnicalImpact,
}

/// One compiled feature.
#[derive(Debug, Clone, PartialEq)]
enum Feature {
    Metric {
        family: Family,
        metric: String,
        value: String,
    },
    Present(Family),
    BaseScore {
        family: Family,
        scale: f64,
    },
    CweAny(BTreeSet<String>),
    CweNone,
    Ssvc {
        decision: Decision,
        value: String,
    },
    Category(BTreeSet<String>),
    CategoryOther(BTreeSet<String>),
    Standardize {
        of: Box<Feature>,
        mean: f64,
        std: f64,
    },
}

/// CWE ids that say "no CWE" (compared case-insensitively).
const NO_CWE: [&str; 2] = ["NVD-CWE-noinfo", "NVD-CWE-Other"];

/// Builds model input rows; compiled once from a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureBuilder {
    names: Vec<String>,
    features: Vec<Feature>,
    /// Preference keys (`cna_v3.1`) per family, indexed by `Family::index`.
    preference: [Vec<String>; 3],
}

impl FeatureBuilder {
    /// Compiles the manifest's feature list, refusing any kind, CVSS family,
    /// metric, field or decision this code does not build.
    pub fn compile(manifest: &Manifest) -> Result<Self> {
        let mut names = Vec::with_capacity(manifest.features.len());
        let mut features = Vec::with_capacity(manifest.features.len());
        // "other" needs every kept value of its field, listed anywhere.
        let mut kept_cna = BTreeSet::new();
        for (index, spec) in manifest.features.iter().enumerate() {
            let name = spec
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let fail = |message: String| ModelError::Feature {
                index,
                name: name.clone(),
                message,
            };
            if name.is_empty() {
                return Err(fail("has no \"name\"".into()));
            }
            if names.contains(&name) {
                return Err(fail("name is used twice".into()));
            }
            let feature = compile_one(spec, true).map_err(fail)?;
            if let Feature::Category(values) = &feature {
                kept_cna.extend(values.iter().cloned());
            }
            names.push(name);
            features.push(feature);
        }
        for f in &mut features {
            if let Feature::CategoryOther(kept) = f {
                kept.clone_from(&kept_cna);
            }
        }
        let uses = |family: Family| features.iter().any(|f| f.family() == Some(family));
        let v3 = match &manifest.cvss_v3_preference {
            Some(p) => p.clone(),
            None if uses(Family::V3) => {
                return Err(ModelError::Refused(
                    "v3 features need \"cvss_v3_preference\"".into(),
                ))
            }
            None => Vec::new(),
        };
        // The pipeline reads v4 and v2 from the CNA container only.
        let v4 = manifest
            .cvss_v4_preference
            .clone()
            .unwrap_or_else(|| vec!["cna_v4.0".into()]);
        let v2 = manifest
            .cvss_v2_preference
            .clone()
            .unwrap_or_else(|| vec!["cna_v2.0".into()]);
        for (family, keys) in [(Family::V2, &v2), (Family::V3, &v3), (Family::V4, &v4)] {
            for key in keys.iter() {
                let ok = key.split_once("_v").is_some_and(|(source, version)| {
                    !source.is_empty()
                        && matches!(
                            (family, version),
                            (Family::V2, "2.0") | (Family::V3, "3.0" | "3.1") | (Family::V4, "4.0")
                        )
                });
                if !ok {
                    return Err(ModelError::Refused(format!(
                        "CVSS preference key {key:?} is not <source>_v<version> of family {family:?}"
                    )));
                }
            }
        }
        Ok(Self {
            names,
            features,
            preference: [v2, v3, v4],
        })
    }

    /// Number of features per row.
    pub fn width(&self) -> usize {
        self.features.len()
    }

    /// Feature names in input order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The feature row of one input.
    pub fn build(&self, input: &ExploitInput) -> Vec<f32> {
        let mut row = Vec::with_capacity(self.width());
        self.build_into(input, &mut row);
        row
    }

    /// Appends the feature row of `input` to `out`.
    pub fn build_into(&self, input: &ExploitInput, out: &mut Vec<f32>) {
        let facts = Facts::of(input, &self.preference);
        out.extend(self.features.iter().map(|f| f.value(&facts) as f32));
    }

    /// Writes the feature row of `input` into `row` (of length
    /// [`Self::width`]; extra slots are left alone, missing ones skipped).
    pub fn write_row(&self, input: &ExploitInput, row: &mut [f32]) {
        let facts = Facts::of(input, &self.preference);
        for (slot, f) in row.iter_mut().zip(&self.features) {
            *slot = f.value(&facts) as f32;
        }
    }
}

/// The vector chosen for one family: its metrics as written, and the
/// base score (0 when the vector does not parse).
struct Chosen<'a> {
    metrics: Vec<(&'a str, &'a str)>,
    base_score: f64,
}

impl<'a> Chosen<'a> {
    fn of(vector: &'a str) -> Self {
        // Split as written, like the pipeline: the first value of a metric
        // wins, the `CVSS:x.y` prefix and NVD's brackets are skipped.
        let body = vector.trim_matches(|c| c == '(' || c == ')');
        let mut metrics: Vec<(&str, &str)> = Vec::new();
        for part in body.split('/') {
            if part.starts_with("CVSS:") {
                continue;
            }
            if let Some((k, v)) = part.split_once(':') {
                if !metrics.iter().any(|(seen, _)| *seen == k) {
                    metrics.push((k, v));
                }
            }
        }
        Self {
            metrics,
            base_score: medsec_cvss::parse(vector).map_or(0.0, |c| c.base_score()),
        }
    }

    fn metric(&self, key: &str) -> Option<&'a str> {
        self.metrics
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}

/// An input reduced to what the features read, normalised as the training
/// pipeline normalises its raw fields.
struct Facts<'a> {
    chosen: [Option<Chosen<'a>>; 3],
    cwes: Vec<String>,
    automatable: String,
    technical_impact: String,
    cna: String,
}

impl<'a> Facts<'a> {
    fn of(input: &'a ExploitInput, preference: &[Vec<String>; 3]) -> Self {
        // The first preference key with a non-empty vector, parsable or not.
        let pick = |family: Family| {
            let keys = preference.get(family.index())?;
            keys.iter().find_map(|key| {
                let (source, version) = key.split_once("_v")?;
                input.cvss.iter().find_map(|v| {
                    let vector = v.vector.trim();
                    (!vector.is_empty()
                        && v.version == version
                        && v.source.eq_ignore_ascii_case(source))
                    .then(|| Chosen::of(vector))
                })
            })
        };
        let mut cwes: Vec<String> = Vec::new();
        for raw in input.cna_cwes.iter().chain(&input.adp_cwes) {
            if let Some(id) = normalise_cwe(raw) {
                if !cwes.contains(&id) {
                    cwes.push(id);
                }
            }
        }
        let norm = |s: &Option<String>| s.as_deref().unwrap_or_default().trim().to_lowercase();
        Self {
            chosen: [pick(Family::V2), pick(Family::V3), pick(Family::V4)],
            cwes,
            automatable: norm(&input.ssvc_automatable),
            technical_impact: norm(&input.ssvc_technical_impact),
            cna: norm(&input.cna_short_name),
        }
    }

    fn vector(&self, family: Family) -> Option<&Chosen<'a>> {
        self.chosen.get(family.index()).and_then(Option::as_ref)
    }
}

/// `CWE-<n>` without leading zeros, upper case; `None` for blanks and the
/// NVD placeholders that say "no CWE".
fn normalise_cwe(raw: &str) -> Option<String> {
    let s = raw.trim().to_uppercase();
    if s.is_empty() || NO_CWE.iter().any(|p| p.eq_ignore_ascii_case(&s)) {
        return None;
    }
    match s.strip_prefix("CWE-") {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            let n = n.trim_start_matches('0');
            Some(format!("CWE-{}", if n.is_empty() { "0" } else { n }))
        }
        _ => Some(s),
    }
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

impl Feature {
    fn family(&self) -> Option<Family> {
        match self {
            Self::Metric { family, .. } | Self::BaseScore { family, .. } => Some(*family),
            Self::Present(family) => Some(*family),
            Self::Standardize { of, .. } => of.family(),
            _ => None,
        }
    }

    fn value(&self, facts: &Facts) -> f64 {
        match self {
            Self::Metric {
                family,
                metric,
                value,
            } => flag(
                facts
                    .vector(*family)
                    .and_then(|v| v.metric(metric))
                    .is_some_and(|v| v == value),
            ),
            Self::Present(family) => flag(facts.vector(*family).is_some()),
            Self::BaseScore { family, scale } => {
                facts.vector(*family).map_or(0.0, |v| v.base_score) * scale
            }
            Self::CweAny(listed) => flag(facts.cwes.iter().any(|c| listed.contains(c))),
            Self::CweNone => flag(facts.cwes.is_empty()),
            Self::Ssvc { decision, value } => flag(
                *match decision {
                    Decision::Automatable => &facts.automatable,
                    Decision::TechnicalImpact => &facts.technical_impact,
                } == *value,
            ),
            Self::Category(values) => flag(values.contains(&facts.cna)),
            Self::CategoryOther(kept) => flag(!kept.contains(&facts.cna)),
            Self::Standardize { of, mean, std } => (of.value(facts) - mean) / std,
        }
    }
}

fn str_field<'a>(spec: &'a Value, key: &str) -> Result<&'a str, String> {
    spec.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("needs string field {key:?}"))
}

fn num_field(spec: &Value, key: &str) -> Result<f64, String> {
    spec.get(key)
        .and_then(Value::as_f64)
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("needs finite number field {key:?}"))
}

fn family_field(spec: &Value) -> Result<Family, String> {
    let name = str_field(spec, "cvss")?;
    Family::parse(name).ok_or_else(|| format!("CVSS family {name:?} is not built (v2, v3, v4)"))
}

fn strings_field(spec: &Value, key: &str) -> Result<BTreeSet<String>, String> {
    let list = spec
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("needs list field {key:?}"))?;
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{key:?} holds a non-string {v}"))
        })
        .collect()
}

fn compile_one(spec: &Value, outer: bool) -> Result<Feature, String> {
    let kind = str_field(spec, "kind")?;
    Ok(match kind {
        "cvss_metric" => {
            let family = family_field(spec)?;
            let metric = str_field(spec, "metric")?;
            if !family.knows_metric(metric) {
                return Err(format!("CVSS {family:?} has no metric {metric:?}"));
            }
            Feature::Metric {
                family,
                metric: metric.to_owned(),
                value: str_field(spec, "value")?.to_owned(),
            }
        }
        "cvss_present" => Feature::Present(family_field(spec)?),
        "cvss_base_score" => Feature::BaseScore {
            family: family_field(spec)?,
            scale: match spec.get("scale") {
                None => 1.0,
                Some(_) => num_field(spec, "scale")?,
            },
        },
        "cwe_any" => Feature::CweAny(strings_field(spec, "cwes")?),
        "cwe_none" => Feature::CweNone,
        "ssvc" => {
            let decision = match str_field(spec, "decision")? {
                "automatable" => Decision::Automatable,
                "technical_impact" => Decision::TechnicalImpact,
                other => return Err(format!("SSVC decision {other:?} is not built")),
            };
            Feature::Ssvc {
                decision,
                value: str_field(spec, "value")?.to_lowercase(),
            }
        }
        "category" => {
            let field = str_field(spec, "field")?;
            if field != "cna" {
                return Err(format!("category field {field:?} is not built (cna)"));
            }
            let values = strings_field(spec, "values")?;
            match spec.get("other") {
                Some(Value::Bool(true)) if values.is_empty() => {
                    Feature::CategoryOther(BTreeSet::new())
                }
                Some(Value::Bool(true)) => {
                    return Err("an \"other\" category must have empty \"values\"".into())
                }
                None | Some(Value::Bool(false)) => Feature::Category(values),
                Some(v) => return Err(format!("\"other\" must be a boolean, not {v}")),
            }
        }
        "standardize" if outer => {
            let of = spec
                .get("of")
                .ok_or_else(|| "needs field \"of\"".to_owned())?;
            let inner = compile_one(of, false).map_err(|e| format!("in \"of\": {e}"))?;
            if matches!(inner, Feature::CategoryOther(_)) {
                return Err("cannot standardize an \"other\" category".into());
            }
            let std = num_field(spec, "std")?;
            if std == 0.0 {
                return Err("\"std\" is 0".into());
            }
            Feature::Standardize {
                of: Box::new(inner),
                mean: num_field(spec, "mean")?,
                std,
            }
        }
        "standardize" => return Err("standardize of standardize is not built".into()),
        other => return Err(format!("feature kind {other:?} is not built")),
    })
}
