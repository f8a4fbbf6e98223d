//! RubyGems `Gem::Version`: the `correct?` pattern, `-` read as `.pre.`,
//! segments of digits or letters, trailing zeros dropped from the numeric
//! and the string parts (`canonical_segments`), strings before numbers.

use crate::num::Num;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(Num),
    Str(String),
}

#[derive(Debug, Clone)]
pub(crate) struct GemKey(Vec<Seg>);

impl PartialEq for GemKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for GemKey {}

impl Ord for GemKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Seg::Num(Num::new("0"));
        let n = self.0.len().max(other.0.len());
        for i in 0..n {
            let l = self.0.get(i).unwrap_or(&zero);
            let r = other.0.get(i).unwrap_or(&zero);
            let o = match (l, r) {
                (Seg::Num(a), Seg::Num(b)) => a.cmp(b),
                (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
                (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
                (Seg::Str(a), Seg::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// `Gem::Version::ANCHORED_VERSION_PATTERN`:
/// `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`.
fn correct(v: &str) -> bool {
    let (main, pre) = match v.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (v, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !first_ok || !parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return false;
    }
    match pre {
        None => true,
        Some(p) => p
            .split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')),
    }
}

pub(crate) fn parse(s: &str) -> Result<GemKey, String> {
    let t = s.trim_matches(is_ruby_space);
    let t = if t.is_empty() { "0" } else { t };
    if !correct(t) {
        return Err("does not match Gem::Version's pattern \
             (digits, then .alnum parts, then an optional -pre.release)"
            .into());
    }
    let norm = t.replace('-', ".pre.");
    // `scan(/[0-9]+|[a-z]+/i)`.
    let mut segs = Vec::new();
    let bytes = norm.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(b'.');
        if b.is_ascii_digit() || b.is_ascii_alphabetic() {
            let digit = b.is_ascii_digit();
            let start = i;
            while bytes.get(i).is_some_and(|c| {
                if digit {
                    c.is_ascii_digit()
                } else {
                    c.is_ascii_alphabetic()
                }
            }) {
                i += 1;
            }
            let run = norm.get(start..i).unwrap_or("");
            segs.push(if digit {
                Seg::Num(Num::new(run))
            } else {
                Seg::Str(run.to_string())
            });
        } else {
            i += 1;
        }
    }
    // canonical_segments: split at the first string, drop trailing zeros
    // from both halves.
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let strings = segs.split_off(split);
    let mut out = strip_zeros(segs);
    out.extend(strip_zeros(strings));
    Ok(GemKey(out))
}

fn strip_zeros(mut v: Vec<Seg>) -> Vec<Seg> {
    while matches!(v.last(), Some(Seg::Num(n)) if n.is_zero()) {
        v.pop();
    }
    v
}

/// The release segments of `~> v` for the upper bound: drop the last
/// segment (when there is more than one) and bump the new last number.
pub(crate) fn bump(s: &str) -> Option<String> {
    let t = s.trim_matches(is_ruby_space);
    if !correct(t) {
        return None;
    }
    // Gem::Version#bump: segments up to the first string, drop the last
    // unless it is the only one, then increment the last.
    let norm = t.replace('-', ".pre.");
    let mut segs: Vec<&str> = norm.split('.').collect();
    if let Some(p) = segs
        .iter()
        .position(|s| !s.bytes().all(|b| b.is_ascii_digit()))
    {
        segs.truncate(p);
    }
    if segs.len() > 1 {
        segs.pop();
    }
    let last = segs.pop()?;
    let n: u128 = last.parse().ok()?;
    let mut out: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
    out.push((n.checked_add(1)?).to_string());
    Some(out.join("."))
}
