//! CVSS v4.0, as the FIRST specification document defines it.
//!
//! Vector form (section 7, "Vector String", Table 23): `CVSS:4.0/`, all
//! eleven base metrics, then any threat, environmental and supplemental
//! metrics, each at most once and in the order of Table 23 (FIRST's
//! `cvss-v4.0.json` schema encodes the same fixed order), so order is
//! checked here.
//!
//! Scoring (section 8, "CVSS v4.0 Scoring"): the vector's MacroVector (the
//! six equivalence classes EQ1..EQ6) is looked up in the specification's
//! table, then the score is interpolated toward the next lower MacroVectors
//! by the vector's severity distance from the MacroVector's highest-severity
//! vectors. This follows FIRST's reference calculator (`cvss40.js`)
//! operation for operation, in `f64` as it does, so that ties round the same
//! way.

use crate::metrics::{def, MetricDef, Metrics};
use crate::v4_lookup::MACRO_VECTOR_SCORES;
use crate::{CvssError, Version};
use rust_decimal::{Decimal, RoundingStrategy};

/// Table 23, in its order.
static METRICS: [MetricDef; 32] = [
    def("AV", &["N", "A", "L", "P"], true),
    def("AC", &["L", "H"], true),
    def("AT", &["N", "P"], true),
    def("PR", &["N", "L", "H"], true),
    def("UI", &["N", "P", "A"], true),
    def("VC", &["H", "L", "N"], true),
    def("VI", &["H", "L", "N"], true),
    def("VA", &["H", "L", "N"], true),
    def("SC", &["H", "L", "N"], true),
    def("SI", &["H", "L", "N"], true),
    def("SA", &["H", "L", "N"], true),
    def("E", &["X", "A", "P", "U"], false),
    def("CR", &["X", "H", "M", "L"], false),
    def("IR", &["X", "H", "M", "L"], false),
    def("AR", &["X", "H", "M", "L"], false),
    def("MAV", &["X", "N", "A", "L", "P"], false),
    def("MAC", &["X", "L", "H"], false),
    def("MAT", &["X", "N", "P"], false),
    def("MPR", &["X", "N", "L", "H"], false),
    def("MUI", &["X", "N", "P", "A"], false),
    def("MVC", &["X", "H", "L", "N"], false),
    def("MVI", &["X", "H", "L", "N"], false),
    def("MVA", &["X", "H", "L", "N"], false),
    def("MSC", &["X", "H", "L", "N"], false),
    def("MSI", &["X", "S", "H", "L", "N"], false),
    def("MSA", &["X", "S", "H", "L", "N"], false),
    def("S", &["X", "N", "P"], false),
    def("AU", &["X", "N", "Y"], false),
    def("R", &["X", "A", "U", "I"], false),
    def("V", &["X", "D", "C"], false),
    def("RE", &["X", "L", "M", "H"], false),
    def("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

const ENVIRONMENTAL: [&str; 14] = [
    "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA",
];

/// The nomenclature of a v4.0 score (section 1.3): which metric groups
/// contributed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Nomenclature {
    /// Base metrics only.
    #[serde(rename = "CVSS-B")]
    CvssB,
    /// Base and threat metrics.
    #[serde(rename = "CVSS-BT")]
    CvssBT,
    /// Base and environmental metrics.
    #[serde(rename = "CVSS-BE")]
    CvssBE,
    /// Base, threat and environmental metrics.
    #[serde(rename = "CVSS-BTE")]
    CvssBTE,
}

impl core::fmt::Display for Nomenclature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::CvssB => "CVSS-B",
            Self::CvssBT => "CVSS-BT",
            Self::CvssBE => "CVSS-BE",
            Self::CvssBTE => "CVSS-BTE",
        })
    }
}

/// Which metric groups a score takes into account.
#[derive(Clone, Copy)]
struct Groups {
    threat: bool,
    environmental: bool,
}

/// A parsed CVSS v4.0 vector.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct V4Vector {
    metrics: Metrics,
}

impl V4Vector {
    /// Parses a `CVSS:4.0/...` vector.
    pub fn parse(s: &str) -> Result<Self, CvssError> {
        match crate::parse(s)? {
            crate::Cvss::V4(v) => Ok(v),
            other => Err(CvssError::WrongVersion {
                expected: "4.0",
                found: other.version(),
            }),
        }
    }

    /// Parses the part after the `CVSS:4.0/` prefix.
    pub(crate) fn parse_body(body: &str) -> Result<Self, CvssError> {
        Ok(Self {
            metrics: Metrics::parse(body, &METRICS, Version::V4_0, true)?,
        })
    }

    /// The value of metric `key` as written (`"X"` included), or `None`.
    pub fn metric(&self, key: &str) -> Option<&'static str> {
        self.metrics.get(key)
    }

    /// The metrics present, in the order of Table 23.
    pub fn metrics(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.metrics.iter()
    }

    /// Whether the threat metric E is present with a value other than X.
    pub fn has_threat(&self) -> bool {
        self.metrics.any_defined(&["E"], "X")
    }

    /// Whether any environmental metric is present with a value other than X.
    pub fn has_environmental(&self) -> bool {
        self.metrics.any_defined(&ENVIRONMENTAL, "X")
    }

    /// The nomenclature of [`Self::score`].
    pub fn nomenclature(&self) -> Nomenclature {
        match (self.has_threat(), self.has_environmental()) {
            (false, false) => Nomenclature::CvssB,
            (true, false) => Nomenclature::CvssBT,
            (false, true) => Nomenclature::CvssBE,
            (true, true) => Nomenclature::CvssBTE,
        }
    }

    /// The score of the whole vector, labelled by [`Self::nomenclature`].
    /// Supplemental metrics never change it.
    pub fn score(&self) -> f64 {
        self.score_of(Groups {
            threat: true,
            environmental: true,
        })
    }

    /// CVSS-B: the score of the base metrics alone.
    pub fn base_score(&self) -> f64 {
        self.score_of(Groups {
            threat: false,
            environmental: false,
        })
    }

    /// CVSS-BT: base and threat metrics, when E is defined.
    pub fn threat_score(&self) -> Option<f64> {
        self.has_threat().then(|| {
            self.score_of(Groups {
                threat: true,
                environmental: false,
            })
        })
    }

    /// CVSS-BE or CVSS-BTE: the score with the environmental metrics (and
    /// the threat metric, when defined), when any environmental metric is
    /// defined.
    pub fn environmental_score(&self) -> Option<f64> {
        self.has_environmental().then(|| self.score())
    }

    /// The value the equations use for `key` (reference calculator `m()`):
    /// a defined Modified metric overrides its base metric; undefined E
    /// counts as Attacked and undefined CR/IR/AR as High, their worst cases.
    fn m(&self, key: &'static str, groups: Groups) -> &'static str {
        let defined = |k: &str| self.metrics.get(k).filter(|v| *v != "X");
        match key {
            "E" => groups.threat.then(|| defined("E")).flatten().unwrap_or("A"),
            "CR" | "IR" | "AR" => groups
                .environmental
                .then(|| defined(key))
                .flatten()
                .unwrap_or("H"),
            _ => groups
                .environmental
                .then(|| modified_key(key).and_then(defined))
                .flatten()
                .or_else(|| self.metrics.get(key))
                .unwrap_or(""),
        }
    }

    /// The six EQ levels of section 8.2 (Tables 24-29).
    fn macro_vector(&self, g: Groups) -> [u8; 6] {
        let m = |k| self.m(k, g);
        let (av, pr, ui) = (m("AV"), m("PR"), m("UI"));
        let eq1 = if av == "N" && pr == "N" && ui == "N" {
            0
        } else if av != "P" && (av == "N" || pr == "N" || ui == "N") {
            1
        } else {
            2
        };
        let eq2 = if m("AC") == "L" && m("AT") == "N" {
            0
        } else {
            1
        };
        let (vc, vi, va) = (m("VC"), m("VI"), m("VA"));
        let eq3 = if vc == "H" && vi == "H" {
            0
        } else if vc == "H" || vi == "H" || va == "H" {
            1
        } else {
            2
        };
        let (sc, si, sa) = (m("SC"), m("SI"), m("SA"));
        let eq4 = if si == "S" || sa == "S" {
            0
        } else if sc == "H" || si == "H" || sa == "H" {
            1
        } else {
            2
        };
        let eq5 = match m("E") {
            "P" => 1,
            "U" => 2,
            _ => 0,
        };
        let eq6 = if (m("CR") == "H" && vc == "H")
            || (m("IR") == "H" && vi == "H")
            || (m("AR") == "H" && va == "H")
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    fn score_of(&self, g: Groups) -> f64 {
        let m = |k| self.m(k, g);
        // No impact on any system: the score is 0 whatever the MacroVector.
        if ["VC", "VI", "VA", "SC", "SI", "SA"]
            .iter()
            .all(|k| m(k) == "N")
        {
            return 0.0;
        }
        let eq = self.macro_vector(g);
        let [eq1, eq2, eq3, eq4, _, eq6] = eq;
        let Some(value) = lookup(eq) else {
            // Every reachable MacroVector is in the table; unreachable.
            return 0.0;
        };

        let next = |i: usize| {
            let mut lower = eq;
            if let Some(level) = lower.get_mut(i) {
                *level = level.saturating_add(1);
            }
            lookup(lower)
        };
        let lower_eq1 = next(0);
        let lower_eq2 = next(1);
        // EQ3 and EQ6 are scored jointly; their next lower MacroVector
        // depends on both (reference calculator, "eq3eq6_next_lower_macro").
        let lower_eq3eq6 = match (eq3, eq6) {
            (0, 1) | (1, 1) => next(2),
            (1, 0) => next(5),
            (0, 0) => {
                let left = next(5);
                let right = next(2);
                // The higher of the two, as the reference calculator takes it
                // (both always exist).
                match (left, right) {
                    (Some(l), Some(r)) => Some(if r > l { r } else { l }),
                    (l, None) => l,
                    (None, Some(_)) => None,
                }
            }
            _ => {
                let mut lower = eq;
                lower[2] = lower[2].saturating_add(1);
                lower[5] = lower[5].saturating_add(1);
                lookup(lower)
            }
        };
        let lower_eq4 = next(3);
        let lower_eq5 = next(4);

        // The vector's own levels, once: the search compares them with each
        // candidate.
        let own = METRIC_ORDER.map(|k| level(k, m(k)));
        // The vector's distance from the first highest-severity vector of
        // its MacroVector that it does not exceed in any metric (the last
        // candidate when there is none, as in the reference calculator).
        let mut dist = [0.0f64; 14];
        'search: for &(av, pr, ui) in max_eq1(eq1) {
            for &(ac, at) in max_eq2(eq2) {
                for &(mvc, mvi, mva, cr, ir, ar) in max_eq3eq6(eq3, eq6) {
                    for &(msc, msi, msa) in max_eq4(eq4) {
                        // EQ5 has one highest-severity value per level and
                        // no distance of its own.
                        let max = [av, pr, ui, ac, at, mvc, mvi, mva, msc, msi, msa, cr, ir, ar];
                        for ((d, (k, own)), max) in
                            dist.iter_mut().zip(METRIC_ORDER.iter().zip(own)).zip(max)
                        {
                            *d = own - level(k, max);
                        }
                        if dist.iter().all(|d| *d >= 0.0) {
                            break 'search;
                        }
                    }
                }
            }
        }
        let [d_av, d_pr, d_ui, d_ac, d_at, d_vc, d_vi, d_va, d_sc, d_si, d_sa, d_cr, d_ir, d_ar] =
            dist;
        let current_eq1 = d_av + d_pr + d_ui;
        let current_eq2 = d_ac + d_at;
        let current_eq3eq6 = d_vc + d_vi + d_va + d_cr + d_ir + d_ar;
        let current_eq4 = d_sc + d_si + d_sa;

        let step = 0.1;
        let max_eq1 = f64::from(max_severity_eq1(eq1)) * step;
        let max_eq2 = f64::from(max_severity_eq2(eq2)) * step;
        let max_eq3eq6 = f64::from(max_severity_eq3eq6(eq3, eq6)) * step;
        let max_eq4 = f64::from(max_severity_eq4(eq4)) * step;

        let mut n_existing_lower = 0u32;
        let mut normalized = |lower: Option<f64>, current: f64, max: f64| -> f64 {
            match lower.map(|l| value - l) {
                Some(available) if available >= 0.0 => {
                    n_existing_lower += 1;
                    available * (current / max)
                }
                _ => 0.0,
            }
        };
        let n_eq1 = normalized(lower_eq1, current_eq1, max_eq1);
        let n_eq2 = normalized(lower_eq2, current_eq2, max_eq2);
        let n_eq3eq6 = normalized(lower_eq3eq6, current_eq3eq6, max_eq3eq6);
        let n_eq4 = normalized(lower_eq4, current_eq4, max_eq4);
        // EQ5's proportion is always 0: it only counts toward the mean.
        let n_eq5 = normalized(lower_eq5, 0.0, 1.0);

        let mean_distance = if n_existing_lower == 0 {
            0.0
        } else {
            (n_eq1 + n_eq2 + n_eq3eq6 + n_eq4 + n_eq5) / f64::from(n_existing_lower)
        };
        round_1((value - mean_distance).clamp(0.0, 10.0))
    }
}

impl core::str::FromStr for V4Vector {
    type Err = CvssError;
    fn from_str(s: &str) -> Result<Self, CvssError> {
        Self::parse(s)
    }
}

impl core::fmt::Display for V4Vector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CVSS:4.0/{}", self.metrics.body())
    }
}

/// The metrics whose severity distances the score interpolates by, in the
/// order the distances are summed.
const METRIC_ORDER: [&str; 14] = [
    "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR",
];

/// The Modified metric that overrides base metric `key`.
fn modified_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "AV" => "MAV",
        "AC" => "MAC",
        "AT" => "MAT",
        "PR" => "MPR",
        "UI" => "MUI",
        "VC" => "MVC",
        "VI" => "MVI",
        "VA" => "MVA",
        "SC" => "MSC",
        "SI" => "MSI",
        "SA" => "MSA",
        _ => return None,
    })
}

/// The MacroVector's score from the specification's table.
fn lookup(eq: [u8; 6]) -> Option<f64> {
    if eq.iter().any(|d| *d > 9) {
        return None;
    }
    let key = eq.iter().fold(0u32, |acc, d| acc * 10 + u32::from(*d));
    MACRO_VECTOR_SCORES
        .binary_search_by_key(&key, |(k, _)| *k)
        .ok()
        .and_then(|i| MACRO_VECTOR_SCORES.get(i))
        .map(|(_, score)| *score)
}

/// Severity level of a metric value within its EQ (reference calculator
/// `AV_levels` etc.): 0.1 per step away from the most severe value.
fn level(key: &str, value: &str) -> f64 {
    match (key, value) {
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 0.1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 0.2,
        ("AV", "P") => 0.3,
        ("VC" | "VI" | "VA", "L") => 0.1,
        ("VC" | "VI" | "VA", "N") => 0.2,
        ("SC" | "SI" | "SA", "H") => 0.1,
        ("SC" | "SI" | "SA", "L") => 0.2,
        ("SC" | "SI" | "SA", "N") => 0.3,
        ("CR" | "IR" | "AR", "M") => 0.1,
        ("CR" | "IR" | "AR", "L") => 0.2,
        _ => 0.0,
    }
}

/// Highest-severity vectors of each EQ level (reference calculator
/// `max_composed`), as the values of the metrics that EQ covers.
fn max_eq1(eq1: u8) -> &'static [(&'static str, &'static str, &'static str)] {
    // (AV, PR, UI)
    match eq1 {
        0 => &[("N", "N", "N")],
        1 => &[("A", "N", "N"), ("N", "L", "N"), ("N", "N", "P")],
        2 => &[("P", "N", "N"), ("A", "L", "P")],
        _ => &[],
    }
}

fn max_eq2(eq2: u8) -> &'static [(&'static str, &'static str)] {
    // (AC, AT)
    match eq2 {
        0 => &[("L", "N")],
        1 => &[("H", "N"), ("L", "P")],
        _ => &[],
    }
}

type Eq3Eq6Max = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn max_eq3eq6(eq3: u8, eq6: u8) -> &'static [Eq3Eq6Max] {
    // (VC, VI, VA, CR, IR, AR)
    match (eq3, eq6) {
        (0, 0) => &[("H", "H", "H", "H", "H", "H")],
        (0, 1) => &[
            ("H", "H", "L", "M", "M", "H"),
            ("H", "H", "H", "M", "M", "M"),
        ],
        (1, 0) => &[
            ("L", "H", "H", "H", "H", "H"),
            ("H", "L", "H", "H", "H", "H"),
        ],
        (1, 1) => &[
            ("L", "H", "L", "H", "M", "H"),
            ("L", "H", "H", "H", "M", "M"),
            ("H", "L", "H", "M", "H", "M"),
            ("H", "L", "L", "M", "H", "H"),
            ("L", "L", "H", "H", "H", "M"),
        ],
        (2, 1) => &[("L", "L", "L", "H", "H", "H")],
        _ => &[],
    }
}

fn max_eq4(eq4: u8) -> &'static [(&'static str, &'static str, &'static str)] {
    // (SC, SI, SA)
    match eq4 {
        0 => &[("H", "S", "S")],
        1 => &[("H", "H", "H")],
        2 => &[("L", "L", "L")],
        _ => &[],
    }
}

/// Depth of each EQ level, in 0.1 steps (reference calculator
/// `maxSeverity`).
fn max_severity_eq1(eq1: u8) -> u8 {
    match eq1 {
        0 => 1,
        1 => 4,
        _ => 5,
    }
}

fn max_severity_eq2(eq2: u8) -> u8 {
    match eq2 {
        0 => 1,
        _ => 2,
    }
}

fn max_severity_eq3eq6(eq3: u8, eq6: u8) -> u8 {
    match (eq3, eq6) {
        (0, 0) => 7,
        (0, _) => 6,
        (1, _) => 8,
        _ => 10,
    }
}

fn max_severity_eq4(eq4: u8) -> u8 {
    match eq4 {
        0 => 6,
        1 => 5,
        _ => 4,
    }
}

/// The reference calculator's final rounding: add 1e-6 (so that values such
/// as 8.6 - 7.15 = 1.4499999999999993 round as their decimal intent), then
/// round half up to one decimal place on the exact binary value.
fn round_1(x: f64) -> f64 {
    let Some(d) = Decimal::from_f64_retain(x + 1e-6) else {
        return 0.0;
    };
    let r = d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    r.mantissa() as f64 / 10f64.powi(r.scale().min(28) as i32) + 0.0
}
