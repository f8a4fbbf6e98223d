//! vers ranges (package-url/vers-spec): `vers:<type>/<constraint>|...`.
//!
//! [`VersRange::parse`] reads a range leniently (spaces removed, any
//! order) and keeps it canonical: constraints sorted by the type's version
//! order, versions percent-decoded. [`VersRange::parse_canonical`] accepts
//! only the canonical string itself. [`fmt::Display`] writes the canonical
//! form. [`VersRange::contains`] is the spec's containment algorithm, and
//! [`from_native`] converts a native range notation (npm, PyPI, RubyGems,
//! NuGet, Conan, nginx, OpenSSL) to a vers range.

use crate::{Ecosystem, Version};
use std::cmp::Ordering;
use std::fmt;

mod native;
pub use native::from_native;

/// A malformed vers string, or one that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("vers {input:?}: {reason}")]
pub struct VersError {
    /// The input, as given.
    pub input: String,
    /// What was wrong.
    pub reason: String,
}

/// A constraint comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// A bare version: equal to it.
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `*`: any version; stands alone.
    Any,
}

impl Comparator {
    /// The comparator as written in a canonical vers (`""` for equality).
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Eq => "",
            Comparator::Ne => "!=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
            Comparator::Any => "*",
        }
    }
}

/// One constraint: a comparator and a (decoded) version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Constraint {
    /// How the version bounds the range.
    pub comparator: Comparator,
    /// The version, percent-decoded; empty for [`Comparator::Any`].
    pub version: String,
}

impl Constraint {
    /// A constraint from its parts.
    pub fn new(comparator: Comparator, version: impl Into<String>) -> Constraint {
        Constraint {
            comparator,
            version: version.into(),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.comparator.as_str())?;
        f.write_str(&encode(&self.version))
    }
}

/// A parsed vers range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersRange {
    vers_type: String,
    constraints: Vec<Constraint>,
}

/// Characters the spec requires to be percent-encoded in a version.
fn must_encode(c: char) -> bool {
    matches!(c, '>' | '<' | '=' | '!' | '*' | '|' | '%' | ' ')
        || !c.is_ascii()
        || c.is_ascii_control()
}

fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if must_encode(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes `%XX` once. With `canonical`, lowercase hex digits and
/// encodings of characters that need none are errors.
fn decode(v: &str, canonical: bool) -> Result<String, String> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
            let Some(hex) = hex else {
                return Err("invalid percent-encoding in version".into());
            };
            if canonical && hex.iter().any(u8::is_ascii_lowercase) {
                return Err("percent-encoding in version is not canonical (lowercase hex)".into());
            }
            let s = std::str::from_utf8(hex).unwrap_or("00");
            let byte = u8::from_str_radix(s, 16).map_err(|e| e.to_string())?;
            if canonical && byte.is_ascii() && !must_encode(char::from(byte)) {
                return Err(format!(
                    "percent-encoding of {:?} in version is not canonical (it needs none)",
                    char::from(byte)
                ));
            }
            out.push(byte);
            i += 3;
        } else {
            if canonical && must_encode(char::from(c)) && c != b'%' {
                return Err(format!(
                    "{:?} in version must be percent-encoded",
                    char::from(c)
                ));
            }
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-decoded version is not UTF-8".to_string())
}

fn parse_constraint(seg: &str, canonical: bool) -> Result<Constraint, String> {
    if seg == "*" {
        return Ok(Constraint::new(Comparator::Any, ""));
    }
    let (comparator, rest) = [
        (">=", Comparator::Ge),
        ("<=", Comparator::Le),
        ("!=", Comparator::Ne),
        ("<", Comparator::Lt),
        (">", Comparator::Gt),
        ("=", Comparator::Eq),
    ]
    .iter()
    .find_map(|(p, c)| seg.strip_prefix(p).map(|r| (*c, r)))
    .unwrap_or((Comparator::Eq, seg));
    if canonical && seg.starts_with('=') {
        return Err(format!(
            "constraint {seg:?} starts with '=' (write the bare version)"
        ));
    }
    if rest.is_empty() {
        return Err(format!("constraint {seg:?} has no version"));
    }
    Ok(Constraint::new(comparator, decode(rest, canonical)?))
}

impl VersRange {
    /// A range of `ecosystem`'s type from constraints, sorted canonically.
    pub fn new(ecosystem: Ecosystem, constraints: Vec<Constraint>) -> Result<VersRange, VersError> {
        let mut r = VersRange {
            vers_type: ecosystem.vers_type().to_string(),
            constraints,
        };
        r.sort().map_err(|reason| VersError {
            input: r.to_string(),
            reason,
        })?;
        Ok(r)
    }

    /// Parses leniently: ASCII whitespace is removed, type and scheme are
    /// case-insensitive, empty segments are skipped, and the constraints
    /// are sorted into canonical order.
    pub fn parse(input: &str) -> Result<VersRange, VersError> {
        let cleaned: String = input.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        Self::parse_inner(input, &cleaned, false)
    }

    /// Parses a canonical vers string only: no whitespace, no empty
    /// segments, constraints in version order, canonical percent-encoding.
    pub fn parse_canonical(input: &str) -> Result<VersRange, VersError> {
        Self::parse_inner(input, input, true)
    }

    fn parse_inner(input: &str, s: &str, canonical: bool) -> Result<VersRange, VersError> {
        let err = |reason: String| VersError {
            input: input.to_string(),
            reason,
        };
        if canonical {
            if let Some(c) = s.chars().find(|c| c.is_ascii_whitespace()) {
                return Err(err(format!("whitespace {c:?} is not permitted")));
            }
        }
        let (scheme, rest) = s
            .split_once(':')
            .ok_or_else(|| err("missing the 'vers:' scheme".into()))?;
        let scheme_ok = if canonical {
            scheme == "vers"
        } else {
            scheme.eq_ignore_ascii_case("vers")
        };
        if !scheme_ok {
            return Err(err(format!("scheme {scheme:?} is not 'vers'")));
        }
        let (vers_type, constraints) = rest
            .split_once('/')
            .ok_or_else(|| err("missing '/' after the type".into()))?;
        let type_ok = vers_type.starts_with(|c: char| c.is_ascii_alphabetic())
            && vers_type
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !type_ok {
            return Err(err(format!(
                "type {vers_type:?} must be ASCII letters, digits, '.' or '-', starting with a letter"
            )));
        }
        if canonical && vers_type.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(err(format!("type {vers_type:?} is not lowercase")));
        }
        if vers_type.eq_ignore_ascii_case("invalid") {
            return Err(err("the 'invalid' type is always invalid".into()));
        }
        let vers_type = vers_type.to_ascii_lowercase();
        if constraints.is_empty() {
            return Err(err("no constraints".into()));
        }
        let mut list = Vec::new();
        for seg in constraints.split('|') {
            if seg.is_empty() {
                if canonical {
                    return Err(err(
                        "empty constraint (leading, trailing or consecutive pipes)".into(),
                    ));
                }
                continue;
            }
            list.push(parse_constraint(seg, canonical).map_err(&err)?);
        }
        if list.is_empty() {
            return Err(err("no constraints".into()));
        }
        if list.iter().any(|c| c.comparator == Comparator::Any) && list.len() > 1 {
            return Err(err("'*' must stand alone".into()));
        }
        let eco = Ecosystem::from_vers_type(&vers_type);
        if canonical && eco == Some(Ecosystem::Datetime) {
            for c in &list {
                if c.version.contains(['t', 'z']) {
                    return Err(err(format!(
                        "datetime {:?} must use uppercase T and Z",
                        c.version
                    )));
                }
            }
        }
        let mut range = VersRange {
            vers_type,
            constraints: list,
        };
        if canonical {
            let mut sorted = range.clone();
            sorted.sort().map_err(&err)?;
            if sorted.constraints != range.constraints {
                return Err(err("constraints are not sorted by version".into()));
            }
        } else if eco.is_some() {
            range.sort().map_err(&err)?;
        }
        Ok(range)
    }

    /// Sorts constraints by version (stable), when the type has an order.
    fn sort(&mut self) -> Result<(), String> {
        let Some(eco) = Ecosystem::from_vers_type(&self.vers_type) else {
            return Ok(());
        };
        // One constraint is sorted whatever its version says; whether the
        // version is valid for the type is for evaluation to find out.
        if self.constraints.len() < 2 {
            return Ok(());
        }
        let mut keyed = Vec::with_capacity(self.constraints.len());
        for c in self.constraints.drain(..) {
            let v = if c.comparator == Comparator::Any {
                None
            } else {
                Some(Version::parse(eco, &c.version).map_err(|e| e.to_string())?)
            };
            keyed.push((v, c));
        }
        // Insertion sort: stable and needs no total order (alpm and rpm
        // releases compare equal only pairwise).
        for i in 1..keyed.len() {
            let mut j = i;
            while j > 0 {
                let o = match (keyed.get(j - 1), keyed.get(j)) {
                    (Some((Some(a), ca)), Some((Some(b), cb))) => a
                        .cmp(b)
                        .then_with(|| tie_rank(ca.comparator).cmp(&tie_rank(cb.comparator))),
                    _ => Ordering::Equal,
                };
                if o != Ordering::Greater {
                    break;
                }
                keyed.swap(j - 1, j);
                j -= 1;
            }
        }
        self.constraints = keyed.into_iter().map(|(_, c)| c).collect();
        Ok(())
    }

    /// The vers type (`npm`, `pypi`, ...), lowercase.
    pub fn vers_type(&self) -> &str {
        &self.vers_type
    }

    /// The ecosystem whose order the type uses, when known.
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        Ecosystem::from_vers_type(&self.vers_type)
    }

    /// The constraints, in canonical order.
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// The spec's containment algorithm: equality and `!=` constraints
    /// first, then the remaining bounds taken as alternating intervals.
    pub fn contains(&self, version: &str) -> Result<bool, VersError> {
        let err = |reason: String| VersError {
            input: self.to_string(),
            reason,
        };
        let eco = self.ecosystem().ok_or_else(|| {
            err(format!(
                "no version order known for type {:?}",
                self.vers_type
            ))
        })?;
        if self
            .constraints
            .iter()
            .any(|c| c.comparator == Comparator::Any)
        {
            return Ok(true);
        }
        let v = Version::parse(eco, version).map_err(|e| err(e.to_string()))?;
        let mut bounds = Vec::new();
        for c in &self.constraints {
            let cv = Version::parse(eco, &c.version).map_err(|e| err(e.to_string()))?;
            match c.comparator {
                Comparator::Eq if v == cv => return Ok(true),
                Comparator::Ne if v == cv => return Ok(false),
                Comparator::Eq | Comparator::Ne | Comparator::Any => {}
                _ => bounds.push((c.comparator, cv)),
            }
        }
        let satisfies = |cmp: Comparator, bound: &Version| match cmp {
            Comparator::Lt => v < *bound,
            Comparator::Le => v <= *bound,
            Comparator::Gt => v > *bound,
            Comparator::Ge => v >= *bound,
            _ => false,
        };
        let is_lower = |c: Comparator| matches!(c, Comparator::Gt | Comparator::Ge);
        let is_upper = |c: Comparator| matches!(c, Comparator::Lt | Comparator::Le);
        let n = bounds.len();
        for (i, (cmp, bound)) in bounds.iter().enumerate() {
            if i == 0 && is_upper(*cmp) && satisfies(*cmp, bound) {
                return Ok(true);
            }
            if i + 1 == n && is_lower(*cmp) && satisfies(*cmp, bound) {
                return Ok(true);
            }
            if let Some((next_cmp, next)) = bounds.get(i + 1) {
                if is_lower(*cmp)
                    && is_upper(*next_cmp)
                    && satisfies(*cmp, bound)
                    && satisfies(*next_cmp, next)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Checks the spec's validation rules (section 5.4) beyond syntax:
    /// unique versions and comparators that alternate properly.
    pub fn validate_sequence(&self) -> Result<(), VersError> {
        let err = |reason: String| VersError {
            input: self.to_string(),
            reason,
        };
        if let Some(eco) = self.ecosystem() {
            for pair in self.constraints.windows(2) {
                if let [a, b] = pair {
                    if a.comparator != Comparator::Any
                        && crate::compare(eco, &a.version, &b.version)
                            .map_err(|e| err(e.to_string()))?
                            == Ordering::Equal
                    {
                        return Err(err(format!(
                            "version {:?} occurs more than once",
                            b.version
                        )));
                    }
                }
            }
        }
        let rest: Vec<Comparator> = self
            .constraints
            .iter()
            .map(|c| c.comparator)
            .filter(|c| *c != Comparator::Ne)
            .collect();
        for pair in rest.windows(2) {
            if let [a, b] = pair {
                let ok = match a {
                    Comparator::Eq => matches!(b, Comparator::Eq | Comparator::Gt | Comparator::Ge),
                    _ => true,
                };
                if !ok {
                    return Err(err(format!(
                        "'{}' cannot follow an equality constraint",
                        b.as_str()
                    )));
                }
            }
        }
        let bounds: Vec<Comparator> = rest.into_iter().filter(|c| *c != Comparator::Eq).collect();
        for pair in bounds.windows(2) {
            if let [a, b] = pair {
                let lower = |c: &Comparator| matches!(c, Comparator::Gt | Comparator::Ge);
                if lower(a) == lower(b) {
                    return Err(err(format!(
                        "'{}' followed by '{}': bounds must alternate",
                        a.as_str(),
                        b.as_str()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Order of comparators on the same version: an interval that ends below
/// it comes before one that starts at or above it.
fn tie_rank(c: Comparator) -> u8 {
    match c {
        Comparator::Lt => 0,
        Comparator::Le => 1,
        Comparator::Eq | Comparator::Any => 2,
        Comparator::Ne => 3,
        Comparator::Ge => 4,
        Comparator::Gt => 5,
    }
}

impl fmt::Display for VersRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vers:{}/", self.vers_type)?;
        for (i, c) in self.constraints.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}
