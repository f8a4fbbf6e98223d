//! SemVer 2.0.0 and its dialects: strict (the `SEMVER` range type), npm's
//! loose parse (node-semver), Go module versions and NuGet.

use crate::num::{all_digits, Num};
use std::cmp::Ordering;

/// One dot-separated pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Ident {
    Num(Num),
    /// node-semver: an all-digit identifier compares as a JavaScript
    /// number (`+id`, an f64, kept here as its bits), whatever its size.
    JsNum(u64),
    Alpha(String),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::JsNum(a), Ident::JsNum(b)) => f64::from_bits(*a).total_cmp(&f64::from_bits(*b)),
            // Numbers of the two dialects never meet in one ecosystem.
            (Ident::Num(_), Ident::JsNum(_)) => Ordering::Less,
            (Ident::JsNum(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Num(_) | Ident::JsNum(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_) | Ident::JsNum(_)) => Ordering::Greater,
            (Ident::Alpha(a), Ident::Alpha(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A version with SemVer 2.0.0 precedence: build metadata is kept but
/// never compared.
#[derive(Debug, Clone)]
pub(crate) struct SemverKey {
    pub(crate) major: Num,
    pub(crate) minor: Num,
    pub(crate) patch: Num,
    pub(crate) pre: Vec<Ident>,
}

impl PartialEq for SemverKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for SemverKey {}

impl Ord for SemverKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| cmp_pre(&self.pre, &other.pre))
    }
}

impl PartialOrd for SemverKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A release (no pre-release) sorts after every pre-release of it.
fn cmp_pre(a: &[Ident], b: &[Ident]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.cmp(b),
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Strict numeric identifier: digits, no leading zero unless exactly "0".
fn strict_number(s: &str, what: &str) -> Result<Num, String> {
    if !all_digits(s) {
        return Err(format!("{what} {s:?} is not a number"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("{what} {s:?} has a leading zero"));
    }
    Ok(Num::new(s))
}

fn parse_pre_strict(s: &str) -> Result<Vec<Ident>, String> {
    s.split('.')
        .map(|id| {
            if id.is_empty() {
                Err("empty pre-release identifier".to_string())
            } else if !id.chars().all(is_ident_char) {
                Err(format!(
                    "invalid character in pre-release identifier {id:?}"
                ))
            } else if all_digits(id) {
                strict_number(id, "numeric pre-release identifier").map(Ident::Num)
            } else {
                Ok(Ident::Alpha(id.to_string()))
            }
        })
        .collect()
}

fn check_build(s: &str) -> Result<(), String> {
    for id in s.split('.') {
        if id.is_empty() {
            return Err("empty build metadata identifier".into());
        }
        if !id.chars().all(is_ident_char) {
            return Err(format!("invalid character in build metadata {id:?}"));
        }
    }
    Ok(())
}

/// Splits `core[-pre][+build]` at the first `+`, then the first `-`.
fn split_parts(s: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    (core, pre, build)
}

/// SemVer 2.0.0, exactly its grammar.
pub(crate) fn parse_strict(s: &str) -> Result<SemverKey, String> {
    let (core, pre, build) = split_parts(s);
    let nums: Vec<&str> = core.split('.').collect();
    let [ma, mi, pa] = nums.as_slice() else {
        return Err(format!(
            "expected MAJOR.MINOR.PATCH, found {} dot-separated part(s) in {core:?}",
            nums.len()
        ));
    };
    let key = SemverKey {
        major: strict_number(ma, "major version")?,
        minor: strict_number(mi, "minor version")?,
        patch: strict_number(pa, "patch version")?,
        pre: match pre {
            Some(p) => parse_pre_strict(p)?,
            None => Vec::new(),
        },
    };
    if let Some(b) = build {
        check_build(b)?;
    }
    Ok(key)
}

/// Go module versions (golang.org/x/mod/semver): SemVer with a `v` prefix,
/// which OSV leaves out, so both spellings are taken. `vMAJOR` and
/// `vMAJOR.MINOR` are shorthands for `.0` completions, as in x/mod.
/// `+incompatible` is build metadata and so does not take part in order.
pub(crate) fn parse_go(s: &str) -> Result<SemverKey, String> {
    let body = s.strip_prefix('v').unwrap_or(s);
    let (core, pre, build) = split_parts(body);
    let nums: Vec<&str> = core.split('.').collect();
    if nums.len() < 3 && (pre.is_some() || build.is_some()) {
        return Err("a pre-release or build suffix needs MAJOR.MINOR.PATCH".into());
    }
    let (ma, mi, pa) = match nums.as_slice() {
        [ma] => (*ma, "0", "0"),
        [ma, mi] => (*ma, *mi, "0"),
        [ma, mi, pa] => (*ma, *mi, *pa),
        _ => return Err(format!("too many dot-separated numbers in {core:?}")),
    };
    let key = SemverKey {
        major: strict_number(ma, "major version")?,
        minor: strict_number(mi, "minor version")?,
        patch: strict_number(pa, "patch version")?,
        pre: match pre {
            Some(p) => parse_pre_strict(p)?,
            None => Vec::new(),
        },
    };
    if let Some(b) = build {
        check_build(b)?;
    }
    Ok(key)
}

/// node-semver's `Number.MAX_SAFE_INTEGER`, the largest accepted number.
const JS_MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;
/// node-semver's `MAX_LENGTH` for a version string.
const NPM_MAX_LENGTH: usize = 256;

/// JavaScript's `\s` and `String.prototype.trim` whitespace.
fn is_js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// node-semver `new SemVer(v, { loose: true })`: the LOOSE regular
/// expression `^[v=\s]*\d+\.\d+\.\d+(?:-?PRE)?(?:\+BUILD)?$` after trim.
pub(crate) fn parse_npm(s: &str) -> Result<SemverKey, String> {
    if s.len() > NPM_MAX_LENGTH {
        return Err(format!("longer than {NPM_MAX_LENGTH} characters"));
    }
    let t = s.trim_matches(is_js_space);
    let t = t.trim_start_matches(|c: char| c == 'v' || c == '=' || is_js_space(c));
    let mut rest = t;
    let mut nums = Vec::with_capacity(3);
    for _ in 0..2 {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(end);
        nums.push(npm_number(digits)?);
        rest = after
            .strip_prefix('.')
            .ok_or("expected MAJOR.MINOR.PATCH separated by dots")?;
    }
    // The patch is `\d+` followed by an optional pre-release whose dash is
    // optional too, so the regex backtracks into the digits: "1.2.20.4" is
    // 1.2.2 with pre-release "0.4". Longest patch first, as the regex does.
    let run = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if run == 0 {
        return Err("expected MAJOR.MINOR.PATCH numbers".into());
    }
    let mut found = None;
    for k in (1..=run).rev() {
        let (Some(digits), Some(tail)) = (rest.get(..k), rest.get(k..)) else {
            continue;
        };
        if let Some(pre) = npm_tail(tail) {
            found = Some((digits, pre));
            break;
        }
    }
    let (patch_digits, pre) =
        found.ok_or_else(|| format!("invalid pre-release or build in {rest:?}"))?;
    nums.push(npm_number(patch_digits)?);
    let [major, minor, patch]: [Num; 3] = nums
        .try_into()
        .map_err(|_| "expected MAJOR.MINOR.PATCH numbers".to_string())?;
    Ok(SemverKey {
        major,
        minor,
        patch,
        pre,
    })
}

fn npm_number(digits: &str) -> Result<Num, String> {
    if digits.is_empty() {
        return Err("expected MAJOR.MINOR.PATCH numbers".into());
    }
    let n = Num::new(digits);
    if n.to_u64().is_none_or(|v| v > JS_MAX_SAFE_INTEGER) {
        return Err(format!("number {digits} is above 2^53-1"));
    }
    Ok(n)
}

/// Matches `(?:-?PRERELEASELOOSE)?(?:\+BUILD)?$` on what follows the patch
/// number; the pre-release identifiers when it matches.
fn npm_tail(tail: &str) -> Option<Vec<Ident>> {
    let (pre_part, build) = match tail.split_once('+') {
        Some((p, b)) => (p, Some(b)),
        None => (tail, None),
    };
    if let Some(b) = build {
        check_build(b).ok()?;
    }
    if pre_part.is_empty() {
        return Some(Vec::new());
    }
    // The optional dash: taken when what follows still forms identifiers,
    // else the dash is itself an identifier character.
    let body = match pre_part.strip_prefix('-') {
        Some(after) if loose_pre_ok(after) => after,
        _ => pre_part,
    };
    if !loose_pre_ok(body) {
        return None;
    }
    Some(
        body.split('.')
            .map(|id| match id.parse::<f64>() {
                Ok(f) if all_digits(id) => Ident::JsNum(f.to_bits()),
                _ => Ident::Alpha(id.to_string()),
            })
            .collect(),
    )
}

fn loose_pre_ok(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|id| !id.is_empty() && id.chars().all(is_ident_char))
}

/// A NuGet version: up to four numbers, case-insensitive release labels.
#[derive(Debug, Clone)]
pub(crate) struct NuGetKey {
    nums: [u32; 4],
    labels: Vec<String>,
}

impl PartialEq for NuGetKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for NuGetKey {}

impl Ord for NuGetKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nums.cmp(&other.nums).then_with(|| {
            match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.labels.iter().zip(&other.labels) {
                        let o = nuget_label_cmp(a, b);
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.labels.len().cmp(&other.labels.len())
                }
            }
        })
    }
}

impl PartialOrd for NuGetKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// NuGet `VersionComparer`: labels that parse as Int32 compare as numbers
/// and sort first; others compare ordinally ignoring case.
fn nuget_label_cmp(a: &str, b: &str) -> Ordering {
    match (a.parse::<i32>(), b.parse::<i32>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
    }
}

/// NuGet `NuGetVersion.Parse`: `N[.N[.N[.N]]][-label(.label)*][+metadata]`.
pub(crate) fn parse_nuget(s: &str) -> Result<NuGetKey, String> {
    let (core, pre, build) = split_parts(s);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 4 {
        return Err(format!("more than four numbers in {core:?}"));
    }
    let mut nums = [0u32; 4];
    for (slot, p) in nums.iter_mut().zip(&parts) {
        if !all_digits(p) {
            return Err(format!("{p:?} is not a number"));
        }
        *slot = p
            .parse::<i32>()
            .ok()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| format!("number {p} does not fit in a 32-bit integer"))?;
    }
    let labels = match pre {
        Some(p) => p
            .split('.')
            .map(|id| {
                if id.is_empty() || !id.chars().all(is_ident_char) {
                    Err(format!("invalid release label {id:?}"))
                } else {
                    Ok(id.to_string())
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    if let Some(b) = build {
        check_build(b)?;
    }
    Ok(NuGetKey { nums, labels })
}
