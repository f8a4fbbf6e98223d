//! CPE 2.3 naming (NISTIR 7695) and name matching (NISTIR 7696).
//!
//! A [`Wfn`] is the well-formed name of NISTIR 7695 section 5: eleven
//! attributes, each ANY, NA or a value string. It is read from and written
//! to both bindings:
//!
//! * the formatted string `cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*`
//!   ([`Wfn::parse_fs`], [`Wfn::to_fs`]; section 6.2),
//! * the CPE 2.2 URI `cpe:/a:vendor:product:1.0` with its percent-encoding,
//!   `%01`/`%02` special characters and packed `~` edition
//!   ([`Wfn::parse_uri`], [`Wfn::to_uri`]; section 6.1),
//!
//! and to the `wfn:[...]` notation used in the specifications.
//! [`Wfn::matches`] and the other comparisons follow NISTIR 7696, ignoring
//! the case of letters.
//!
//! Departures from the printed pseudocode, each where the pseudocode
//! accepts input the grammar forbids or contradicts its own prose:
//! * quoting is canonical: a value holds its characters, and each binding
//!   derives its quoting, so a needlessly quoted letter (`\a`) reads as `a`;
//! * embedded wildcards are rejected everywhere (the pseudocode lets
//!   `a???b` through), as are a doubled `*` and a lone quoted `-`; a lone unquoted `*`
//!   value string (a URI's `%02`) reads as ANY;
//! * URI components with unencoded punctuation other than `.`, `-`, `~` are
//!   rejected, as 6.1.3 advises a robust unbinder to do;
//! * `?` matching counts characters, not escapes (see [`compare_strings`]).
//!
//! Never panics on any input; errors name the attribute, the byte offset
//! and the character.

mod bind;
mod error;
mod matching;
mod value;

use std::fmt;
use std::str::FromStr;

pub use error::{CpeError, ValueErrorKind};
pub use matching::{compare_strings, compare_values, NameRelation, Relation};
pub use value::{AvString, Value, Wildcard};

/// The eleven WFN attributes (NISTIR 7695 5.2), in binding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attribute {
    /// `a`, `o` or `h`: application, operating system, hardware.
    Part,
    /// Maker of the product.
    Vendor,
    /// Product name.
    Product,
    /// Release version.
    Version,
    /// Update, service pack or point release.
    Update,
    /// Legacy edition (deprecated in 2.3).
    Edition,
    /// User-interface language (RFC 5646 tag).
    Language,
    /// Market or class of users the product is tailored to.
    SwEdition,
    /// Software environment the product runs in.
    TargetSw,
    /// Instruction set architecture the product runs on.
    TargetHw,
    /// Anything else.
    Other,
}

impl Attribute {
    /// All attributes in binding order.
    pub const ALL: [Attribute; 11] = [
        Attribute::Part,
        Attribute::Vendor,
        Attribute::Product,
        Attribute::Version,
        Attribute::Update,
        Attribute::Edition,
        Attribute::Language,
        Attribute::SwEdition,
        Attribute::TargetSw,
        Attribute::TargetHw,
        Attribute::Other,
    ];

    /// The attribute's name as the specification writes it (`sw_edition`).
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Part => "part",
            Attribute::Vendor => "vendor",
            Attribute::Product => "product",
            Attribute::Version => "version",
            Attribute::Update => "update",
            Attribute::Edition => "edition",
            Attribute::Language => "language",
            Attribute::SwEdition => "sw_edition",
            Attribute::TargetSw => "target_sw",
            Attribute::TargetHw => "target_hw",
            Attribute::Other => "other",
        }
    }

    /// The attribute named `name`, ignoring case (NISTIR 7695 5.1).
    pub fn from_name(name: &str) -> Option<Attribute> {
        Attribute::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// Position in [`Attribute::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A well-formed CPE name (NISTIR 7695 5). Unspecified attributes are ANY.
///
/// `Display` and serde use the formatted string binding.
/// Equality and hashing are exact (case-sensitive); use
/// [`Wfn::normalized`] for keys and the matching methods for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Wfn {
    values: [Value; 11],
}

impl Wfn {
    /// `new()` (NISTIR 7695 5.4.1): every attribute ANY.
    pub fn new() -> Wfn {
        Wfn::default()
    }

    /// `get(w, a)` (5.4.2).
    pub fn get(&self, attribute: Attribute) -> &Value {
        // Attribute::index is always below 11.
        match self.values.get(attribute.index()) {
            Some(v) => v,
            None => &Value::Any,
        }
    }

    /// `set(w, a, v)` (5.4.3); ANY stands for "unspecified".
    pub fn set(&mut self, attribute: Attribute, value: Value) {
        if let Some(slot) = self.values.get_mut(attribute.index()) {
            *slot = value;
        }
    }

    /// Builder form of [`Wfn::set`].
    pub fn with(mut self, attribute: Attribute, value: Value) -> Wfn {
        self.set(attribute, value);
        self
    }

    /// All values in [`Attribute::ALL`] order.
    pub fn values(&self) -> &[Value; 11] {
        &self.values
    }

    /// Reads a formatted string, `unbind_fs` (NISTIR 7695 6.2.3).
    pub fn parse_fs(s: &str) -> Result<Wfn, CpeError> {
        bind::unbind_fs(s)
    }

    /// Reads a CPE 2.2 URI, `unbind_URI` (NISTIR 7695 6.1.3). Letters are
    /// lowercased, as the specification's `decode` does.
    pub fn parse_uri(s: &str) -> Result<Wfn, CpeError> {
        bind::unbind_uri(s)
    }

    /// Reads `wfn:[attr=value,...]` notation (NISTIR 7695 5.1), values
    /// being ANY, NA or double-quoted WFN value strings.
    pub fn parse_wfn(s: &str) -> Result<Wfn, CpeError> {
        bind::parse_wfn_notation(s)
    }

    /// Reads either binding, told apart by the prefix (`cpe:2.3:` or
    /// `cpe:/`), or the `wfn:[...]` notation.
    pub fn parse(s: &str) -> Result<Wfn, CpeError> {
        if bind::is_fs(s) {
            bind::unbind_fs(s)
        } else if bind::is_uri(s) {
            bind::unbind_uri(s)
        } else {
            bind::parse_wfn_notation(s)
        }
    }

    /// The formatted string binding, `bind_to_fs` (NISTIR 7695 6.2.2).
    pub fn to_fs(&self) -> String {
        bind::bind_to_fs(self)
    }

    /// The CPE 2.2 URI binding, `bind_to_URI` (NISTIR 7695 6.1.2).
    pub fn to_uri(&self) -> String {
        bind::bind_to_uri(self)
    }

    /// The `wfn:[...]` notation with all eleven attributes.
    pub fn to_wfn_notation(&self) -> String {
        bind::to_wfn_notation(self)
    }

    /// This name with every letter lowercased: the form in which matching
    /// sees it (NISTIR 7696 7.3 `compare` lowercases value strings). Useful
    /// as a key for indexes and de-duplication.
    pub fn normalized(&self) -> Wfn {
        Wfn {
            values: self.values.clone().map(|v| v.normalized()),
        }
    }
}

/// `convert_uri_to_fs` (NISTIR 7695 7.1).
pub fn uri_to_fs(uri: &str) -> Result<String, CpeError> {
    Wfn::parse_uri(uri).map(|w| w.to_fs())
}

/// `convert_fs_to_uri` (NISTIR 7695 7.2).
pub fn fs_to_uri(fs: &str) -> Result<String, CpeError> {
    Wfn::parse_fs(fs).map(|w| w.to_uri())
}

impl fmt::Display for Wfn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_fs())
    }
}

impl FromStr for Wfn {
    type Err = CpeError;

    fn from_str(s: &str) -> Result<Wfn, CpeError> {
        Wfn::parse(s)
    }
}

impl serde::Serialize for Wfn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_fs())
    }
}

impl<'de> serde::Deserialize<'de> for Wfn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Wfn, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Wfn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CPE 2.3 formatted string or CPE 2.2 URI")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Wfn, E> {
                Wfn::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}
