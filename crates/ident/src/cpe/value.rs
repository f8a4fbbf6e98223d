//! Attribute values of a well-formed name (NISTIR 7695 5.3).

use std::fmt::Write as _;

use super::error::{CpeError, ValueErrorKind};
use super::Attribute;

/// Unquoted special characters at one end of a value string
/// (NISTIR 7695 5.3.2 item 4; NISTIR 7696 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Wildcard {
    /// No special character at this end.
    #[default]
    None,
    /// One unquoted `*`: zero or more characters.
    Asterisk,
    /// A run of this many unquoted `?`: each zero or one character
    /// (NISTIR 7696 6.3).
    Questions(usize),
}

impl Wildcard {
    /// Whether `n` characters of a target may stand at this end.
    #[inline]
    pub fn admits(self, n: usize) -> bool {
        match self {
            Wildcard::None => n == 0,
            Wildcard::Asterisk => true,
            Wildcard::Questions(k) => n <= k,
        }
    }

    fn write(self, out: &mut String, question: &str, asterisk: &str) {
        match self {
            Wildcard::None => {}
            Wildcard::Asterisk => out.push_str(asterisk),
            Wildcard::Questions(k) => {
                for _ in 0..k {
                    out.push_str(question);
                }
            }
        }
    }
}

/// A value string: the characters it stands for, unquoted, with the
/// unquoted special characters at either end kept apart.
///
/// Quoting is not stored: in a WFN every non-alphanumeric character other
/// than an unquoted `*` or `?` is quoted (NISTIR 7695 5.3.2), so the
/// characters alone fix the quoted form, and each binding re-derives its
/// own escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AvString {
    prefix: Wildcard,
    body: Box<str>,
    suffix: Wildcard,
}

impl AvString {
    /// The unquoted special characters before the body.
    pub fn prefix(&self) -> Wildcard {
        self.prefix
    }

    /// The characters between the wildcards, unquoted (`8.0.6001`, not
    /// `8\.0\.6001`). A `*` or `?` here is a literal character.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The unquoted special characters after the body.
    pub fn suffix(&self) -> Wildcard {
        self.suffix
    }

    /// Whether the value holds an unquoted `*` or `?`.
    pub fn has_wildcards(&self) -> bool {
        self.prefix != Wildcard::None || self.suffix != Wildcard::None
    }

    fn lowercased(&self) -> AvString {
        AvString {
            prefix: self.prefix,
            body: self.body.to_ascii_lowercase().into_boxed_str(),
            suffix: self.suffix,
        }
    }

    /// The WFN form: quoted, without the surrounding double quotes
    /// (e.g. `8\.*`).
    pub fn to_wfn_form(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 4);
        self.prefix.write(&mut out, "?", "*");
        for c in self.body.chars() {
            if !is_alnum(c) {
                out.push('\\');
            }
            out.push(c);
        }
        self.suffix.write(&mut out, "?", "*");
        out
    }

    /// `bind_value_for_fs` / `process_quoted_chars` (NISTIR 7695 6.2.2.2).
    pub(super) fn write_fs(&self, out: &mut String) {
        self.prefix.write(out, "?", "*");
        for c in self.body.chars() {
            if !(is_alnum(c) || c == '-' || c == '.') {
                out.push('\\');
            }
            out.push(c);
        }
        self.suffix.write(out, "?", "*");
    }

    /// `transform_for_uri` / `pct_encode` (NISTIR 7695 6.1.2.3).
    pub(super) fn write_uri(&self, out: &mut String) {
        self.prefix.write(out, "%01", "%02");
        for c in self.body.chars() {
            if is_alnum(c) || c == '-' || c == '.' {
                out.push(c);
            } else {
                // Body characters are printable ASCII (checked on entry), and
                // every printable non-alphanumeric has a %xx form in the
                // table of NISTIR 7695 6.1.2.3 `pct_encode`.
                let _ = write!(out, "%{:02x}", u32::from(c));
            }
        }
        self.suffix.write(out, "%01", "%02");
    }
}

/// The value of one WFN attribute (NISTIR 7695 5.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// The logical value ANY (5.3.1); also the value of an unspecified
    /// attribute.
    #[default]
    Any,
    /// The logical value NA, "not applicable" (5.3.1).
    Na,
    /// A value string (5.3.2).
    Str(AvString),
}

impl Value {
    /// A value string holding `text` literally: every character is data,
    /// so `*` and `?` in it are not wildcards. For building names from
    /// discovered data (a version number, a product name).
    pub fn literal(attribute: Attribute, text: &str) -> Result<Value, CpeError> {
        let mut units = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            if !is_printable(c) {
                return Err(value_error(
                    attribute,
                    i,
                    Some(c),
                    ValueErrorKind::NotPrintableAscii,
                ));
            }
            units.push((i, Unit::Lit(c)));
        }
        assemble(attribute, 0, &units)
    }

    /// A value from its WFN form, as printed inside the double quotes of
    /// `wfn:[...]` notation (e.g. `8\.*`), checked against the grammar of
    /// NISTIR 7695 Figure 5-1; or `ANY` / `NA`.
    pub fn from_wfn_form(attribute: Attribute, text: &str) -> Result<Value, CpeError> {
        match text {
            "ANY" => Ok(Value::Any),
            "NA" => Ok(Value::Na),
            _ => wfn_value(attribute, text, 0),
        }
    }

    /// The value string, when this is not a logical value.
    pub fn as_str(&self) -> Option<&AvString> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The characters of a value string without wildcards: what a concrete
    /// name holds (a component's version, to compare against NVD version
    /// ranges). `None` for ANY, NA and patterns.
    pub fn literal_text(&self) -> Option<&str> {
        match self {
            Value::Str(s) if !s.has_wildcards() => Some(s.body()),
            _ => None,
        }
    }

    /// This value with ASCII letters lowercased. Matching ignores case
    /// anyway (NISTIR 7696 6.1); this is for storing or comparing names
    /// as keys.
    pub fn normalized(&self) -> Value {
        match self {
            Value::Str(s) => Value::Str(s.lowercased()),
            other => other.clone(),
        }
    }

    pub(super) fn write_fs(&self, out: &mut String) {
        match self {
            Value::Any => out.push('*'),
            Value::Na => out.push('-'),
            Value::Str(s) => s.write_fs(out),
        }
    }

    pub(super) fn write_uri(&self, out: &mut String) {
        match self {
            Value::Any => {}
            Value::Na => out.push('-'),
            Value::Str(s) => s.write_uri(out),
        }
    }

    /// The WFN notation of this value: `ANY`, `NA` or `"quoted"`.
    pub fn to_wfn_notation(&self) -> String {
        match self {
            Value::Any => "ANY".to_owned(),
            Value::Na => "NA".to_owned(),
            Value::Str(s) => format!("\"{}\"", s.to_wfn_form()),
        }
    }
}

/// Letters, digits and underscore: the characters that are never quoted
/// (NISTIR 7695 6.1.2.3 `is_alphanum`).
#[inline]
pub(super) fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Printable ASCII without space (x21-x7e).
#[inline]
pub(super) fn is_printable(c: char) -> bool {
    c.is_ascii_graphic()
}

pub(super) fn value_error(
    attribute: Attribute,
    position: usize,
    character: Option<char>,
    kind: ValueErrorKind,
) -> CpeError {
    CpeError::Value {
        attribute,
        position,
        character,
        kind,
    }
}

/// One logical character of a value as a binding spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    /// A character standing for itself.
    Lit(char),
    /// An unquoted `?`.
    Question,
    /// An unquoted `*`.
    Asterisk,
}

/// Builds a value string from its characters, checking where the special
/// characters stand (NISTIR 7695 5.3.2 item 4 and 6; NISTIR 7696 5.2).
/// `start` is the byte offset of the value, for errors about it as a whole.
pub(super) fn assemble(
    attribute: Attribute,
    start: usize,
    units: &[(usize, Unit)],
) -> Result<Value, CpeError> {
    let err = |pos: usize, c: Option<char>, kind| Err(value_error(attribute, pos, c, kind));
    if units.is_empty() {
        return err(start, None, ValueErrorKind::Empty);
    }
    let mut lo = 0;
    let mut hi = units.len();
    let prefix = match units.first() {
        Some((_, Unit::Asterisk)) => {
            lo = 1;
            Wildcard::Asterisk
        }
        _ => {
            while matches!(units.get(lo), Some((_, Unit::Question))) {
                lo += 1;
            }
            if lo > 0 {
                Wildcard::Questions(lo)
            } else {
                Wildcard::None
            }
        }
    };
    let suffix = if hi > lo && matches!(units.last(), Some((_, Unit::Asterisk))) {
        hi -= 1;
        Wildcard::Asterisk
    } else {
        let mut n = 0;
        while hi > lo && matches!(units.get(hi - 1), Some((_, Unit::Question))) {
            hi -= 1;
            n += 1;
        }
        if n > 0 {
            Wildcard::Questions(n)
        } else {
            Wildcard::None
        }
    };
    let mut body = String::with_capacity(hi.saturating_sub(lo));
    for &(pos, unit) in units.get(lo..hi).unwrap_or_default() {
        match unit {
            Unit::Lit(c) => body.push(c),
            Unit::Question => return err(pos, Some('?'), ValueErrorKind::EmbeddedWildcard),
            Unit::Asterisk => return err(pos, Some('*'), ValueErrorKind::EmbeddedWildcard),
        }
    }
    if body.is_empty() && prefix == Wildcard::Asterisk {
        match suffix {
            // A lone unquoted "*" is the multi-character ANY (NISTIR 7696 5.1,
            // 5.2), which is how every binding spells the logical ANY.
            Wildcard::None => return Ok(Value::Any),
            // "**": NISTIR 7695 5.3.2 item 4 forbids repeating it.
            Wildcard::Asterisk => return err(start, Some('*'), ValueErrorKind::BadAsterisk),
            // "*?" and "*??" fit the grammar of Figure 5-1.
            Wildcard::Questions(_) => {}
        }
    }
    if body == "-" && !units.iter().any(|(_, u)| *u != Unit::Lit('-')) {
        return err(start, Some('-'), ValueErrorKind::LoneQuotedHyphen);
    }
    if attribute == Attribute::Part
        && (prefix != Wildcard::None
            || suffix != Wildcard::None
            || !matches!(body.as_str(), "a" | "o" | "h" | "A" | "O" | "H"))
    {
        return err(start, None, ValueErrorKind::InvalidPart);
    }
    if attribute == Attribute::Language
        && (prefix != Wildcard::None || suffix != Wildcard::None || !is_language_tag(&body))
    {
        return err(start, None, ValueErrorKind::InvalidLanguage);
    }
    Ok(Value::Str(AvString {
        prefix,
        body: body.into_boxed_str(),
        suffix,
    }))
}

/// `LANGTAG = language ["-" region]`, `language = 2*3ALPHA`,
/// `region = 2ALPHA / 3DIGIT` (NISTIR 7695 Figures 6-2 and 6-3).
fn is_language_tag(s: &str) -> bool {
    let (language, region) = match s.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (s, None),
    };
    let alpha = |t: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphabetic())
    };
    alpha(language, 2..=3)
        && region.is_none_or(|r| {
            alpha(r, 2..=2) || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// A value in WFN form (Figure 5-1): `\` quotes the next character, `*` and
/// `?` are special, other punctuation must be quoted. `offset` is the byte
/// offset of `text` in the whole input, for errors.
pub(super) fn wfn_value(
    attribute: Attribute,
    text: &str,
    offset: usize,
) -> Result<Value, CpeError> {
    quoted_value(attribute, text, offset, false)
}

/// The scanner shared by WFN values and formatted-string fields: `\` quotes
/// the next printable character, `*` and `?` are special. An unquoted
/// punctuation character is a literal when `punctuation_literal` (the
/// formatted string's `add_quoting`, 6.2.3.2) and an error otherwise (WFN).
pub(super) fn quoted_value(
    attribute: Attribute,
    text: &str,
    offset: usize,
    punctuation_literal: bool,
) -> Result<Value, CpeError> {
    let mut units = Vec::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        let pos = offset + i;
        let unit = match c {
            '\\' => match chars.next() {
                Some((_, q)) if is_printable(q) => Unit::Lit(q),
                Some((j, q)) => {
                    return Err(value_error(
                        attribute,
                        offset + j,
                        Some(q),
                        ValueErrorKind::NotPrintableAscii,
                    ))
                }
                None => {
                    return Err(value_error(
                        attribute,
                        pos,
                        Some('\\'),
                        ValueErrorKind::DanglingEscape,
                    ))
                }
            },
            '*' => Unit::Asterisk,
            '?' => Unit::Question,
            c if is_alnum(c) => Unit::Lit(c),
            c if is_printable(c) && punctuation_literal => Unit::Lit(c),
            c if is_printable(c) => {
                return Err(value_error(
                    attribute,
                    pos,
                    Some(c),
                    ValueErrorKind::UnquotedPunctuation,
                ))
            }
            c => {
                return Err(value_error(
                    attribute,
                    pos,
                    Some(c),
                    ValueErrorKind::NotPrintableAscii,
                ))
            }
        };
        units.push((pos, unit));
    }
    assemble(attribute, offset, &units)
}
