//! Per-type rules from the registered purl type definitions
//! (`types/*-definition.json` of the purl specification), encoded here so
//! the library needs no files at run time.
//!
//! A definition's `case_sensitive: false` means the canonical form is
//! lowercase; `requirement` says whether a namespace is required or
//! prohibited; `permitted_characters` and the notes' "shall" rules become
//! checks. Types that are not registered get only the generic rules.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::error::{Component, ErrorKind, PurlError};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requirement {
    Optional,
    Required,
    Prohibited,
}

/// How a registered type normalizes and restricts its components.
pub(crate) struct TypeRule {
    pub namespace: Requirement,
    pub namespace_lower: bool,
    pub name_lower: bool,
    pub version_lower: bool,
    pub subpath_lower: bool,
    pub required_qualifiers: &'static [&'static str],
}

const fn rule(namespace: Requirement) -> TypeRule {
    TypeRule {
        namespace,
        namespace_lower: false,
        name_lower: false,
        version_lower: false,
        subpath_lower: false,
        required_qualifiers: &[],
    }
}

const OPTIONAL: TypeRule = rule(Requirement::Optional);
const REQUIRED: TypeRule = rule(Requirement::Required);
const PROHIBITED: TypeRule = rule(Requirement::Prohibited);

/// Namespace and name both case-insensitive (lowercased).
const fn lower_both(namespace: Requirement) -> TypeRule {
    TypeRule {
        namespace_lower: true,
        name_lower: true,
        ..rule(namespace)
    }
}

/// The rule of a registered type, or `None` for an unregistered one.
pub(crate) fn rule_for(ty: &str) -> Option<&'static TypeRule> {
    use Requirement::{Optional, Prohibited, Required};
    static ALPM: TypeRule = lower_both(Required);
    static APK: TypeRule = lower_both(Required);
    static BITBUCKET: TypeRule = lower_both(Required);
    static BITNAMI: TypeRule = lower_both(Prohibited);
    static BREW: TypeRule = lower_both(Optional);
    static CHROME_EXTENSION: TypeRule = lower_both(Prohibited);
    static COMPOSER: TypeRule = lower_both(Required);
    static DEB: TypeRule = lower_both(Required);
    static GITHUB: TypeRule = lower_both(Required);
    static HEX: TypeRule = lower_both(Optional);
    static HUGGINGFACE: TypeRule = TypeRule {
        version_lower: true,
        ..REQUIRED
    };
    static JULIA: TypeRule = TypeRule {
        required_qualifiers: &["uuid"],
        ..PROHIBITED
    };
    static LUAROCKS: TypeRule = lower_both(Optional);
    static OCI: TypeRule = TypeRule {
        version_lower: true,
        ..lower_both(Prohibited)
    };
    static OTP: TypeRule = TypeRule {
        subpath_lower: true,
        ..lower_both(Prohibited)
    };
    static PUB: TypeRule = lower_both(Prohibited);
    static PYPI: TypeRule = TypeRule {
        version_lower: true,
        ..lower_both(Prohibited)
    };
    static QPKG: TypeRule = TypeRule {
        namespace_lower: true,
        ..REQUIRED
    };
    static RPM: TypeRule = TypeRule {
        namespace_lower: true,
        ..REQUIRED
    };
    static SWID: TypeRule = TypeRule {
        required_qualifiers: &["tag_id"],
        ..OPTIONAL
    };
    static VSCODE_EXTENSION: TypeRule = TypeRule {
        version_lower: true,
        ..lower_both(Required)
    };
    static YOCTO: TypeRule = TypeRule {
        namespace_lower: true,
        ..OPTIONAL
    };
    Some(match ty {
        "alpm" => &ALPM,
        "apk" => &APK,
        "bazel" | "cargo" | "cocoapods" | "conda" | "cran" | "gem" | "hackage" | "mlflow"
        | "nuget" | "opam" | "vcpkg" => &PROHIBITED,
        "bitbucket" => &BITBUCKET,
        "bitnami" => &BITNAMI,
        "brew" => &BREW,
        "chrome-extension" => &CHROME_EXTENSION,
        "composer" => &COMPOSER,
        "conan" | "cpan" | "docker" | "generic" | "npm" => &OPTIONAL,
        "deb" => &DEB,
        "git" | "golang" | "maven" | "swift" => &REQUIRED,
        "github" => &GITHUB,
        "hex" => &HEX,
        "huggingface" => &HUGGINGFACE,
        "julia" => &JULIA,
        "luarocks" => &LUAROCKS,
        "oci" => &OCI,
        "otp" => &OTP,
        "pub" => &PUB,
        "pypi" => &PYPI,
        "qpkg" => &QPKG,
        "rpm" => &RPM,
        "swid" => &SWID,
        "vscode-extension" => &VSCODE_EXTENSION,
        "yocto" => &YOCTO,
        _ => return None,
    })
}

/// Every registered type, sorted.
pub(crate) const REGISTERED_TYPES: &[&str] = &[
    "alpm",
    "apk",
    "bazel",
    "bitbucket",
    "bitnami",
    "brew",
    "cargo",
    "chrome-extension",
    "cocoapods",
    "composer",
    "conan",
    "conda",
    "cpan",
    "cran",
    "deb",
    "docker",
    "gem",
    "generic",
    "git",
    "github",
    "golang",
    "hackage",
    "hex",
    "huggingface",
    "julia",
    "luarocks",
    "maven",
    "mlflow",
    "npm",
    "nuget",
    "oci",
    "opam",
    "otp",
    "pub",
    "pypi",
    "qpkg",
    "rpm",
    "swid",
    "swift",
    "vcpkg",
    "vscode-extension",
    "yocto",
];

/// Lowercases with the Unicode full case mapping the specification asks for
/// (5.5), without allocating when there is nothing to change.
pub(crate) fn lowercase(s: Cow<'_, str>) -> Cow<'_, str> {
    let needs = if s.is_ascii() {
        s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        s.chars().any(|c| c.to_lowercase().next() != Some(c))
    };
    if needs {
        Cow::Owned(s.to_lowercase())
    } else {
        s
    }
}

/// Decoded components on their way to a normalized [`super::PackageUrl`].
pub(crate) struct Parts<'a> {
    pub ty: String,
    pub namespace: Vec<Cow<'a, str>>,
    pub name: Cow<'a, str>,
    pub version: Option<Cow<'a, str>>,
    pub qualifiers: BTreeMap<String, String>,
    pub subpath: Vec<Cow<'a, str>>,
}

/// The normalized components; the caller assembles the public struct.
pub(crate) struct Normalized {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
    pub subpath: Option<String>,
}

fn err(component: Component, kind: ErrorKind, message: String) -> PurlError {
    PurlError::new(component, kind, message)
}

/// Applies the type's normalizations and checks its rules.
pub(crate) fn normalize(parts: Parts<'_>) -> Result<Normalized, PurlError> {
    let Parts {
        ty,
        mut namespace,
        mut name,
        mut version,
        mut qualifiers,
        mut subpath,
    } = parts;
    if name.is_empty() {
        return Err(err(
            Component::Name,
            ErrorKind::MissingName,
            "the name is required and is empty".into(),
        ));
    }

    if ty == "git" {
        // A git name is the repository path on the host, so it may span
        // several segments; the namespace is the host alone.
        let mut all: Vec<Cow<'_, str>> = std::mem::take(&mut namespace);
        all.extend(
            name.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| Cow::Owned(s.to_owned())),
        );
        let mut it = all.into_iter();
        namespace = it.next().into_iter().collect();
        let rest: Vec<Cow<'_, str>> = it.collect();
        if rest.is_empty() {
            return Err(err(
                Component::Namespace,
                ErrorKind::NamespaceRequired,
                "type \"git\" requires a namespace (the git host) before the repository path"
                    .into(),
            ));
        }
        name = Cow::Owned(rest.join("/"));
        // GitHub and Bitbucket repository paths are case-insensitive, as
        // their own purl type definitions say.
        if matches!(
            namespace.first().map(|h| h.to_ascii_lowercase()).as_deref(),
            Some("github" | "github.com" | "bitbucket" | "bitbucket.org")
        ) {
            namespace = namespace.into_iter().map(lowercase).collect();
            name = lowercase(name);
        }
    }

    let rule = rule_for(&ty);
    if let Some(rule) = rule {
        match rule.namespace {
            Requirement::Required if namespace.is_empty() => {
                return Err(err(
                    Component::Namespace,
                    ErrorKind::NamespaceRequired,
                    format!("type {ty:?} requires a namespace"),
                ))
            }
            Requirement::Prohibited if !namespace.is_empty() => {
                return Err(err(
                    Component::Namespace,
                    ErrorKind::NamespaceProhibited,
                    format!(
                        "type {ty:?} has no namespace, got {:?}",
                        namespace.join("/")
                    ),
                ))
            }
            _ => {}
        }
        if rule.namespace_lower {
            namespace = namespace.into_iter().map(lowercase).collect();
        }
        if rule.name_lower {
            name = lowercase(name);
        }
        if rule.version_lower {
            version = version.map(lowercase);
        }
        if rule.subpath_lower {
            subpath = subpath.into_iter().map(lowercase).collect();
        }
        for key in rule.required_qualifiers {
            if !qualifiers.contains_key(*key) {
                return Err(err(
                    Component::Qualifiers,
                    ErrorKind::MissingRequiredQualifier,
                    format!("type {ty:?} requires the qualifier {key:?}"),
                ));
            }
        }
    }

    if ty == "swid" {
        // A GUID tag_id shall be lowercase.
        if let Some(tag) = qualifiers.get_mut("tag_id").filter(|t| is_guid(t)) {
            tag.make_ascii_lowercase();
        }
    }

    match ty.as_str() {
        "pypi" if name.contains('_') => name = Cow::Owned(name.replace('_', "-")),
        // Hackage names are kebab-case.
        "hackage" if name.contains('_') => name = Cow::Owned(name.replace('_', "-")),
        "pub"
            if !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
        {
            name = Cow::Owned(
                name.chars()
                    .map(|c| {
                        if c.is_ascii_lowercase() || c.is_ascii_digit() {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect(),
            );
        }
        "cpan" => {
            // The namespace, when present, is a CPAN author id: uppercase.
            namespace = namespace
                .into_iter()
                .map(|s| {
                    if s.bytes().any(|b| b.is_ascii_lowercase()) {
                        Cow::Owned(s.to_uppercase())
                    } else {
                        s
                    }
                })
                .collect();
            if name.contains("::") {
                return Err(err(
                    Component::Name,
                    ErrorKind::InvalidForType,
                    format!("a cpan name is a distribution name and cannot contain '::' (a module name): {name:?}"),
                ));
            }
        }
        "mlflow" => {
            // Databricks model names are case-insensitive, Azure ML ones are not.
            if let Some(url) = qualifiers.get("repository_url") {
                let url = url.to_ascii_lowercase();
                if !url.contains("azureml") && url.contains("databricks") {
                    name = lowercase(name);
                }
            }
        }
        "chrome-extension" => {
            if name.len() != 32 || !name.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
                return Err(err(
                    Component::Name,
                    ErrorKind::InvalidForType,
                    format!("a chrome-extension name is 32 letters a to p, got {name:?}"),
                ));
            }
            if let Some(v) = &version {
                let segments: Vec<&str> = v.split('.').collect();
                if segments.len() > 4
                    || segments
                        .iter()
                        .any(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(err(
                        Component::Version,
                        ErrorKind::InvalidForType,
                        format!(
                            "a chrome-extension version is 1 to 4 dot-separated numbers, got {v:?}"
                        ),
                    ));
                }
            }
        }
        "cocoapods"
            if name.chars().any(|c| c.is_whitespace() || c == '+') || name.starts_with('.') =>
        {
            return Err(err(
                Component::Name,
                ErrorKind::InvalidForType,
                format!("a cocoapods name cannot contain whitespace or '+' or begin with '.', got {name:?}"),
            ));
        }
        "swid" if namespace.len() > 2 => {
            return Err(err(
                Component::Namespace,
                ErrorKind::InvalidForType,
                format!(
                    "a swid namespace has at most two segments, got {:?}",
                    namespace.join("/")
                ),
            ));
        }
        _ => {}
    }

    let namespace = if namespace.is_empty() {
        None
    } else {
        Some(namespace.join("/"))
    };
    let subpath = if subpath.is_empty() {
        None
    } else {
        Some(subpath.join("/"))
    };
    Ok(Normalized {
        ty,
        namespace,
        name: name.into_owned(),
        version: version.map(Cow::into_owned),
        qualifiers,
        subpath,
    })
}

/// Whether `s` has the 8-4-4-4-12 hexadecimal form of a GUID.
fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks a type and returns it lowercased.
pub(crate) fn check_type(ty: &str) -> Result<String, PurlError> {
    let Some(first) = ty.chars().next() else {
        return Err(err(
            Component::Type,
            ErrorKind::MissingType,
            "the type is required and is empty".into(),
        ));
    };
    if !first.is_ascii_alphabetic() {
        return Err(err(
            Component::Type,
            ErrorKind::InvalidType,
            format!("the type must start with an ASCII letter, got {ty:?}"),
        ));
    }
    if let Some(bad) = ty
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
    {
        return Err(err(
            Component::Type,
            ErrorKind::InvalidType,
            format!(
                "the type may hold only ASCII letters, digits, '.' and '-', got {bad:?} in {ty:?}"
            ),
        ));
    }
    Ok(ty.to_ascii_lowercase())
}

/// Checks a qualifier key. Uppercase letters are an error, or lowercased
/// when `lowercase_ok` (lenient parsing and building).
pub(crate) fn check_key(key: &str, lowercase_ok: bool) -> Result<Cow<'_, str>, PurlError> {
    let bad = |why: &str| {
        err(
            Component::Qualifiers,
            ErrorKind::InvalidQualifierKey,
            format!("qualifier key {key:?} {why}"),
        )
    };
    let Some(first) = key.chars().next() else {
        return Err(bad("is empty"));
    };
    if !first.is_ascii_alphabetic() {
        return Err(bad("must start with an ASCII letter"));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(bad(&format!(
            "may hold only ASCII letters, digits, '.', '-' and '_', not {c:?}"
        )));
    }
    if key.bytes().any(|b| b.is_ascii_uppercase()) {
        if !lowercase_ok {
            return Err(err(
                Component::Qualifiers,
                ErrorKind::UppercaseQualifierKey,
                format!("qualifier key {key:?} must be lowercase"),
            ));
        }
        return Ok(Cow::Owned(key.to_ascii_lowercase()));
    }
    Ok(Cow::Borrowed(key))
}

/// Adds a decoded qualifier, dropping empty values (the specification says
/// an empty value is the same as no pair) and refusing duplicate keys.
pub(crate) fn insert_qualifier(
    map: &mut BTreeMap<String, String>,
    key: Cow<'_, str>,
    value: Cow<'_, str>,
) -> Result<(), PurlError> {
    if value.is_empty() {
        return Ok(());
    }
    if map.contains_key(key.as_ref()) {
        return Err(err(
            Component::Qualifiers,
            ErrorKind::DuplicateQualifierKey,
            format!("qualifier key {key:?} appears more than once"),
        ));
    }
    map.insert(key.into_owned(), value.into_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_types_all_have_rules_and_others_do_not() {
        assert!(REGISTERED_TYPES.iter().all(|t| rule_for(t).is_some()));
        assert!(REGISTERED_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert!(rule_for("bintray").is_none());
    }

    #[test]
    fn guids_are_recognized() {
        assert!(is_guid("75B8C285-fa7b-485b-b199-4745e3004d0d"));
        assert!(!is_guid("CreativeCloud-CS6-Win-GM-MUL"));
        assert!(!is_guid("75b8c285-fa7b-485b-b199-4745e3004d0"));
    }

    #[test]
    fn lowercase_borrows_when_unchanged() {
        assert!(matches!(
            lowercase(Cow::Borrowed("abc-1")),
            Cow::Borrowed(_)
        ));
        assert_eq!(lowercase(Cow::Borrowed("ÄBC")), "äbc");
    }
}
