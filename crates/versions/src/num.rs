//! Unbounded non-negative decimal numbers, compared by value.
//!
//! Version schemes compare digit runs as integers with no upper bound
//! (dpkg, rpm, Go, Python). Keeping the digits, without leading zeros,
//! compares them by value without any overflow.

use std::cmp::Ordering;

/// A decimal number kept as its digits without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Num(String);

impl Num {
    /// `digits` must be ASCII digits only (callers check); empty is zero.
    pub(crate) fn new(digits: &str) -> Num {
        Num(digits.trim_start_matches('0').to_string())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The value as u64, or `None` when it does not fit.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        if self.0.is_empty() {
            return Some(0);
        }
        self.0.parse().ok()
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("0")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Whether `s` is non-empty and all ASCII digits.
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}
