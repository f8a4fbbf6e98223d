//! Errors raised while reading CPE names.

use super::Attribute;

/// What was wrong with one attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueErrorKind {
    /// The value is empty where the binding has no empty form
    /// (NISTIR 7695 5.3.2: value strings are non-empty).
    Empty,
    /// A character outside printable ASCII (x21-x7e) (NISTIR 7695 5.3.2).
    NotPrintableAscii,
    /// A backslash at the very end of a value, quoting nothing.
    DanglingEscape,
    /// An unquoted `*` or `?` (or `%02` / `%01` in a URI) inside the value
    /// rather than at its beginning or end (NISTIR 7695 5.3.2 item 4).
    EmbeddedWildcard,
    /// `**`: NISTIR 7695 5.3.2 item 4, the asterisk "MUST NOT be used more
    /// than once in sequence".
    BadAsterisk,
    /// A quoted hyphen alone (NISTIR 7695 5.3.2 item 6); it would bind to NA.
    LoneQuotedHyphen,
    /// A WFN value string with an unquoted punctuation character
    /// (NISTIR 7695 5.3.2 item 5).
    UnquotedPunctuation,
    /// A URI component with a non-alphanumeric character that is not
    /// percent-encoded (NISTIR 7695 6.1.3: a robust unbinder checks this).
    UnencodedCharacter,
    /// A percent-encoded form the URI binding does not allow
    /// (NISTIR 7695 6.1.3.2 `decode`, example 6.1.3.3.6).
    IllegalPercentEncoding,
    /// `part` must be `a`, `o`, `h`, ANY or NA (NISTIR 7695 5.3.3.1).
    InvalidPart,
    /// `language` must be a language tag, `language ["-" region]` with
    /// 2-3 letters and 2 letters or 3 digits (NISTIR 7695 5.3.3.10 and the
    /// LANGTAG rule of Figures 6-2 and 6-3).
    InvalidLanguage,
}

impl ValueErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Empty => "empty value",
            Self::NotPrintableAscii => "character outside printable ASCII",
            Self::DanglingEscape => "backslash at the end quotes nothing",
            Self::EmbeddedWildcard => "wildcard not at the beginning or end of the value",
            Self::BadAsterisk => "asterisk repeated",
            Self::LoneQuotedHyphen => "a quoted hyphen alone is not a value",
            Self::UnquotedPunctuation => "punctuation must be quoted with a backslash",
            Self::UnencodedCharacter => "punctuation must be percent-encoded",
            Self::IllegalPercentEncoding => "percent-encoded form not allowed in a CPE URI",
            Self::InvalidPart => "part must be a, o, h, ANY or NA",
            Self::InvalidLanguage => "language must be a tag like \"en\" or \"en-us\"",
        }
    }
}

/// An error reading a CPE name. Positions are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpeError {
    /// The input starts with neither `cpe:2.3:` nor `cpe:/` (nor `wfn:[`).
    #[error("not a CPE name: expected it to start with \"cpe:2.3:\" or \"cpe:/\"")]
    UnknownPrefix,
    /// A formatted string without exactly eleven attribute fields.
    #[error("CPE 2.3 formatted string has {found} attribute fields, expected 11")]
    FieldCount {
        /// How many colon-separated fields followed `cpe:2.3:`.
        found: usize,
    },
    /// A URI with more than seven components.
    #[error("CPE URI has {found} components, at most 7 are allowed")]
    ComponentCount {
        /// How many colon-separated components followed `cpe:/`.
        found: usize,
    },
    /// A packed URI edition (`~ed~sw_ed~t_sw~t_hw~oth`) without five fields.
    #[error("packed edition at byte {position} has {found} fields, expected 5")]
    PackedEdition {
        /// Byte offset of the edition component.
        position: usize,
        /// How many tilde-separated fields it has.
        found: usize,
    },
    /// One attribute value is malformed.
    #[error("{attribute}: {} at byte {position}{}", kind.describe(), show_char(*character))]
    Value {
        /// The attribute whose value is malformed.
        attribute: Attribute,
        /// Byte offset of the offending character (or of the value).
        position: usize,
        /// The offending character, when there is one.
        character: Option<char>,
        /// What was wrong.
        kind: ValueErrorKind,
    },
    /// Malformed `wfn:[...]` notation.
    #[error("WFN notation: {what} at byte {position}")]
    WfnSyntax {
        /// Byte offset of the problem.
        position: usize,
        /// What was expected or found.
        what: &'static str,
    },
}

fn show_char(c: Option<char>) -> String {
    match c {
        Some(c) if c.is_ascii_graphic() => format!(" ('{c}')"),
        Some(c) => format!(" ({})", c.escape_unicode()),
        None => String::new(),
    }
}
