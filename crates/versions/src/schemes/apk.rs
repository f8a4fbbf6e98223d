//! Alpine apk-tools version order (`apk_version_compare`): numbers,
//! one letter, `_alpha`/`_beta`/`_pre`/`_rc` (before the release) and
//! `_cvs`/`_svn`/`_git`/`_hg`/`_p` (after it) suffixes, then `-rN`.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    Invalid = -1,
    DigitOrZero = 0,
    Digit = 1,
    Letter = 2,
    Suffix = 3,
    SuffixNo = 4,
    RevisionNo = 5,
    End = 6,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &[u8] {
        self.s.get(self.pos..).unwrap_or(&[])
    }
    fn peek(&self, k: usize) -> Option<u8> {
        self.s.get(self.pos + k).copied()
    }
}

/// apk-tools `next_token`.
fn next_token(t: &mut Tok, c: &mut Cursor) {
    let mut n = Tok::Invalid;
    match c.peek(0) {
        None | Some(0) => n = Tok::End,
        Some(ch) => {
            if (*t == Tok::Digit || *t == Tok::DigitOrZero) && ch.is_ascii_lowercase() {
                n = Tok::Letter;
            } else if *t == Tok::Letter && ch.is_ascii_digit() {
                n = Tok::Digit;
            } else if *t == Tok::Suffix && ch.is_ascii_digit() {
                n = Tok::SuffixNo;
            } else {
                match ch {
                    b'.' => n = Tok::DigitOrZero,
                    b'_' => n = Tok::Suffix,
                    b'-' if c.peek(1) == Some(b'r') => {
                        n = Tok::RevisionNo;
                        c.pos += 1;
                    }
                    _ => {}
                }
                c.pos += 1;
            }
        }
    }
    if n < *t
        && !((n == Tok::DigitOrZero && *t == Tok::Digit)
            || (n == Tok::Suffix && *t == Tok::SuffixNo)
            || (n == Tok::Digit && *t == Tok::Letter))
    {
        n = Tok::Invalid;
    }
    *t = n;
}

/// apk-tools `get_token`; numbers saturate instead of overflowing.
fn get_token(t: &mut Tok, c: &mut Cursor) -> i128 {
    if c.rest().is_empty() {
        *t = Tok::End;
        return 0;
    }
    let mut v: i128 = 0;
    let mut i = 0usize;
    let mut nt = Tok::Invalid;
    let digits = |c: &Cursor, i: &mut usize, v: &mut i128| {
        while let Some(d) = c.peek(*i).filter(u8::is_ascii_digit) {
            *v = v.saturating_mul(10).saturating_add(i128::from(d - b'0'));
            *i += 1;
        }
    };
    match *t {
        Tok::DigitOrZero if c.peek(0) == Some(b'0') => {
            // Leading zeros: the fewer zeros, the greater (1.01 < 1.1... as
            // apk-tools counts them negatively).
            while c.peek(i) == Some(b'0') {
                i += 1;
            }
            nt = Tok::Digit;
            v = -(i as i128);
        }
        Tok::DigitOrZero | Tok::Digit | Tok::SuffixNo | Tok::RevisionNo => {
            digits(c, &mut i, &mut v);
        }
        Tok::Letter => {
            v = i128::from(c.peek(0).unwrap_or(0));
            i = 1;
        }
        Tok::Suffix => {
            let rest = c.rest();
            if let Some(k) = PRE_SUFFIXES
                .iter()
                .position(|p| rest.starts_with(p.as_bytes()))
            {
                v = k as i128 - PRE_SUFFIXES.len() as i128;
                i = PRE_SUFFIXES.get(k).map_or(0, |p| p.len());
            } else if let Some(k) = POST_SUFFIXES
                .iter()
                .position(|p| rest.starts_with(p.as_bytes()))
            {
                v = k as i128;
                i = POST_SUFFIXES.get(k).map_or(0, |p| p.len());
            } else {
                *t = Tok::Invalid;
                return -1;
            }
        }
        _ => {
            *t = Tok::Invalid;
            return -1;
        }
    }
    c.pos += i;
    if c.rest().is_empty() {
        *t = Tok::End;
    } else if nt != Tok::Invalid {
        *t = nt;
    } else {
        next_token(t, c);
    }
    v
}

/// apk-tools `apk_version_compare_blob`.
fn compare(a: &str, b: &str) -> Ordering {
    let mut ca = Cursor {
        s: a.as_bytes(),
        pos: 0,
    };
    let mut cb = Cursor {
        s: b.as_bytes(),
        pos: 0,
    };
    let (mut at, mut bt) = (Tok::Digit, Tok::Digit);
    let (mut av, mut bv) = (0i128, 0i128);
    while at == bt && at != Tok::End && at != Tok::Invalid && av == bv {
        av = get_token(&mut at, &mut ca);
        bv = get_token(&mut bt, &mut cb);
    }
    if av != bv {
        return av.cmp(&bv);
    }
    if at == bt {
        return Ordering::Equal;
    }
    // Equal so far: the longer one is greater unless what it has left is
    // a pre-release suffix.
    let mut tt = at;
    if at == Tok::Suffix && get_token(&mut tt, &mut ca) < 0 {
        return Ordering::Less;
    }
    let mut tt = bt;
    if bt == Tok::Suffix && get_token(&mut tt, &mut cb) < 0 {
        return Ordering::Greater;
    }
    bt.cmp(&at)
}

/// apk-tools `apk_version_validate`.
fn validate(s: &str) -> bool {
    let mut c = Cursor {
        s: s.as_bytes(),
        pos: 0,
    };
    let mut t = Tok::Digit;
    while t != Tok::End && t != Tok::Invalid {
        get_token(&mut t, &mut c);
    }
    t == Tok::End
}

#[derive(Debug, Clone)]
pub(crate) struct ApkKey(String);

impl PartialEq for ApkKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ApkKey {}
impl Ord for ApkKey {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}
impl PartialOrd for ApkKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub(crate) fn parse(s: &str) -> Result<ApkKey, String> {
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("must start with a digit".into());
    }
    if !validate(s) {
        return Err("not an apk version (digits{.digits}[letter]{_suffix[N]}[-rN])".into());
    }
    Ok(ApkKey(s.to_string()))
}
