//! Gentoo versions per the Package Manager Specification (section
//! "Version comparison"): numbers, an optional letter, suffixes
//! `_alpha < _beta < _pre < _rc < (none) < _p`, then `-rN`.

use crate::num::{all_digits, Num};
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) struct GentooKey {
    nums: Vec<String>,
    letter: Option<u8>,
    suffixes: Vec<(u8, Num)>,
    revision: Num,
}

/// Suffix ranks; "no suffix" sits between `_rc` and `_p`.
const SUFFIXES: [(&str, u8); 5] = [("alpha", 0), ("beta", 1), ("pre", 2), ("rc", 3), ("p", 5)];
const NO_SUFFIX: u8 = 4;

impl PartialEq for GentooKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for GentooKey {}

impl Ord for GentooKey {
    fn cmp(&self, other: &Self) -> Ordering {
        // Algorithm 3.2: the first number as an integer; later ones as
        // integers unless either starts with 0, then as strings with
        // trailing zeros removed.
        let first = |k: &GentooKey| Num::new(k.nums.first().map_or("", |s| s.as_str()));
        let o = first(self).cmp(&first(other));
        if o != Ordering::Equal {
            return o;
        }
        for (a, b) in self.nums.iter().zip(&other.nums).skip(1) {
            let o = if a.starts_with('0') || b.starts_with('0') {
                a.trim_end_matches('0').cmp(b.trim_end_matches('0'))
            } else {
                Num::new(a).cmp(&Num::new(b))
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        let o = self.nums.len().cmp(&other.nums.len());
        if o != Ordering::Equal {
            return o;
        }
        let o = self.letter.cmp(&other.letter);
        if o != Ordering::Equal {
            return o;
        }
        for (a, b) in self.suffixes.iter().zip(&other.suffixes) {
            let o = a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1));
            if o != Ordering::Equal {
                return o;
            }
        }
        let rank = |k: &GentooKey, n: usize| k.suffixes.get(n).map_or(NO_SUFFIX, |s| s.0);
        let n = self.suffixes.len().min(other.suffixes.len());
        let o = rank(self, n).cmp(&rank(other, n));
        if o != Ordering::Equal {
            return o;
        }
        self.revision.cmp(&other.revision)
    }
}

impl PartialOrd for GentooKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub(crate) fn parse(s: &str) -> Result<GentooKey, String> {
    let (body, revision) = match s.rsplit_once("-r") {
        Some((b, r)) if all_digits(r) => (b, Num::new(r)),
        _ => (s, Num::new("")),
    };
    let mut parts = body.split('_');
    let main = parts.next().unwrap_or("");
    let (main, letter) = match main.as_bytes().last() {
        Some(c) if c.is_ascii_lowercase() => (main.get(..main.len() - 1).unwrap_or(""), Some(*c)),
        _ => (main, None),
    };
    let nums: Vec<String> = main.split('.').map(str::to_string).collect();
    if nums.iter().any(|n| !all_digits(n)) {
        return Err(format!("{main:?} is not dot-separated numbers"));
    }
    let mut suffixes = Vec::new();
    for p in parts {
        let name_len = p.bytes().take_while(u8::is_ascii_lowercase).count();
        let (name, digits) = p.split_at(name_len);
        let rank = SUFFIXES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| *r)
            .ok_or_else(|| format!("unknown suffix _{name}"))?;
        if !digits.is_empty() && !all_digits(digits) {
            return Err(format!("suffix _{p} has a non-numeric tail"));
        }
        suffixes.push((rank, Num::new(digits)));
    }
    Ok(GentooKey {
        nums,
        letter,
        suffixes,
        revision,
    })
}
