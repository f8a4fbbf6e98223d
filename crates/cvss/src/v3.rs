//! CVSS v3.0 and v3.1, as the FIRST specification documents define them
//! (section 7 of v3.1 and section 8 of v3.0: "CVSS v3 Equations"; Table 15 /
//! Table 16: the vector string).
//!
//! Vector form: `CVSS:3.x/` then the metrics. Section 6 of both documents:
//! all base metrics must be present, temporal and environmental ones may be
//! omitted (they are then Not Defined), a metric must not appear twice, and
//! "programs reading CVSS v3 vector strings must accept metrics in any
//! order", so order is not checked; [`core::fmt::Display`] writes the
//! specification's preferred order.
//!
//! The two minor versions differ in two places, both kept here: the
//! environmental Modified Impact under a changed scope (v3.1 multiplies by
//! 0.9731 and raises to the 13th power; v3.0 raises to the 15th), and
//! Roundup (v3.0: the smallest tenth not below the exact value; v3.1:
//! Appendix A's round-to-five-places-then-up).

use crate::dec::D;
use crate::metrics::{def, MetricDef, Metrics};
use crate::{CvssError, Version};

/// Table 15 (v3.1) / Table 16 (v3.0), in the preferred order.
static METRICS: [MetricDef; 22] = [
    def("AV", &["N", "A", "L", "P"], true),
    def("AC", &["L", "H"], true),
    def("PR", &["N", "L", "H"], true),
    def("UI", &["N", "R"], true),
    def("S", &["U", "C"], true),
    def("C", &["H", "L", "N"], true),
    def("I", &["H", "L", "N"], true),
    def("A", &["H", "L", "N"], true),
    def("E", &["X", "H", "F", "P", "U"], false),
    def("RL", &["X", "U", "W", "T", "O"], false),
    def("RC", &["X", "C", "R", "U"], false),
    def("CR", &["X", "H", "M", "L"], false),
    def("IR", &["X", "H", "M", "L"], false),
    def("AR", &["X", "H", "M", "L"], false),
    def("MAV", &["X", "N", "A", "L", "P"], false),
    def("MAC", &["X", "L", "H"], false),
    def("MPR", &["X", "N", "L", "H"], false),
    def("MUI", &["X", "N", "R"], false),
    def("MS", &["X", "U", "C"], false),
    def("MC", &["X", "H", "L", "N"], false),
    def("MI", &["X", "H", "L", "N"], false),
    def("MA", &["X", "H", "L", "N"], false),
];

const TEMPORAL: [&str; 3] = ["E", "RL", "RC"];
const ENVIRONMENTAL: [&str; 11] = [
    "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
];

/// A parsed CVSS v3.0 or v3.1 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct V3Vector {
    version: Version,
    metrics: Metrics,
}

impl V3Vector {
    /// Parses a `CVSS:3.0/...` or `CVSS:3.1/...` vector.
    pub fn parse(s: &str) -> Result<Self, CvssError> {
        match crate::parse(s)? {
            crate::Cvss::V3(v) => Ok(v),
            other => Err(CvssError::WrongVersion {
                expected: "3.0/3.1",
                found: other.version(),
            }),
        }
    }

    /// Parses the part after the `CVSS:3.x/` prefix; `version` is
    /// [`Version::V3_0`] or [`Version::V3_1`].
    pub(crate) fn parse_body(body: &str, version: Version) -> Result<Self, CvssError> {
        Ok(Self {
            version,
            metrics: Metrics::parse(body, &METRICS, version, false)?,
        })
    }

    /// [`Version::V3_0`] or [`Version::V3_1`].
    pub fn version(&self) -> Version {
        self.version
    }

    /// The value of metric `key` as written (`"X"` included), or `None`.
    pub fn metric(&self, key: &str) -> Option<&'static str> {
        self.metrics.get(key)
    }

    /// The metrics present, in the specification's preferred order.
    pub fn metrics(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.metrics.iter()
    }

    /// Whether any temporal metric is present with a value other than X.
    pub(crate) fn has_temporal(&self) -> bool {
        self.metrics.any_defined(&TEMPORAL, "X")
    }

    /// Whether any environmental metric is present with a value other than X.
    pub(crate) fn has_environmental(&self) -> bool {
        self.metrics.any_defined(&ENVIRONMENTAL, "X")
    }

    fn value(&self, key: &str) -> &'static str {
        self.metrics.get(key).unwrap_or("X")
    }

    /// A Modified base metric's value: the base value when the modified one
    /// is omitted or X (section 7.3 / 8.3).
    fn modified(&self, key: &'static str, base: &'static str) -> &'static str {
        match self.value(key) {
            "X" => self.value(base),
            v => v,
        }
    }

    fn roundup(&self, x: D) -> D {
        if self.version == Version::V3_0 {
            x.ceil_1()
        } else {
            x.roundup_31()
        }
    }

    /// Weight of an exploitability or impact value (section 7.4 / 8.4).
    /// `key` is the base metric the value belongs to.
    fn weight(key: &str, value: &str, scope_changed: bool) -> D {
        match (key, value) {
            ("AV", "N") => D::new(85, 2),
            ("AV", "A") => D::new(62, 2),
            ("AV", "L") => D::new(55, 2),
            ("AV", "P") => D::new(2, 1),
            ("AC", "L") => D::new(77, 2),
            ("AC", "H") => D::new(44, 2),
            ("PR", "N") => D::new(85, 2),
            ("PR", "L") if scope_changed => D::new(68, 2),
            ("PR", "L") => D::new(62, 2),
            ("PR", "H") if scope_changed => D::new(5, 1),
            ("PR", "H") => D::new(27, 2),
            ("UI", "N") => D::new(85, 2),
            ("UI", "R") => D::new(62, 2),
            ("C" | "I" | "A", "H") => D::new(56, 2),
            ("C" | "I" | "A", "L") => D::new(22, 2),
            _ => D::ZERO,
        }
    }

    /// Weight of a temporal or security-requirement value; X counts as 1.
    fn factor(&self, key: &str) -> D {
        match (key, self.value(key)) {
            ("E", "F") => D::new(97, 2),
            ("E", "P") => D::new(94, 2),
            ("E", "U") => D::new(91, 2),
            ("RL", "W") => D::new(97, 2),
            ("RL", "T") => D::new(96, 2),
            ("RL", "O") => D::new(95, 2),
            ("RC", "R") => D::new(96, 2),
            ("RC", "U") => D::new(92, 2),
            ("CR" | "IR" | "AR", "H") => D::new(15, 1),
            ("CR" | "IR" | "AR", "L") => D::new(5, 1),
            _ => D::ONE,
        }
    }

    fn temporal_factor(&self) -> D {
        self.factor("E") * self.factor("RL") * self.factor("RC")
    }

    fn base(&self) -> D {
        let changed = self.value("S") == "C";
        let w = |k: &str| Self::weight(k, self.value(k), changed);
        // ISS = 1 - [(1 - Confidentiality) x (1 - Integrity) x (1 - Availability)]
        let iss = D::ONE - (D::ONE - w("C")) * (D::ONE - w("I")) * (D::ONE - w("A"));
        // Impact: 6.42 x ISS, or 7.52 x (ISS - 0.029) - 3.25 x (ISS - 0.02)^15 if changed.
        let impact = if changed {
            D::new(752, 2) * (iss - D::new(29, 3)) - D::new(325, 2) * (iss - D::new(2, 2)).powi(15)
        } else {
            D::new(642, 2) * iss
        };
        let exploitability = D::new(822, 2) * w("AV") * w("AC") * w("PR") * w("UI");
        if impact <= D::ZERO {
            D::ZERO
        } else if changed {
            self.roundup((D::new(108, 2) * (impact + exploitability)).min(D::TEN))
        } else {
            self.roundup((impact + exploitability).min(D::TEN))
        }
    }

    /// The base score.
    pub fn base_score(&self) -> f64 {
        self.base().to_f64_1()
    }

    /// Roundup(BaseScore x ExploitCodeMaturity x RemediationLevel x ReportConfidence).
    /// Always defined: omitted temporal metrics are Not Defined (weight 1).
    pub fn temporal_score(&self) -> f64 {
        self.roundup(self.base() * self.temporal_factor())
            .to_f64_1()
    }

    /// The environmental score. Always defined: omitted environmental
    /// metrics are Not Defined, which reproduces the temporal score.
    pub fn environmental_score(&self) -> f64 {
        let changed = self.modified("MS", "S") == "C";
        let w = |k: &'static str, base: &'static str| {
            Self::weight(base, self.modified(k, base), changed)
        };
        // MISS = min(1 - [(1 - CR x MC) x (1 - IR x MI) x (1 - AR x MA)], 0.915)
        let miss = (D::ONE
            - (D::ONE - self.factor("CR") * w("MC", "C"))
                * (D::ONE - self.factor("IR") * w("MI", "I"))
                * (D::ONE - self.factor("AR") * w("MA", "A")))
        .min(D::new(915, 3));
        let modified_impact = if !changed {
            D::new(642, 2) * miss
        } else if self.version == Version::V3_0 {
            D::new(752, 2) * (miss - D::new(29, 3))
                - D::new(325, 2) * (miss - D::new(2, 2)).powi(15)
        } else {
            D::new(752, 2) * (miss - D::new(29, 3))
                - D::new(325, 2) * (miss * D::new(9731, 4) - D::new(2, 2)).powi(13)
        };
        let modified_exploitability =
            D::new(822, 2) * w("MAV", "AV") * w("MAC", "AC") * w("MPR", "PR") * w("MUI", "UI");
        let env = if modified_impact <= D::ZERO {
            D::ZERO
        } else {
            let sum = modified_impact + modified_exploitability;
            let capped = if changed {
                (D::new(108, 2) * sum).min(D::TEN)
            } else {
                sum.min(D::TEN)
            };
            self.roundup(self.roundup(capped) * self.temporal_factor())
        };
        env.to_f64_1()
    }
}

impl core::str::FromStr for V3Vector {
    type Err = CvssError;
    fn from_str(s: &str) -> Result<Self, CvssError> {
        Self::parse(s)
    }
}

impl core::fmt::Display for V3Vector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CVSS:{}/{}", self.version, self.metrics.body())
    }
}
