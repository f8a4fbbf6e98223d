//! The fallback order for schemes with no exact rules here: runs of
//! digits compare as numbers, runs of letters case-insensitively, other
//! characters only separate. A number beats a word at the same place; a
//! trailing word (`1.0rc1`) sorts before the end (`1.0`), a trailing
//! non-zero number after it. It is a heuristic, and says so.

use crate::num::{all_digits, Num};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(Num),
    Word(String),
}

fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut digit = false;
    let flush = |cur: &mut String, digit: bool, out: &mut Vec<Tok>| {
        if !cur.is_empty() {
            out.push(if digit {
                Tok::Num(Num::new(cur))
            } else {
                Tok::Word(cur.to_lowercase())
            });
            cur.clear();
        }
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !digit {
                flush(&mut cur, digit, &mut out);
            }
            digit = true;
            cur.push(c);
        } else if c.is_alphabetic() {
            if digit {
                flush(&mut cur, digit, &mut out);
            }
            digit = false;
            cur.push(c);
        } else {
            flush(&mut cur, digit, &mut out);
        }
    }
    flush(&mut cur, digit, &mut out);
    out
}

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (ta, tb) = (tokens(a), tokens(b));
    let n = ta.len().max(tb.len());
    for i in 0..n {
        let o = match (ta.get(i), tb.get(i)) {
            (Some(Tok::Num(x)), Some(Tok::Num(y))) => x.cmp(y),
            (Some(Tok::Word(x)), Some(Tok::Word(y))) => x.cmp(y),
            (Some(Tok::Num(_)), Some(Tok::Word(_))) => Ordering::Greater,
            (Some(Tok::Word(_)), Some(Tok::Num(_))) => Ordering::Less,
            (Some(Tok::Num(x)), None) => {
                if x.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (None, Some(Tok::Num(y))) => {
                if y.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Less
                }
            }
            (Some(Tok::Word(_)), None) => Ordering::Less,
            (None, Some(Tok::Word(_))) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

pub(crate) fn check(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("empty version".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!("control character {c:?} in version"));
    }
    Ok(())
}

/// nginx: dot-separated numbers only.
pub(crate) fn check_dotted(s: &str) -> Result<(), String> {
    if s.split('.').all(all_digits) {
        Ok(())
    } else {
        Err("expected dot-separated numbers".into())
    }
}
