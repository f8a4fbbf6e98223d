//! Conan 2 `conans.model.version.Version`: `main[-pre][+build]`, items
//! split on dots, integers where they parse (else strings; a mixed pair
//! compares as strings), trailing zero items ignored, pre-releases before
//! the release.

use crate::num::{all_digits, Num};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum ItemV {
    Int(Num),
    Str(String),
}

fn cmp_item(a: &ItemV, b: &ItemV) -> Ordering {
    match (a, b) {
        (ItemV::Int(x), ItemV::Int(y)) => x.cmp(y),
        (ItemV::Str(x), ItemV::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        // Python: `str(self._v) < str(other._v)` after the TypeError.
        (ItemV::Int(x), ItemV::Str(y)) => x.to_string().as_bytes().cmp(y.as_bytes()),
        (ItemV::Str(x), ItemV::Int(y)) => x.as_bytes().cmp(y.to_string().as_bytes()),
    }
}

/// Python tuple order over items (shorter prefix first).
fn cmp_items(a: &[ItemV], b: &[ItemV]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = cmp_item(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// A qualifier (pre-release or build) is itself a dotted version.
#[derive(Debug, Clone)]
pub(crate) struct ConanKey {
    items: Vec<ItemV>,
    pre: Option<Vec<ItemV>>,
    build: Option<Vec<ItemV>>,
}

fn cmp_opt(a: &Option<Vec<ItemV>>, b: &Option<Vec<ItemV>>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp_items(x, y),
    }
}

impl PartialEq for ConanKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ConanKey {}

impl Ord for ConanKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.pre, &other.pre) {
            (Some(_), Some(_)) => cmp_items(&self.items, &other.items)
                .then_with(|| cmp_opt(&self.pre, &other.pre))
                .then_with(|| cmp_opt(&self.build, &other.build)),
            (Some(_), None) => match cmp_items(&self.items, &other.items) {
                Ordering::Equal => Ordering::Less,
                o => o,
            },
            (None, Some(_)) => match cmp_items(&self.items, &other.items) {
                Ordering::Equal => Ordering::Greater,
                o => o,
            },
            (None, None) => cmp_items(&self.items, &other.items)
                .then_with(|| cmp_opt(&self.build, &other.build)),
        }
    }
}

impl PartialOrd for ConanKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Items of a dotted string with trailing zero integers removed.
fn items(s: &str) -> Vec<ItemV> {
    let mut v: Vec<ItemV> = s
        .split('.')
        .map(|p| {
            if all_digits(p) {
                ItemV::Int(Num::new(p))
            } else {
                ItemV::Str(p.to_string())
            }
        })
        .collect();
    while matches!(v.last(), Some(ItemV::Int(n)) if n.is_zero()) {
        v.pop();
    }
    v
}

pub(crate) fn parse(s: &str) -> Result<ConanKey, String> {
    if s.is_empty() {
        return Err("empty version".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("whitespace or control character {c:?} in version"));
    }
    let (rest, build) = match s.rsplit_once('+') {
        Some((r, b)) => (r, Some(items(b))),
        None => (s, None),
    };
    let (main, pre) = match rest.split_once('-') {
        Some((m, p)) => (m, Some(items(p))),
        None => (rest, None),
    };
    Ok(ConanKey {
        items: items(main),
        pre,
        build,
    })
}

/// The main items of `s` as written (before `-` and `+`), for the
/// `~`/`^` upper bounds of Conan ranges.
pub(crate) fn main_items(s: &str) -> Vec<String> {
    let rest = s.rsplit_once('+').map_or(s, |(r, _)| r);
    let main = rest.split_once('-').map_or(rest, |(m, _)| m);
    main.split('.').map(str::to_string).collect()
}
