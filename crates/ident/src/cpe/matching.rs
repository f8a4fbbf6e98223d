//! CPE name matching (NISTIR 7696). Nothing here allocates: the matcher
//! compares millions of pairs.

use super::value::{AvString, Value};
use super::{Attribute, Wfn};

/// The relation of a source attribute value to a target attribute value
/// (NISTIR 7696 Table 6-1 and 6-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The source is a superset of the target (⊃).
    Superset,
    /// The source is a subset of the target (⊂).
    Subset,
    /// Source and target are equal (=).
    Equal,
    /// Source and target are disjoint (≠).
    Disjoint,
    /// The target holds wildcards, for which the specification defines no
    /// result (Table 6-2 lines 4, 8, 11, 17).
    Undefined,
}

/// The relation of a source name to a target name (NISTIR 7696 Table 6-4).
/// SUBSET and SUPERSET are non-proper; names whose attribute relations fit
/// none of the four required relations are [`NameRelation::Incomparable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRelation {
    /// Some attribute relation is DISJOINT (CPE_DISJOINT).
    Disjoint,
    /// Every attribute relation is EQUAL (CPE_EQUAL).
    Equal,
    /// Every attribute relation is SUBSET or EQUAL, and one is SUBSET.
    Subset,
    /// Every attribute relation is SUPERSET or EQUAL, and one is SUPERSET.
    Superset,
    /// A mix of SUBSET and SUPERSET, or an UNDEFINED without a DISJOINT.
    Incomparable,
}

/// `compare(source, target)` (NISTIR 7696 7.3): one attribute value
/// against another, ignoring the case of letters.
#[inline]
pub fn compare_values(source: &Value, target: &Value) -> Relation {
    match (source, target) {
        (_, Value::Str(t)) if t.has_wildcards() => Relation::Undefined,
        (Value::Any, Value::Any) | (Value::Na, Value::Na) => Relation::Equal,
        (Value::Str(s), Value::Str(t))
            if !s.has_wildcards() && s.body().eq_ignore_ascii_case(t.body()) =>
        {
            Relation::Equal
        }
        (Value::Any, _) => Relation::Superset,
        (_, Value::Any) => Relation::Subset,
        (Value::Na, _) | (_, Value::Na) => Relation::Disjoint,
        (Value::Str(s), Value::Str(t)) => compare_strings(s, t),
    }
}

/// `compareStrings(source, target)` (NISTIR 7696 7.3) for a wildcard-free
/// target: SUPERSET when the source, read as a pattern, matches the target,
/// else DISJOINT. A leading or trailing `*` stands for any number of
/// characters and each `?` for zero or one (NISTIR 7696 6.3).
///
/// This counts characters, not bytes of the quoted form: the printed
/// pseudocode subtracts the target's escape characters but not the
/// source's, so it lets `a\!b?` match `a\!bcd` (two characters for one
/// `?`). Counting characters gives the result section 6.3 defines.
#[inline]
pub fn compare_strings(source: &AvString, target: &AvString) -> Relation {
    let body = source.body().as_bytes();
    let text = target.body().as_bytes();
    let (m, n) = (body.len(), text.len());
    if m > n {
        return Relation::Disjoint;
    }
    for i in 0..=(n - m) {
        if !source.prefix().admits(i) {
            break;
        }
        if source.suffix().admits(n - i - m)
            && text
                .get(i..i + m)
                .is_some_and(|t| t.eq_ignore_ascii_case(body))
        {
            return Relation::Superset;
        }
    }
    Relation::Disjoint
}

impl Wfn {
    /// `Compare_WFNs(self, target)` (NISTIR 7696 7.2): the relation of each
    /// attribute, in the order of [`Attribute::ALL`].
    pub fn compare(&self, target: &Wfn) -> [Relation; 11] {
        let mut out = [Relation::Equal; 11];
        for ((slot, s), t) in out.iter_mut().zip(self.values()).zip(target.values()) {
            *slot = compare_values(s, t);
        }
        out
    }

    /// The relation of one attribute of this (source) name to the target's.
    pub fn compare_attribute(&self, target: &Wfn, attribute: Attribute) -> Relation {
        compare_values(self.get(attribute), target.get(attribute))
    }

    /// The overall relation of this (source) name to `target`
    /// (NISTIR 7696 Table 6-4).
    pub fn relation(&self, target: &Wfn) -> NameRelation {
        let (mut sub, mut sup, mut undefined) = (false, false, false);
        for (s, t) in self.values().iter().zip(target.values()) {
            match compare_values(s, t) {
                Relation::Disjoint => return NameRelation::Disjoint,
                Relation::Subset => sub = true,
                Relation::Superset => sup = true,
                Relation::Undefined => undefined = true,
                Relation::Equal => {}
            }
        }
        match (undefined, sub, sup) {
            (true, _, _) | (false, true, true) => NameRelation::Incomparable,
            (false, true, false) => NameRelation::Subset,
            (false, false, true) => NameRelation::Superset,
            (false, false, false) => NameRelation::Equal,
        }
    }

    /// CPE_DISJOINT (NISTIR 7696 7.2).
    pub fn is_disjoint(&self, target: &Wfn) -> bool {
        !self.all_attributes(target, |r| r != Relation::Disjoint)
    }

    /// CPE_EQUAL (NISTIR 7696 7.2).
    pub fn is_equal(&self, target: &Wfn) -> bool {
        self.all_attributes(target, |r| r == Relation::Equal)
    }

    /// CPE_SUBSET (NISTIR 7696 7.2): non-proper; true for equal names.
    pub fn is_subset(&self, target: &Wfn) -> bool {
        self.all_attributes(target, |r| matches!(r, Relation::Subset | Relation::Equal))
    }

    /// CPE_SUPERSET (NISTIR 7696 7.2): non-proper; true for equal names.
    pub fn is_superset(&self, target: &Wfn) -> bool {
        self.all_attributes(target, |r| {
            matches!(r, Relation::Superset | Relation::Equal)
        })
    }

    /// Whether `target` is one of the products this name describes: CPE_SUPERSET
    /// with this name as the source. This is how a match criterion such as
    /// NVD's `cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:*` matches a component's
    /// concrete CPE, and the CPE 2.2 matching of NISTIR 7696 Appendix B.
    #[inline]
    pub fn matches(&self, target: &Wfn) -> bool {
        self.is_superset(target)
    }

    #[inline]
    fn all_attributes(&self, target: &Wfn, ok: impl Fn(Relation) -> bool) -> bool {
        self.values()
            .iter()
            .zip(target.values())
            .all(|(s, t)| ok(compare_values(s, t)))
    }
}
