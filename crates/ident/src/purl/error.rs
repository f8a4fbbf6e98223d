//! Errors for Package URL parsing and building.

use std::fmt;

/// The part of a Package URL that an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// The `pkg:` scheme.
    Scheme,
    /// The package type, such as `npm`.
    Type,
    /// The namespace, such as a Maven group id.
    Namespace,
    /// The package name.
    Name,
    /// The version.
    Version,
    /// The `key=value` qualifiers.
    Qualifiers,
    /// The subpath after `#`.
    Subpath,
}

impl Component {
    /// The component's name as the purl specification spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Scheme => "scheme",
            Component::Type => "type",
            Component::Namespace => "namespace",
            Component::Name => "name",
            Component::Version => "version",
            Component::Qualifiers => "qualifiers",
            Component::Subpath => "subpath",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of rule a Package URL broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The string does not start with `pkg:`.
    MissingScheme,
    /// The type is absent (no `/` after it, or empty).
    MissingType,
    /// The type has a character other than ASCII letters, digits, `.` and
    /// `-`, or does not start with a letter.
    InvalidType,
    /// The name is absent or empty.
    MissingName,
    /// The type's definition requires a namespace and there is none.
    NamespaceRequired,
    /// The type's definition prohibits a namespace and there is one.
    NamespaceProhibited,
    /// A value breaks a type-specific rule on its characters or form.
    InvalidForType,
    /// A `%` not followed by two hexadecimal digits.
    InvalidPercentEncoding,
    /// Percent-decoded bytes that are not UTF-8.
    InvalidUtf8,
    /// A namespace or subpath segment that decodes to a string with `/`.
    SlashInSegment,
    /// A qualifier without `=`.
    MissingQualifierValueSeparator,
    /// A qualifier key that is empty, does not start with a letter, or has
    /// characters other than ASCII letters, digits, `.`, `-` and `_`.
    InvalidQualifierKey,
    /// A qualifier key with uppercase letters (the canonical form is
    /// lowercase; [`super::PackageUrl::parse_lenient`] accepts them).
    UppercaseQualifierKey,
    /// The same qualifier key twice.
    DuplicateQualifierKey,
    /// The type's definition requires a qualifier that is absent.
    MissingRequiredQualifier,
}

/// Why a Package URL could not be parsed or built: which component is
/// wrong, what kind of rule it broke, and a message with the details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid purl {component}: {message}")]
pub struct PurlError {
    component: Component,
    kind: ErrorKind,
    message: String,
}

impl PurlError {
    pub(crate) fn new(component: Component, kind: ErrorKind, message: impl Into<String>) -> Self {
        PurlError {
            component,
            kind,
            message: message.into(),
        }
    }

    /// The component that is wrong.
    pub fn component(&self) -> Component {
        self.component
    }

    /// The kind of rule that was broken.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What was wrong, in words, naming the offending text.
    pub fn message(&self) -> &str {
        &self.message
    }
}
