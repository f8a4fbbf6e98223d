//! Maven `ComparableVersion` (maven-artifact 3.8.7 and later, with MNG-6964
//! and MNG-7644), item for item: dots and dashes separate, digit/letter
//! transitions separate, a dash, a transition or a qualifier after a dot
//! opens a nested list, trailing nulls are dropped, and the
//! qualifiers alpha < beta < milestone < rc < snapshot < "" < sp sort
//! before unknown qualifiers, which sort lexically.

use crate::num::Num;
use std::cmp::Ordering;

/// Nested lists deeper than this are refused so that comparing and
/// dropping them stays within a small, bounded recursion.
const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Int(Num),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// `comparableQualifier("")`.
const RELEASE_INDEX: &str = "5";

/// `StringItem.comparableQualifier`: the index of a known qualifier, or
/// "7-<qualifier>" for unknown ones, compared as strings.
fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let v = if followed_by_digit && value.len() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(v.to_string())
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(n) => n.is_zero(),
        Item::Str(s) => comparable_qualifier(s) == RELEASE_INDEX,
        Item::List(l) => l.is_empty(),
    }
}

/// `item.compareTo(null)`.
fn cmp_null(item: &Item) -> Ordering {
    match item {
        Item::Int(n) => {
            if n.is_zero() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Str(s) => comparable_qualifier(s).as_str().cmp(RELEASE_INDEX),
        // MNG-6964: the whole list against null, not just its first item.
        Item::List(l) => l
            .iter()
            .map(cmp_null)
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal),
    }
}

fn cmp_item(a: &Item, b: &Item) -> Ordering {
    match (a, b) {
        (Item::Int(x), Item::Int(y)) => x.cmp(y),
        (Item::Int(_), _) => Ordering::Greater,
        (Item::Str(_), Item::Int(_)) => Ordering::Less,
        (Item::Str(x), Item::Str(y)) => comparable_qualifier(x).cmp(&comparable_qualifier(y)),
        (Item::Str(_), Item::List(_)) => Ordering::Less,
        (Item::List(_), Item::Int(_)) => Ordering::Less,
        (Item::List(_), Item::Str(_)) => Ordering::Greater,
        (Item::List(x), Item::List(y)) => cmp_lists(x, y),
    }
}

fn cmp_lists(x: &[Item], y: &[Item]) -> Ordering {
    let n = x.len().max(y.len());
    for i in 0..n {
        let o = match (x.get(i), y.get(i)) {
            (Some(l), Some(r)) => cmp_item(l, r),
            (Some(l), None) => cmp_null(l),
            (None, Some(r)) => cmp_null(r).reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub(crate) struct MavenKey(Vec<Item>);

impl PartialEq for MavenKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for MavenKey {}
impl Ord for MavenKey {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}
impl PartialOrd for MavenKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Int(Num::new(buf))
    } else {
        string_item(buf, false)
    }
}

/// `ListItem.normalize`: drop trailing null items, looking past nested
/// lists that are not null themselves.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        let Some(item) = list.get(i) else { break };
        if is_null(item) {
            list.remove(i);
        } else if !matches!(item, Item::List(_)) {
            break;
        }
    }
}

/// `ComparableVersion.parseVersion`. The lists form a chain (each new list
/// is appended to the current one and becomes current), kept here as a
/// vector of levels and folded innermost-first, normalizing each, as
/// Maven's stack does.
pub(crate) fn parse(s: &str) -> Result<MavenKey, String> {
    if s.is_empty() {
        return Err("empty version".into());
    }
    let v = s.to_lowercase();
    let chars: Vec<(usize, char)> = v.char_indices().collect();
    let mut levels: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0usize; // byte offset
    let push_level = |levels: &mut Vec<Vec<Item>>| -> Result<(), String> {
        if levels.len() >= MAX_DEPTH {
            return Err(format!("more than {MAX_DEPTH} nested parts"));
        }
        levels.push(Vec::new());
        Ok(())
    };
    for &(i, c) in &chars {
        let cur = levels.len() - 1;
        if c == '.' || c == '-' {
            let item = if i == start {
                Item::Int(Num::new("0"))
            } else {
                parse_item(is_digit, v.get(start..i).unwrap_or(""))
            };
            if let Some(l) = levels.get_mut(cur) {
                l.push(item);
            }
            start = i + 1;
            if c == '-' {
                push_level(&mut levels)?;
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                // MNG-7644: 1.0.0.X1 < 1.0.0-X2, a qualifier after a dot
                // opens a list as one after a dash does.
                if levels.last().is_some_and(|l| !l.is_empty()) {
                    push_level(&mut levels)?;
                }
                if let Some(l) = levels.last_mut() {
                    l.push(string_item(v.get(start..i).unwrap_or(""), true));
                }
                start = i;
                push_level(&mut levels)?;
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                if let Some(l) = levels.get_mut(cur) {
                    l.push(parse_item(true, v.get(start..i).unwrap_or("")));
                }
                start = i;
                push_level(&mut levels)?;
            }
            is_digit = false;
        }
    }
    if v.len() > start {
        // Treat a trailing ".X" as "-X" for any string qualifier X.
        if !is_digit && levels.last().is_some_and(|l| !l.is_empty()) {
            push_level(&mut levels)?;
        }
        if let Some(l) = levels.last_mut() {
            l.push(parse_item(is_digit, v.get(start..).unwrap_or("")));
        }
    }
    // Fold the chain innermost-first: normalize a level, then append it to
    // its parent as a nested list (where Maven added it when created).
    let mut inner: Option<Vec<Item>> = None;
    while let Some(mut level) = levels.pop() {
        if let Some(child) = inner.take() {
            level.push(Item::List(child));
        }
        normalize(&mut level);
        inner = Some(level);
    }
    Ok(MavenKey(inner.unwrap_or_default()))
}
