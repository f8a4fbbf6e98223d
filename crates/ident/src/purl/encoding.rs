//! Percent-encoding as the purl specification defines it (ECMA-427, 5.4).

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::error::{Component, ErrorKind, PurlError};

/// Bytes that are percent-encoded inside a component: everything except the
/// alphanumerics, the punctuation `.-_~` and the colon, which the
/// specification says is never encoded. Separators used as data are encoded.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~')
    .remove(b':');

/// Writes `s` percent-encoded (upper-case hex, UTF-8 first).
pub(crate) fn write_encoded(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    for chunk in utf8_percent_encode(s, ENCODE) {
        f.write_str(chunk)?;
    }
    Ok(())
}

/// Percent-decodes `s`. A `%` not followed by two hex digits is an error,
/// or, when `lenient`, kept as a literal `%`. Decoded bytes must be UTF-8.
pub(crate) fn decode(
    s: &str,
    component: Component,
    lenient: bool,
) -> Result<Cow<'_, str>, PurlError> {
    if !s.contains('%') {
        return Ok(Cow::Borrowed(s));
    }
    if !lenient {
        let bytes = s.as_bytes();
        for (i, _) in s.match_indices('%') {
            let valid = matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(a), Some(b)) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit()
            );
            if !valid {
                return Err(PurlError::new(
                    component,
                    ErrorKind::InvalidPercentEncoding,
                    format!("'%' at byte {i} of {s:?} is not followed by two hexadecimal digits"),
                ));
            }
        }
    }
    percent_decode_str(s).decode_utf8().map_err(|_| {
        PurlError::new(
            component,
            ErrorKind::InvalidUtf8,
            format!("{s:?} percent-decodes to bytes that are not UTF-8"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = String::new();
        write_encoded(&mut out, s).unwrap_or_default();
        out
    }

    #[test]
    fn encodes_separators_but_never_the_colon() {
        assert_eq!(
            enc("https://a.b/c?d=e&f#g"),
            "https:%2F%2Fa.b%2Fc%3Fd%3De%26f%23g"
        );
        assert_eq!(enc("a b+c@d,e"), "a%20b%2Bc%40d%2Ce");
        assert_eq!(enc("A-z_0.9~"), "A-z_0.9~");
        assert_eq!(enc("é"), "%C3%A9");
    }

    #[test]
    fn decoding_checks_escapes_unless_lenient() {
        assert_eq!(
            decode("a%2Fb", Component::Name, false).ok().as_deref(),
            Some("a/b")
        );
        let err = decode("100%", Component::Version, false).err();
        assert_eq!(
            err.map(|e| e.kind()),
            Some(ErrorKind::InvalidPercentEncoding)
        );
        assert_eq!(
            decode("100%", Component::Version, true).ok().as_deref(),
            Some("100%")
        );
        let err = decode("%FF", Component::Name, true).err();
        assert_eq!(err.map(|e| e.kind()), Some(ErrorKind::InvalidUtf8));
    }
}
