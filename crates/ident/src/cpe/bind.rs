//! Binding and unbinding: the formatted string (NISTIR 7695 6.2), the
//! 2.2 URI (6.1) and the `wfn:[...]` notation of section 5.

use super::error::{CpeError, ValueErrorKind};
use super::value::{
    assemble, is_alnum, is_printable, quoted_value, value_error, wfn_value, Unit, Value,
};
use super::{Attribute, Wfn};

const FS_PREFIX: &str = "cpe:2.3:";
const URI_PREFIX: &str = "cpe:/";

fn has_prefix(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

pub(super) fn is_fs(s: &str) -> bool {
    has_prefix(s, FS_PREFIX)
}

pub(super) fn is_uri(s: &str) -> bool {
    has_prefix(s, URI_PREFIX)
}

// ---------------------------------------------------------------------------
// Formatted string (NISTIR 7695 6.2)

/// `unbind_fs` (6.2.3.2).
pub(super) fn unbind_fs(s: &str) -> Result<Wfn, CpeError> {
    if !is_fs(s) {
        return Err(CpeError::UnknownPrefix);
    }
    let mut fields: [(usize, &str); 11] = [(0, ""); 11];
    let mut found = 0;
    let start = FS_PREFIX.len();
    let bytes = s.as_bytes();
    let mut field_start = start;
    let mut i = start;
    // get_comp_fs: the colon delimits fields unless quoted by a backslash.
    while i <= bytes.len() {
        match bytes.get(i) {
            Some(b'\\') => i = (i + 2).min(bytes.len()),
            Some(b':') | None => {
                let end = i.min(bytes.len());
                if let Some(slot) = fields.get_mut(found) {
                    *slot = (field_start, s.get(field_start..end).unwrap_or(""));
                }
                found += 1;
                field_start = i + 1;
                i += 1;
            }
            Some(_) => i += 1,
        }
    }
    if found != 11 {
        return Err(CpeError::FieldCount { found });
    }
    let mut w = Wfn::new();
    for (attribute, (offset, field)) in Attribute::ALL.into_iter().zip(fields) {
        w.set(attribute, unbind_value_fs(attribute, field, offset)?);
    }
    Ok(w)
}

/// `unbind_value_fs` and `add_quoting` (6.2.3.2).
fn unbind_value_fs(attribute: Attribute, field: &str, offset: usize) -> Result<Value, CpeError> {
    match field {
        "*" => return Ok(Value::Any),
        "-" => return Ok(Value::Na),
        _ => {}
    }
    quoted_value(attribute, field, offset, true)
}

/// `bind_to_fs` (6.2.2.2).
pub(super) fn bind_to_fs(w: &Wfn) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(FS_PREFIX);
    for (i, a) in Attribute::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        w.get(a).write_fs(&mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// URI (NISTIR 7695 6.1)

const URI_COMPONENTS: [Attribute; 7] = [
    Attribute::Part,
    Attribute::Vendor,
    Attribute::Product,
    Attribute::Version,
    Attribute::Update,
    Attribute::Edition,
    Attribute::Language,
];

const PACKED: [Attribute; 5] = [
    Attribute::Edition,
    Attribute::SwEdition,
    Attribute::TargetSw,
    Attribute::TargetHw,
    Attribute::Other,
];

/// `unbind_URI` (6.1.3.2).
pub(super) fn unbind_uri(s: &str) -> Result<Wfn, CpeError> {
    if !is_uri(s) {
        return Err(CpeError::UnknownPrefix);
    }
    let rest = s.get(URI_PREFIX.len()..).unwrap_or("");
    let found = rest.split(':').count();
    if found > URI_COMPONENTS.len() {
        return Err(CpeError::ComponentCount { found });
    }
    let mut w = Wfn::new();
    let mut offset = URI_PREFIX.len();
    for (attribute, comp) in URI_COMPONENTS.into_iter().zip(rest.split(':')) {
        if attribute == Attribute::Edition && comp.starts_with('~') {
            unpack(&mut w, comp, offset)?;
        } else {
            w.set(attribute, decode(attribute, comp, offset)?);
        }
        offset += comp.len() + 1;
    }
    Ok(w)
}

/// `unpack` (6.1.3.2): `~edition~sw_edition~target_sw~target_hw~other`,
/// where `other` keeps any further tildes as data.
fn unpack(w: &mut Wfn, comp: &str, offset: usize) -> Result<(), CpeError> {
    let inner = comp.get(1..).unwrap_or("");
    let found = inner.splitn(5, '~').count();
    if found != 5 {
        return Err(CpeError::PackedEdition {
            position: offset,
            found,
        });
    }
    let mut pos = offset + 1;
    for (attribute, part) in PACKED.into_iter().zip(inner.splitn(5, '~')) {
        w.set(attribute, decode(attribute, part, pos)?);
        pos += part.len() + 1;
    }
    Ok(())
}

/// Characters of the URI binding's percent-encoded forms (the inverse of
/// `pct_encode`, 6.1.2.3).
fn pct_decode(code: u8) -> Option<char> {
    match code {
        0x21..=0x2c | 0x2f | 0x3a..=0x3f | 0x40 | 0x5b..=0x5e | 0x60 | 0x7b..=0x7e => {
            Some(char::from(code))
        }
        _ => None,
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `decode` (6.1.3.2): blank is ANY, `-` is NA; letters are lowercased;
/// `%01` and `%02` are the special characters.
fn decode(attribute: Attribute, comp: &str, offset: usize) -> Result<Value, CpeError> {
    match comp {
        "" => return Ok(Value::Any),
        "-" => return Ok(Value::Na),
        _ => {}
    }
    let bytes = comp.as_bytes();
    let mut units = Vec::with_capacity(comp.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let pos = offset + i;
        if b == b'%' {
            let code = match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => h * 16 + l,
                _ => {
                    return Err(value_error(
                        attribute,
                        pos,
                        Some('%'),
                        ValueErrorKind::IllegalPercentEncoding,
                    ))
                }
            };
            let unit = match code {
                0x01 => Unit::Question,
                0x02 => Unit::Asterisk,
                _ => match pct_decode(code) {
                    Some(c) => Unit::Lit(c),
                    None => {
                        return Err(value_error(
                            attribute,
                            pos,
                            Some('%'),
                            ValueErrorKind::IllegalPercentEncoding,
                        ))
                    }
                },
            };
            units.push((pos, unit));
            i += 3;
            continue;
        }
        let c = match comp.get(i..).and_then(|r| r.chars().next()) {
            Some(c) => c,
            None => break,
        };
        match c {
            c if is_alnum(c) || c == '.' || c == '-' || c == '~' => {
                units.push((pos, Unit::Lit(c.to_ascii_lowercase())));
            }
            c if is_printable(c) => {
                return Err(value_error(
                    attribute,
                    pos,
                    Some(c),
                    ValueErrorKind::UnencodedCharacter,
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
        }
        i += c.len_utf8();
    }
    assemble(attribute, offset, &units)
}

/// `bind_to_URI` (6.1.2.3).
pub(super) fn bind_to_uri(w: &Wfn) -> String {
    let mut out = String::with_capacity(48);
    out.push_str(URI_PREFIX);
    for a in URI_COMPONENTS {
        if a == Attribute::Edition {
            // pack(): only when an extended attribute is not blank (ANY).
            let extended = [
                Attribute::SwEdition,
                Attribute::TargetSw,
                Attribute::TargetHw,
                Attribute::Other,
            ];
            if extended.iter().all(|&e| *w.get(e) == Value::Any) {
                w.get(a).write_uri(&mut out);
            } else {
                for p in PACKED {
                    out.push('~');
                    w.get(p).write_uri(&mut out);
                }
            }
        } else {
            w.get(a).write_uri(&mut out);
        }
        out.push(':');
    }
    // trim(): drop trailing colons.
    let kept = out.trim_end_matches(':').len();
    out.truncate(kept.max(URI_PREFIX.len()));
    out
}

// ---------------------------------------------------------------------------
// wfn:[...] notation (NISTIR 7695 5.1)

pub(super) fn parse_wfn_notation(s: &str) -> Result<Wfn, CpeError> {
    let syntax = |position: usize, what: &'static str| CpeError::WfnSyntax { position, what };
    let bytes = s.as_bytes();
    let mut i = s
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("wfn:["))
        .map(|_| 5)
        .ok_or(CpeError::UnknownPrefix)?;
    let skip_ws = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        i
    };
    let mut w = Wfn::new();
    let mut seen = [false; 11];
    i = skip_ws(i);
    if bytes.get(i) == Some(&b']') {
        return tail(s, i + 1).map(|()| w);
    }
    loop {
        i = skip_ws(i);
        let name_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        let name = s.get(name_start..i).unwrap_or("");
        let attribute =
            Attribute::from_name(name).ok_or(syntax(name_start, "unknown attribute"))?;
        let slot = seen
            .get_mut(attribute.index())
            .ok_or(syntax(name_start, "unknown attribute"))?;
        if *slot {
            return Err(syntax(name_start, "attribute given twice"));
        }
        *slot = true;
        i = skip_ws(i);
        if bytes.get(i) != Some(&b'=') {
            return Err(syntax(i, "expected '='"));
        }
        i = skip_ws(i + 1);
        let value = if bytes.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            loop {
                match bytes.get(j) {
                    Some(b'\\') => j += 2,
                    Some(b'"') => break,
                    Some(_) => j += 1,
                    None => return Err(syntax(i, "unterminated value string")),
                }
            }
            let text = s
                .get(start..j)
                .ok_or(syntax(start, "unterminated value string"))?;
            i = j + 1;
            wfn_value(attribute, text, start)?
        } else if s.get(i..i + 3) == Some("ANY") {
            i += 3;
            Value::Any
        } else if s.get(i..i + 2) == Some("NA") {
            i += 2;
            Value::Na
        } else {
            return Err(syntax(i, "expected ANY, NA or a quoted value string"));
        };
        w.set(attribute, value);
        i = skip_ws(i);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b']') => return tail(s, i + 1).map(|()| w),
            _ => return Err(syntax(i, "expected ',' or ']'")),
        }
    }
}

fn tail(s: &str, i: usize) -> Result<(), CpeError> {
    if s.get(i..).is_some_and(|r| r.trim().is_empty()) {
        Ok(())
    } else {
        Err(CpeError::WfnSyntax {
            position: i,
            what: "text after ']'",
        })
    }
}

pub(super) fn to_wfn_notation(w: &Wfn) -> String {
    let mut out = String::from("wfn:[");
    for (i, a) in Attribute::ALL.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(a.name());
        out.push('=');
        out.push_str(&w.get(a).to_wfn_notation());
    }
    out.push(']');
    out
}
