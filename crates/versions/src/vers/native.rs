//! Native range notations to vers ranges.

use super::{Comparator, Constraint, VersError, VersRange};
use crate::schemes::{conan, gem};
use crate::Ecosystem;

/// Converts `native`, a range in `ecosystem`'s own notation, to a
/// canonical vers range:
///
/// * npm: node-semver ranges (`||`, hyphen ranges, `~`, `^`, X-ranges,
///   partial versions), desugared as node-semver does; upper bounds are
///   written without node-semver's `-0` pre-release floor.
/// * PyPI: PEP 440 specifier sets (`>=1.0, !=1.5, ~=2.2, ==1.*`).
/// * RubyGems: requirement lists (`~> 2.0.8, != 2.0.9`).
/// * NuGet: interval notation (`[1.0, 2.0)`, `(,1.0]`, `[1.0]`) or a bare
///   minimum version.
/// * Conan: Conan 2 version ranges (`>1 <2 || ^3.2`, `~`, `*`, options
///   after a comma ignored), with `-` marking pre-release bounds.
/// * nginx: advisory notation (`0.8.40+`, `0.7.52-0.8.39`, lists).
/// * OpenSSL: comma-separated lists of versions.
pub fn from_native(ecosystem: Ecosystem, native: &str) -> Result<VersRange, VersError> {
    let err = |reason: String| VersError {
        input: native.to_string(),
        reason,
    };
    let constraints = match ecosystem {
        Ecosystem::Npm => npm(native),
        Ecosystem::PyPI => pypi(native),
        Ecosystem::RubyGems => gem_req(native),
        Ecosystem::NuGet => nuget(native),
        Ecosystem::Conan => conan_range(native),
        Ecosystem::Nginx => nginx(native),
        Ecosystem::OpenSsl => list(native),
        other => Err(format!("no native range notation is supported for {other}")),
    }
    .map_err(err)?;
    if constraints.is_empty() {
        return Err(err("empty range".into()));
    }
    if constraints.iter().any(|c| c.comparator == Comparator::Any) {
        return VersRange::new(ecosystem, vec![Constraint::new(Comparator::Any, "")]);
    }
    for c in &constraints {
        crate::Version::parse(ecosystem, &c.version).map_err(|e| err(e.to_string()))?;
    }
    VersRange::new(ecosystem, constraints)
}

fn c(comparator: Comparator, v: impl Into<String>) -> Constraint {
    Constraint::new(comparator, v)
}

/// Splits off a leading operator from `ops` (longest first), trimming the
/// space after it.
fn split_op<'a>(s: &'a str, ops: &[&'static str]) -> (&'static str, &'a str) {
    for op in ops {
        if let Some(rest) = s.strip_prefix(op) {
            return (op, rest.trim_start());
        }
    }
    ("", s)
}

fn simple_op(op: &str) -> Option<Comparator> {
    Some(match op {
        "" | "=" | "==" | "===" => Comparator::Eq,
        "!=" => Comparator::Ne,
        "<" => Comparator::Lt,
        "<=" => Comparator::Le,
        ">" => Comparator::Gt,
        ">=" => Comparator::Ge,
        _ => return None,
    })
}

/// Whitespace-separated words, with a bare operator joined to the word
/// after it (`>= 1.0` is one comparator).
fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = String::new();
    for w in s.split_whitespace() {
        let is_op = !w.is_empty()
            && w.chars()
                .all(|c| matches!(c, '<' | '>' | '=' | '~' | '^' | '!'));
        if is_op {
            pending.push_str(w);
        } else {
            out.push(format!("{pending}{w}"));
            pending.clear();
        }
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

// ---------------------------------------------------------------- npm

/// A node-semver partial version: `None` is a wildcard or missing part.
struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Option<String>,
}

fn npm_num(s: &str) -> Result<Option<u64>, String> {
    if matches!(s, "x" | "X" | "*") {
        return Ok(None);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a version number"));
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("number {s} is too large"))
}

fn npm_partial(s: &str) -> Result<Partial, String> {
    let s = s.trim_start_matches(['v', '=']);
    let s = s.split_once('+').map_or(s, |(v, _)| v);
    let mut parts = s.splitn(3, '.');
    let major = npm_num(parts.next().unwrap_or(""))?;
    let minor = parts.next().map(npm_num).transpose()?.flatten();
    let (patch, pre) = match parts.next() {
        None => (None, None),
        Some(p) => {
            let end = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
            let (num, tail) = p.split_at(end);
            if num.is_empty() {
                (npm_num(p)?, None)
            } else {
                let pre = tail.strip_prefix('-').unwrap_or(tail);
                (npm_num(num)?, (!pre.is_empty()).then(|| pre.to_string()))
            }
        }
    };
    if major.is_none() && (minor.is_some() || patch.is_some()) {
        return Err(format!(
            "{s:?}: a wildcard major needs wildcard minor and patch"
        ));
    }
    if minor.is_none() && patch.is_some() {
        return Err(format!("{s:?}: a wildcard minor needs a wildcard patch"));
    }
    Ok(Partial {
        major,
        minor,
        patch,
        pre,
    })
}

fn ver(m: u64, n: u64, p: u64, pre: &Option<String>) -> String {
    match pre {
        Some(pr) => format!("{m}.{n}.{p}-{pr}"),
        None => format!("{m}.{n}.{p}"),
    }
}

fn inc(n: u64) -> Result<u64, String> {
    n.checked_add(1)
        .ok_or_else(|| "version number overflows".to_string())
}

/// One node-semver comparator (after the space trimming node-semver does).
fn npm_comparator(word: &str, out: &mut Vec<Constraint>) -> Result<(), String> {
    use Comparator::*;
    let (op, rest) = split_op(word, &["~>", "~", "^", ">=", "<=", ">", "<", "="]);
    let v = npm_partial(rest)?;
    let Some(ma) = v.major else {
        // `*`, or `>*` / `<*` which match nothing: node-semver writes
        // `<0.0.0-0`.
        if matches!(op, ">" | "<") {
            out.push(c(Lt, "0.0.0"));
        } else {
            out.push(c(Any, ""));
        }
        return Ok(());
    };
    match op {
        "~" | "~>" => match (v.minor, v.patch) {
            (None, _) => {
                out.push(c(Ge, ver(ma, 0, 0, &None)));
                out.push(c(Lt, ver(inc(ma)?, 0, 0, &None)));
            }
            (Some(mi), pa) => {
                out.push(c(Ge, ver(ma, mi, pa.unwrap_or(0), &v.pre)));
                out.push(c(Lt, ver(ma, inc(mi)?, 0, &None)));
            }
        },
        "^" => match (v.minor, v.patch) {
            (None, _) => {
                out.push(c(Ge, ver(ma, 0, 0, &None)));
                out.push(c(Lt, ver(inc(ma)?, 0, 0, &None)));
            }
            (Some(mi), None) => {
                out.push(c(Ge, ver(ma, mi, 0, &None)));
                if ma == 0 {
                    out.push(c(Lt, ver(0, inc(mi)?, 0, &None)));
                } else {
                    out.push(c(Lt, ver(inc(ma)?, 0, 0, &None)));
                }
            }
            (Some(mi), Some(pa)) => {
                out.push(c(Ge, ver(ma, mi, pa, &v.pre)));
                let upper = if ma != 0 {
                    ver(inc(ma)?, 0, 0, &None)
                } else if mi != 0 {
                    ver(0, inc(mi)?, 0, &None)
                } else {
                    ver(0, 0, inc(pa)?, &None)
                };
                out.push(c(Lt, upper));
            }
        },
        "" | "=" => match (v.minor, v.patch) {
            (None, _) => {
                out.push(c(Ge, ver(ma, 0, 0, &None)));
                out.push(c(Lt, ver(inc(ma)?, 0, 0, &None)));
            }
            (Some(mi), None) => {
                out.push(c(Ge, ver(ma, mi, 0, &None)));
                out.push(c(Lt, ver(ma, inc(mi)?, 0, &None)));
            }
            (Some(mi), Some(pa)) => out.push(c(Eq, ver(ma, mi, pa, &v.pre))),
        },
        _ => match (v.minor, v.patch) {
            (Some(mi), Some(pa)) => {
                let cmp = simple_op(op).ok_or_else(|| format!("unknown operator {op:?}"))?;
                out.push(c(cmp, ver(ma, mi, pa, &v.pre)));
            }
            // node-semver's replaceXRange for an operator with a partial.
            (mi, _) => {
                let (mi, pa) = (mi.unwrap_or(0), 0);
                let x_minor = v.minor.is_none();
                match op {
                    ">" => {
                        let next = if x_minor {
                            ver(inc(ma)?, 0, 0, &None)
                        } else {
                            ver(ma, inc(mi)?, 0, &None)
                        };
                        out.push(c(Ge, next));
                    }
                    "<=" => {
                        let next = if x_minor {
                            ver(inc(ma)?, 0, 0, &None)
                        } else {
                            ver(ma, inc(mi)?, 0, &None)
                        };
                        out.push(c(Lt, next));
                    }
                    ">=" => out.push(c(Ge, ver(ma, mi, pa, &None))),
                    "<" => out.push(c(Lt, ver(ma, mi, pa, &None))),
                    _ => return Err(format!("unknown operator {op:?}")),
                }
            }
        },
    }
    Ok(())
}

/// node-semver hyphen range `A - B`.
fn npm_hyphen(from: &str, to: &str, out: &mut Vec<Constraint>) -> Result<(), String> {
    use Comparator::*;
    let a = npm_partial(from)?;
    let b = npm_partial(to)?;
    if let Some(ma) = a.major {
        out.push(c(
            Ge,
            ver(ma, a.minor.unwrap_or(0), a.patch.unwrap_or(0), &a.pre),
        ));
    }
    if let Some(mb) = b.major {
        match (b.minor, b.patch) {
            (None, _) => out.push(c(Lt, ver(inc(mb)?, 0, 0, &None))),
            (Some(mi), None) => out.push(c(Lt, ver(mb, inc(mi)?, 0, &None))),
            (Some(mi), Some(pa)) => out.push(c(Le, ver(mb, mi, pa, &b.pre))),
        }
    }
    if a.major.is_none() && b.major.is_none() {
        out.push(c(Any, ""));
    }
    Ok(())
}

fn npm(native: &str) -> Result<Vec<Constraint>, String> {
    let mut out = Vec::new();
    let mut empty_sets = 0usize;
    for set in native.split("||") {
        let set = set.trim();
        if set.is_empty() {
            out.push(c(Comparator::Any, ""));
            continue;
        }
        let mut one = Vec::new();
        let hyphen = set.split_whitespace().collect::<Vec<_>>();
        if let [from, "-", to] = hyphen.as_slice() {
            npm_hyphen(from, to, &mut one)?;
        } else {
            for w in words(set) {
                npm_comparator(&w, &mut one)?;
            }
        }
        // A comparator set is the intersection of its comparators; one
        // that no version satisfies (`1.1.2 1.2.2`) adds nothing.
        if is_empty_intersection(&one) {
            empty_sets += 1;
        } else {
            out.extend(one);
        }
    }
    if out.is_empty() && empty_sets > 0 {
        return Err("the range matches no version, which vers cannot express".into());
    }
    Ok(out)
}

/// Whether no npm version satisfies every constraint of `set`.
fn is_empty_intersection(set: &[Constraint]) -> bool {
    use std::cmp::Ordering::*;
    use Comparator::*;
    let parse = |v: &str| crate::Version::parse(Ecosystem::Npm, v).ok();
    // Tightest bounds as (version, inclusive).
    let mut low: Option<(crate::Version, bool)> = None;
    let mut high: Option<(crate::Version, bool)> = None;
    let mut exact: Option<crate::Version> = None;
    for k in set {
        let Some(v) = parse(&k.version) else {
            continue;
        };
        match k.comparator {
            Ge | Gt => {
                let incl = k.comparator == Ge;
                let tighter = match &low {
                    None => true,
                    Some((b, bi)) => match v.cmp(b) {
                        Greater => true,
                        Equal => *bi && !incl,
                        Less => false,
                    },
                };
                if tighter {
                    low = Some((v, incl));
                }
            }
            Le | Lt => {
                let incl = k.comparator == Le;
                let tighter = match &high {
                    None => true,
                    Some((b, bi)) => match v.cmp(b) {
                        Less => true,
                        Equal => *bi && !incl,
                        Greater => false,
                    },
                };
                if tighter {
                    high = Some((v, incl));
                }
            }
            Eq => match &exact {
                Some(e) if *e != v => return true,
                _ => exact = Some(v),
            },
            Ne | Any => {}
        }
    }
    if let Some(e) = &exact {
        let above_low = low.as_ref().is_none_or(|(b, i)| e > b || (*i && e == b));
        let below_high = high.as_ref().is_none_or(|(b, i)| e < b || (*i && e == b));
        return !(above_low && below_high);
    }
    match (&low, &high) {
        (Some((l, li)), Some((h, hi))) => l > h || (l == h && !(*li && *hi)),
        _ => false,
    }
}

// ---------------------------------------------------------------- PyPI

/// `1.2.3` with the last release number dropped and the new last one
/// incremented (`~=` and `==X.*` upper bounds).
fn bump_release(v: &str, drop_last: bool) -> Result<String, String> {
    let release: Vec<&str> = v
        .split('.')
        .take_while(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let mut release = release;
    if drop_last {
        if release.len() < 2 {
            return Err(format!("~= needs at least two release numbers in {v:?}"));
        }
        release.pop();
    }
    let last: u128 = release
        .pop()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| format!("no release number in {v:?}"))?;
    let mut out: Vec<String> = release.iter().map(|s| s.to_string()).collect();
    out.push((last + 1).to_string());
    Ok(out.join("."))
}

fn pypi(native: &str) -> Result<Vec<Constraint>, String> {
    let mut out = Vec::new();
    for spec in native.split(',') {
        let spec = spec.trim();
        let (op, v) = split_op(spec, &["===", "==", "!=", "~=", "<=", ">=", "<", ">"]);
        if v.is_empty() {
            return Err(format!("specifier {spec:?} has no version"));
        }
        match op {
            "~=" => {
                out.push(c(Comparator::Ge, v));
                out.push(c(Comparator::Lt, bump_release(v, true)?));
            }
            "==" if v.ends_with(".*") => {
                let prefix = v.trim_end_matches(".*");
                out.push(c(Comparator::Ge, prefix));
                out.push(c(Comparator::Lt, bump_release(prefix, false)?));
            }
            "" => return Err(format!("specifier {spec:?} has no operator")),
            _ => {
                if v.ends_with(".*") {
                    return Err(format!("{spec:?}: a prefix match only works with =="));
                }
                let cmp = simple_op(op).ok_or_else(|| format!("unknown operator {op:?}"))?;
                out.push(c(cmp, v));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- RubyGems

fn gem_req(native: &str) -> Result<Vec<Constraint>, String> {
    let mut out = Vec::new();
    for req in native.split(',') {
        let req = req.trim();
        let (op, v) = split_op(req, &["~>", ">=", "<=", "!=", "=", ">", "<"]);
        if v.is_empty() {
            return Err(format!("requirement {req:?} has no version"));
        }
        if op == "~>" {
            out.push(c(Comparator::Ge, v));
            let upper = gem::bump(v).ok_or_else(|| format!("cannot bump {v:?}"))?;
            out.push(c(Comparator::Lt, upper));
        } else {
            let cmp = simple_op(op).ok_or_else(|| format!("unknown operator {op:?}"))?;
            out.push(c(cmp, v));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- NuGet

fn nuget(native: &str) -> Result<Vec<Constraint>, String> {
    let s = native.trim();
    let open = s.chars().next();
    if !matches!(open, Some('[' | '(')) {
        // A bare version is a minimum, inclusive.
        return Ok(vec![c(Comparator::Ge, s)]);
    }
    let close = s.chars().last();
    let inner = s
        .get(1..s.len().saturating_sub(1))
        .filter(|_| matches!(close, Some(']' | ')')) && s.len() >= 2)
        .ok_or_else(|| format!("{s:?}: unbalanced interval"))?;
    let Some((lo, hi)) = inner.split_once(',') else {
        let v = inner.trim();
        if open == Some('[') && close == Some(']') && !v.is_empty() {
            return Ok(vec![c(Comparator::Eq, v)]);
        }
        return Err(format!("{s:?}: an exact version needs [brackets]"));
    };
    let (lo, hi) = (lo.trim(), hi.trim());
    let mut out = Vec::new();
    if !lo.is_empty() {
        let cmp = if open == Some('[') {
            Comparator::Ge
        } else {
            Comparator::Gt
        };
        out.push(c(cmp, lo));
    }
    if !hi.is_empty() {
        let cmp = if close == Some(']') {
            Comparator::Le
        } else {
            Comparator::Lt
        };
        out.push(c(cmp, hi));
    }
    if out.is_empty() {
        return Err(format!("{s:?}: an interval needs a bound"));
    }
    Ok(out)
}

// ---------------------------------------------------------------- Conan

/// Conan `Version.upper_bound(index)`: keep the items before `index`,
/// increment the one at it, and mark the bound `-` (before pre-releases).
fn conan_upper(v: &str, index: usize) -> Result<String, String> {
    let items = conan::main_items(v);
    let mut out: Vec<String> = items.iter().take(index).cloned().collect();
    let at: u128 = items
        .get(index)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("cannot bump {v:?} at item {index}: not a number"))?;
    out.push((at + 1).to_string());
    Ok(format!("{}-", out.join(".")))
}

fn conan_range(native: &str) -> Result<Vec<Constraint>, String> {
    use Comparator::*;
    // Options such as `, include_prerelease=True` follow a comma.
    let expr = native.split(',').next().unwrap_or("");
    let mut out = Vec::new();
    for set in expr.split("||") {
        let set = set.trim();
        if set.is_empty() {
            return Err("empty alternative between '||'".into());
        }
        for w in words(set) {
            let (op, v) = split_op(&w, &["~", "^", ">=", "<=", ">", "<", "="]);
            // A trailing `-` only asks for pre-releases to be included.
            let bare = v.trim_end_matches('-');
            if v.is_empty() || bare == "*" {
                out.push(c(Ge, "0.0.0"));
                continue;
            }
            match op {
                "~" => {
                    let n = conan::main_items(bare).len();
                    out.push(c(Ge, bare));
                    out.push(c(Lt, conan_upper(bare, usize::from(n > 1))?));
                }
                "^" => {
                    let items = conan::main_items(bare);
                    let first = items
                        .iter()
                        .position(|i| !i.trim_start_matches('0').is_empty())
                        .unwrap_or(items.len());
                    out.push(c(Ge, bare));
                    out.push(c(Lt, conan_upper(bare, first)?));
                }
                _ => {
                    let cmp = simple_op(op).ok_or_else(|| format!("unknown operator {op:?}"))?;
                    out.push(c(cmp, bare));
                }
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- nginx, OpenSSL

fn nginx(native: &str) -> Result<Vec<Constraint>, String> {
    use Comparator::*;
    let mut out = Vec::new();
    for part in native.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_suffix('+') {
            // nginx numbers stable branches with an even minor and the
            // mainline with an odd one. "0.8.40+" on a stable branch means
            // 0.8.40 and later 0.8 releases; "1.5.0+" on the mainline means
            // 1.5.0 and everything after it.
            let nums: Vec<&str> = v.split('.').collect();
            let (Some(ma), Some(mi)) = (nums.first(), nums.get(1)) else {
                return Err(format!("{part:?}: expected MAJOR.MINOR[.PATCH]+"));
            };
            let mi: u64 = mi.parse().map_err(|_| format!("{part:?}: bad minor"))?;
            out.push(c(Ge, v));
            if mi.is_multiple_of(2) {
                out.push(c(Lt, format!("{ma}.{}.0", inc(mi)?)));
            }
        } else if let Some((a, b)) = part.split_once('-') {
            out.push(c(Ge, a.trim()));
            out.push(c(Le, b.trim()));
        } else if !part.is_empty() {
            out.push(c(Eq, part));
        }
    }
    Ok(out)
}

fn list(native: &str) -> Result<Vec<Constraint>, String> {
    Ok(native
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| c(Comparator::Eq, p))
        .collect())
}
