//! Debian dpkg: `[epoch:]upstream[-revision]`, validated as dpkg's
//! `parseversion` does and compared with its `verrevcmp`.

use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) struct DebKey {
    epoch: u32,
    upstream: String,
    revision: String,
}

impl PartialEq for DebKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for DebKey {}
impl Ord for DebKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}
impl PartialOrd for DebKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's `order()`: `~` first, then the end, letters, then other chars.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit runs (compared with `order`)
/// and digit runs (compared as numbers).
pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(|c| c.is_ascii_digit());
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a.get(i).cmp(&b.get(j));
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// dpkg's `parseversion`, with its warnings ("does not start with digit",
/// "invalid character") treated as errors, as dpkg reports them as bad
/// syntax too.
pub(crate) fn parse(s: &str) -> Result<DebKey, String> {
    let t = s.trim_start_matches([' ', '\t']);
    let end = t.find(|c: char| c.is_ascii_whitespace()).unwrap_or(t.len());
    let (t, tail) = t.split_at(end);
    if !tail
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .is_empty()
    {
        return Err("version string has embedded spaces".into());
    }
    if t.is_empty() {
        return Err("version string is empty".into());
    }
    let (epoch, rest) = match t.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() {
                return Err("epoch in version is empty".into());
            }
            if !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err("epoch in version is not number".into());
            }
            let epoch = e
                .parse::<u32>()
                .ok()
                .filter(|v| i32::try_from(*v).is_ok())
                .ok_or("epoch in version is too big")?;
            if rest.is_empty() {
                return Err("nothing after colon in version number".into());
            }
            (epoch, rest)
        }
        None => (0, t),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => {
            if r.is_empty() {
                return Err("revision number is empty".into());
            }
            (u, r)
        }
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err("version number is empty".into());
    }
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("version number does not start with digit".into());
    }
    if let Some(c) = upstream
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !".-+~:".contains(*c))
    {
        return Err(format!("invalid character {c:?} in version number"));
    }
    if let Some(c) = revision
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !".+~".contains(*c))
    {
        return Err(format!("invalid character {c:?} in revision number"));
    }
    Ok(DebKey {
        epoch,
        upstream: upstream.to_string(),
        revision: revision.to_string(),
    })
}
