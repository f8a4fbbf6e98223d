//! RPM `rpmverCmp` (`rpmvercmp` with `~` and `^`) over
//! `[epoch:]version[-release]`, and Arch Linux libalpm's
//! `alpm_pkg_vercmp`, an older rpmvercmp.
//!
//! rpm sorts a version without a release before the same version with
//! any release. libalpm compares the release only
//! when both sides have one, so there `1.0` equals `1.0-1` and `1.0-2`
//! while those two differ: its order, not transitive.

use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) struct Evr {
    epoch: String,
    version: String,
    release: Option<String>,
    alpm: bool,
}

impl PartialEq for Evr {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Evr {}

impl Ord for Evr {
    fn cmp(&self, other: &Self) -> Ordering {
        let vc = if self.alpm { alpm_vercmp } else { rpmvercmp };
        vc(&self.epoch, &other.epoch)
            .then_with(|| vc(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => vc(a, b),
                _ if self.alpm => Ordering::Equal,
                // rpmverCmp: with equal versions, having a release (even an
                // empty or `~` one) sorts after having none.
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}
impl PartialOrd for Evr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn check_text(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty version".into());
    }
    Ok(())
}

/// rpm's and libalpm's `parseEVR`: an all-digit prefix ended by `:` is
/// the epoch (empty means 0), the part after the last `-` the release.
fn parse_evr(s: &str, alpm: bool) -> Result<Evr, String> {
    check_text(s)?;
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    let (epoch, rest) = match s.get(digits..).and_then(|r| r.strip_prefix(':')) {
        Some(rest) => {
            let e = s.get(..digits).unwrap_or("");
            (if e.is_empty() { "0" } else { e }, rest)
        }
        None => ("0", s),
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((v, r)) => (v, Some(r.to_string())),
        None => (rest, None),
    };
    Ok(Evr {
        epoch: epoch.to_string(),
        version: version.to_string(),
        release,
        alpm,
    })
}

/// `rpm.ver()`: any non-empty string.
pub(crate) fn parse_rpm(s: &str) -> Result<Evr, String> {
    parse_evr(s, false)
}

pub(crate) fn parse_alpm(s: &str) -> Result<Evr, String> {
    parse_evr(s, true)
}

fn segment(s: &[u8], from: usize, digits: bool) -> usize {
    let mut k = from;
    while s.get(k).is_some_and(|c| {
        if digits {
            c.is_ascii_digit()
        } else {
            c.is_ascii_alphabetic()
        }
    }) {
        k += 1;
    }
    k
}

/// Compares one numeric or alphabetic segment pair; `None` when equal.
fn cmp_segment(a: &[u8], b: &[u8], numeric: bool) -> Option<Ordering> {
    let (a, b) = if numeric {
        let za = a.iter().take_while(|c| **c == b'0').count();
        let zb = b.iter().take_while(|c| **c == b'0').count();
        let (a, b) = (a.get(za..).unwrap_or(&[]), b.get(zb..).unwrap_or(&[]));
        match a.len().cmp(&b.len()) {
            Ordering::Equal => {}
            o => return Some(o),
        }
        (a, b)
    } else {
        (a, b)
    };
    match a.cmp(b) {
        Ordering::Equal => None,
        o => Some(o),
    }
}

/// rpm's `rpmvercmp` (rpm 4.15 and later).
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let sep = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    loop {
        while a.get(i).is_some_and(sep) {
            i += 1;
        }
        while b.get(j).is_some_and(sep) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            return Ordering::Equal;
        }
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(first), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = first.is_ascii_digit();
        let ei = segment(a, i, numeric);
        let ej = segment(b, j, numeric);
        if ej == j {
            // Different segment kinds: a number beats letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if let Some(o) = cmp_segment(
            a.get(i..ei).unwrap_or(&[]),
            b.get(j..ej).unwrap_or(&[]),
            numeric,
        ) {
            return o;
        }
        i = ei;
        j = ej;
    }
    match (a.get(i).is_none(), b.get(j).is_none()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// libalpm's `rpmvercmp` (no `~`/`^`; separator run lengths matter; a
/// trailing letter run is older than the end of the string).
pub(crate) fn alpm_vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let (mut pi, mut pj) = (0usize, 0usize);
    while i < a.len() && j < b.len() {
        while a.get(i).is_some_and(|c| !c.is_ascii_alphanumeric()) {
            i += 1;
        }
        while b.get(j).is_some_and(|c| !c.is_ascii_alphanumeric()) {
            j += 1;
        }
        if i >= a.len() || j >= b.len() {
            break;
        }
        if i - pi != j - pj {
            return (i - pi).cmp(&(j - pj));
        }
        let numeric = a.get(i).is_some_and(u8::is_ascii_digit);
        let ei = segment(a, i, numeric);
        let ej = segment(b, j, numeric);
        if ej == j {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if let Some(o) = cmp_segment(
            a.get(i..ei).unwrap_or(&[]),
            b.get(j..ej).unwrap_or(&[]),
            numeric,
        ) {
            return o;
        }
        i = ei;
        j = ej;
        pi = i;
        pj = j;
    }
    let (ra, rb) = (a.get(i), b.get(j));
    if ra.is_none() && rb.is_none() {
        return Ordering::Equal;
    }
    // "If one is empty and two is not an alpha, two is newer; if one is
    // an alpha, two is newer; otherwise one is newer."
    let alpha = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphabetic);
    if (ra.is_none() && !alpha(rb)) || alpha(ra) {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}
