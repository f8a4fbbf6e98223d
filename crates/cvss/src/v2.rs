//! CVSS v2.0, as the FIRST "Complete Guide to the Common Vulnerability
//! Scoring System Version 2.0" defines it (section 3.2, equations).
//!
//! Vector form: v2 has no version prefix. FIRST's JSON schema for v2.0
//! (`cvss-v2.0.json`) accepts the metrics in any order and the temporal and
//! environmental ones may be omitted, so both are allowed here; NVD's older
//! feeds wrap the vector in parentheses, which [`crate::parse`] strips.

use crate::dec::D;
use crate::metrics::{def, MetricDef, Metrics};
use crate::{CvssError, Version};

/// Table 13 of the guide (vector abbreviations), in the guide's order.
static METRICS: [MetricDef; 14] = [
    def("AV", &["L", "A", "N"], true),
    def("AC", &["H", "M", "L"], true),
    def("Au", &["M", "S", "N"], true),
    def("C", &["N", "P", "C"], true),
    def("I", &["N", "P", "C"], true),
    def("A", &["N", "P", "C"], true),
    def("E", &["U", "POC", "F", "H", "ND"], false),
    def("RL", &["OF", "TF", "W", "U", "ND"], false),
    def("RC", &["UC", "UR", "C", "ND"], false),
    def("CDP", &["N", "L", "LM", "MH", "H", "ND"], false),
    def("TD", &["N", "L", "M", "H", "ND"], false),
    def("CR", &["L", "M", "H", "ND"], false),
    def("IR", &["L", "M", "H", "ND"], false),
    def("AR", &["L", "M", "H", "ND"], false),
];

const TEMPORAL: [&str; 3] = ["E", "RL", "RC"];
const ENVIRONMENTAL: [&str; 5] = ["CDP", "TD", "CR", "IR", "AR"];

/// Whether `key` is a v2 metric abbreviation.
pub(crate) fn is_metric(key: &str) -> bool {
    METRICS.iter().any(|d| d.key == key)
}

/// A parsed CVSS v2.0 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct V2Vector {
    metrics: Metrics,
}

impl V2Vector {
    /// Parses a v2 vector (no prefix; NVD's parenthesised form accepted).
    pub fn parse(s: &str) -> Result<Self, CvssError> {
        match crate::parse(s)? {
            crate::Cvss::V2(v) => Ok(v),
            other => Err(CvssError::WrongVersion {
                expected: "2.0",
                found: other.version(),
            }),
        }
    }

    /// Parses the metrics of a v2 vector, without parentheses.
    pub(crate) fn parse_body(s: &str) -> Result<Self, CvssError> {
        Ok(Self {
            metrics: Metrics::parse(s, &METRICS, Version::V2_0, false)?,
        })
    }

    /// The value of metric `key` as written (`"ND"` included), or `None`.
    pub fn metric(&self, key: &str) -> Option<&'static str> {
        self.metrics.get(key)
    }

    /// The metrics present, in the guide's order.
    pub fn metrics(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.metrics.iter()
    }

    /// Weight of a metric's value (section 3.2.4, "Scoring Equations").
    /// Omitted optional metrics count as Not Defined.
    fn w(&self, key: &str) -> D {
        let value = self.metrics.get(key).unwrap_or("ND");
        match (key, value) {
            ("AV", "L") => D::new(395, 3),
            ("AV", "A") => D::new(646, 3),
            ("AV", "N") => D::new(1, 0),
            ("AC", "H") => D::new(35, 2),
            ("AC", "M") => D::new(61, 2),
            ("AC", "L") => D::new(71, 2),
            ("Au", "M") => D::new(45, 2),
            ("Au", "S") => D::new(56, 2),
            ("Au", "N") => D::new(704, 3),
            ("C" | "I" | "A", "N") => D::ZERO,
            ("C" | "I" | "A", "P") => D::new(275, 3),
            ("C" | "I" | "A", "C") => D::new(660, 3),
            ("E", "U") => D::new(85, 2),
            ("E", "POC") => D::new(90, 2),
            ("E", "F") => D::new(95, 2),
            ("RL", "OF") => D::new(87, 2),
            ("RL", "TF") => D::new(90, 2),
            ("RL", "W") => D::new(95, 2),
            ("RC", "UC") => D::new(90, 2),
            ("RC", "UR") => D::new(95, 2),
            ("CDP", "N" | "ND") => D::ZERO,
            ("CDP", "L") => D::new(1, 1),
            ("CDP", "LM") => D::new(3, 1),
            ("CDP", "MH") => D::new(4, 1),
            ("CDP", "H") => D::new(5, 1),
            ("TD", "N") => D::ZERO,
            ("TD", "L") => D::new(25, 2),
            ("TD", "M") => D::new(75, 2),
            ("CR" | "IR" | "AR", "L") => D::new(5, 1),
            ("CR" | "IR" | "AR", "H") => D::new(151, 2),
            // E:H, RL:U, RC:C, TD:H, CR/IR/AR:M and every Not Defined.
            _ => D::ONE,
        }
    }

    /// Impact = 10.41 x (1 - (1 - ConfImpact) x (1 - IntegImpact) x (1 - AvailImpact))
    fn impact(&self) -> D {
        D::new(1041, 2)
            * (D::ONE - (D::ONE - self.w("C")) * (D::ONE - self.w("I")) * (D::ONE - self.w("A")))
    }

    /// AdjustedImpact = min(10, 10.41 x (1 - (1 - ConfImpact x ConfReq) x ...))
    fn adjusted_impact(&self) -> D {
        let term = |impact: &str, req: &str| D::ONE - self.w(impact) * self.w(req);
        let adjusted =
            D::new(1041, 2) * (D::ONE - term("C", "CR") * term("I", "IR") * term("A", "AR"));
        adjusted.min(D::TEN)
    }

    /// BaseScore = round_to_1_decimal(((0.6 x Impact) + (0.4 x Exploitability) - 1.5) x f(Impact)),
    /// Exploitability = 20 x AccessVector x AccessComplexity x Authentication,
    /// f(Impact) = 0 if Impact = 0, 1.176 otherwise.
    fn base_equation(&self, impact: D) -> D {
        let exploitability = D::new(20, 0) * self.w("AV") * self.w("AC") * self.w("Au");
        let f = if impact == D::ZERO {
            D::ZERO
        } else {
            D::new(1176, 3)
        };
        ((D::new(6, 1) * impact + D::new(4, 1) * exploitability - D::new(15, 1)) * f)
            .round_half_up_1()
    }

    fn temporal_equation(&self, base: D) -> D {
        (base * self.w("E") * self.w("RL") * self.w("RC")).round_half_up_1()
    }

    fn base(&self) -> D {
        self.base_equation(self.impact()).max(D::ZERO)
    }

    /// The base score.
    pub fn base_score(&self) -> f64 {
        self.base().to_f64_1()
    }

    /// The temporal score: `None` when the vector defines no temporal
    /// metric (all omitted or `ND`), as the reference implementation does.
    pub fn temporal_score(&self) -> Option<f64> {
        if !self.metrics.any_defined(&TEMPORAL, "ND") {
            return None;
        }
        Some(self.temporal_equation(self.base()).max(D::ZERO).to_f64_1())
    }

    /// The environmental score: `None` when the vector defines no
    /// environmental metric.
    ///
    /// EnvironmentalScore = round_to_1_decimal((AdjustedTemporal + (10 - AdjustedTemporal)
    /// x CollateralDamagePotential) x TargetDistribution), where AdjustedTemporal is the
    /// temporal score recomputed with Impact replaced by AdjustedImpact.
    pub fn environmental_score(&self) -> Option<f64> {
        if !self.metrics.any_defined(&ENVIRONMENTAL, "ND") {
            return None;
        }
        let adjusted_temporal = self.temporal_equation(self.base_equation(self.adjusted_impact()));
        let env = ((adjusted_temporal + (D::TEN - adjusted_temporal) * self.w("CDP"))
            * self.w("TD"))
        .round_half_up_1();
        Some(env.max(D::ZERO).to_f64_1())
    }
}

impl core::str::FromStr for V2Vector {
    type Err = CvssError;
    fn from_str(s: &str) -> Result<Self, CvssError> {
        Self::parse(s)
    }
}

impl core::fmt::Display for V2Vector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.metrics.body())
    }
}
