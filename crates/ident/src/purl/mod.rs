//! Package URLs per the purl specification (ECMA-427 and the registered
//! type definitions of package-url/purl-spec).
//!
//! A [`PackageUrl`] is always valid and normalized: it can only be made by
//! parsing ([`PackageUrl::parse`], [`PackageUrl::parse_lenient`]) or by
//! building from components ([`PackageUrl::builder`], [`Components::build`]),
//! and both apply the generic and the per-type rules. Its `Display` (and so
//! `to_string`) is the canonical form.
//!
//! ```
//! use medsec_ident::purl::PackageUrl;
//!
//! let purl = PackageUrl::parse("pkg:PYPI/Django_package@1.11.1.dev1").unwrap();
//! assert_eq!(purl.name(), "django-package");
//! assert_eq!(purl.to_string(), "pkg:pypi/django-package@1.11.1.dev1");
//!
//! let built = PackageUrl::builder("maven", "batik-anim")
//!     .namespace("org.apache.xmlgraphics")
//!     .version("1.9.1")
//!     .qualifier("repository_url", "https://repo.spring.io/release")
//!     .build()
//!     .unwrap();
//! assert_eq!(
//!     built.to_string(),
//!     "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=https:%2F%2Frepo.spring.io%2Frelease"
//! );
//! ```

mod encoding;
mod error;
mod parse;
mod types;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use error::{Component, ErrorKind, PurlError};

use encoding::write_encoded;
use types::{check_key, check_type, insert_qualifier, normalize, Parts};

/// A valid, normalized Package URL.
///
/// Components are held percent-decoded. Equality and ordering are those of
/// the canonical form's components, so two purls that canonicalize to the
/// same string are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageUrl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

impl PackageUrl {
    /// Parses a purl string, as the specification's parse rules say, and
    /// normalizes it. Fails on anything the specification forbids,
    /// including an uppercase qualifier key; see [`Self::parse_lenient`].
    pub fn parse(input: &str) -> Result<PackageUrl, PurlError> {
        parse::parse(input, false)
    }

    /// Parses like [`Self::parse`] but also repairs the common problems the
    /// purl test suite's "recommended" cases show how to normalize:
    /// uppercase qualifier keys are lowercased, surrounding whitespace is
    /// trimmed, and a `%` not followed by two hex digits is taken literally.
    pub fn parse_lenient(input: &str) -> Result<PackageUrl, PurlError> {
        parse::parse(input, true)
    }

    /// Checks `input` against the specification and its type's rules, as
    /// [`Self::parse`] does, keeping only the verdict.
    pub fn validate(input: &str) -> Result<(), PurlError> {
        Self::parse(input).map(|_| ())
    }

    /// The canonical form of `input`, parsed leniently.
    pub fn canonicalize(input: &str) -> Result<String, PurlError> {
        Self::parse_lenient(input).map(|p| p.to_string())
    }

    /// Whether `input` is a valid purl already in canonical form.
    pub fn is_canonical(input: &str) -> bool {
        Self::parse(input).is_ok_and(|p| p.to_string() == input)
    }

    /// Starts building a purl from decoded components.
    pub fn builder(ty: impl Into<String>, name: impl Into<String>) -> PackageUrlBuilder {
        PackageUrlBuilder {
            components: Components {
                ty: Some(ty.into()),
                name: Some(name.into()),
                ..Components::default()
            },
        }
    }

    /// The type, lowercase, such as `npm`.
    pub fn ty(&self) -> &str {
        &self.ty
    }

    /// The decoded namespace, segments joined with `/`.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The decoded name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The decoded version.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The decoded qualifiers, keys lowercase and sorted; never an empty value.
    pub fn qualifiers(&self) -> &BTreeMap<String, String> {
        &self.qualifiers
    }

    /// One decoded qualifier value.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }

    /// The decoded subpath, segments joined with `/`.
    pub fn subpath(&self) -> Option<&str> {
        self.subpath.as_deref()
    }

    /// Whether the type is one of the registered purl types, whose own
    /// rules were applied; other types get the generic rules only (the
    /// specification asks implementations to warn about them).
    pub fn is_registered_type(&self) -> bool {
        types::rule_for(&self.ty).is_some()
    }

    /// The registered purl types this library knows the rules of.
    pub fn registered_types() -> &'static [&'static str] {
        types::REGISTERED_TYPES
    }

    /// A serializable view of the decoded components, shaped like the purl
    /// test suite's component objects (absent parts are `null`).
    pub fn components(&self) -> ComponentsRef<'_> {
        ComponentsRef {
            ty: &self.ty,
            namespace: self.namespace.as_deref(),
            name: &self.name,
            version: self.version.as_deref(),
            qualifiers: (!self.qualifiers.is_empty()).then_some(&self.qualifiers),
            subpath: self.subpath.as_deref(),
        }
    }

    /// Owned decoded components, for changing and building again.
    pub fn to_components(&self) -> Components {
        Components {
            ty: Some(self.ty.clone()),
            namespace: self.namespace.clone(),
            name: Some(self.name.clone()),
            version: self.version.clone(),
            qualifiers: (!self.qualifiers.is_empty()).then(|| self.qualifiers.clone()),
            subpath: self.subpath.clone(),
        }
    }

    fn from_parts(parts: Parts<'_>) -> Result<PackageUrl, PurlError> {
        let n = normalize(parts)?;
        Ok(PackageUrl {
            ty: n.ty,
            namespace: n.namespace,
            name: n.name,
            version: n.version,
            qualifiers: n.qualifiers,
            subpath: n.subpath,
        })
    }
}

impl fmt::Display for PackageUrl {
    /// The canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pkg:")?;
        f.write_str(&self.ty)?;
        f.write_str("/")?;
        if let Some(ns) = &self.namespace {
            for segment in ns.split('/') {
                write_encoded(f, segment)?;
                f.write_str("/")?;
            }
        }
        if self.ty == "git" {
            // A git name is a repository path whose segments stay separate.
            for (i, segment) in self.name.split('/').enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                write_encoded(f, segment)?;
            }
        } else {
            write_encoded(f, &self.name)?;
        }
        if let Some(v) = &self.version {
            f.write_str("@")?;
            write_encoded(f, v)?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            f.write_str(k)?;
            f.write_str("=")?;
            write_encoded(f, v)?;
        }
        if let Some(sp) = &self.subpath {
            f.write_str("#")?;
            for (i, segment) in sp.split('/').enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                write_encoded(f, segment)?;
            }
        }
        Ok(())
    }
}

impl FromStr for PackageUrl {
    type Err = PurlError;

    /// Same as [`PackageUrl::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PackageUrl {
    /// Serializes as the canonical string.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PackageUrl {
    /// Deserializes a string with [`PackageUrl::parse`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        PackageUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Borrowed decoded components of a [`PackageUrl`], serializable as
/// `{"type", "namespace", "name", "version", "qualifiers", "subpath"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ComponentsRef<'a> {
    /// The type.
    #[serde(rename = "type")]
    pub ty: &'a str,
    /// The namespace.
    pub namespace: Option<&'a str>,
    /// The name.
    pub name: &'a str,
    /// The version.
    pub version: Option<&'a str>,
    /// The qualifiers, `None` when there are none.
    pub qualifiers: Option<&'a BTreeMap<String, String>>,
    /// The subpath.
    pub subpath: Option<&'a str>,
}

/// Decoded components, as given to a build (every part optional, so that a
/// missing type or name is reported as an error rather than refused by the
/// deserializer). Serializes like the purl test suite's component objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Components {
    /// The type.
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    /// The namespace, segments separated by `/`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
    /// The version.
    #[serde(default)]
    pub version: Option<String>,
    /// The qualifiers.
    #[serde(default)]
    pub qualifiers: Option<BTreeMap<String, String>>,
    /// The subpath, segments separated by `/`.
    #[serde(default)]
    pub subpath: Option<String>,
}

impl Components {
    /// Builds a purl as the specification's build rules say: namespace and
    /// subpath are split on `/` with empty (and, for the subpath, `.` and
    /// `..`) segments dropped, qualifier keys are lowercased and checked,
    /// empty values dropped, and the per-type rules applied.
    pub fn build(&self) -> Result<PackageUrl, PurlError> {
        let ty = match self.ty.as_deref() {
            Some(t) => check_type(t)?,
            None => {
                return Err(PurlError::new(
                    Component::Type,
                    ErrorKind::MissingType,
                    "the type is required",
                ));
            }
        };
        let Some(name) = self.name.as_deref() else {
            return Err(PurlError::new(
                Component::Name,
                ErrorKind::MissingName,
                "the name is required",
            ));
        };
        let namespace = self
            .namespace
            .as_deref()
            .map(|ns| {
                ns.split('/')
                    .filter(|s| !s.is_empty())
                    .map(Cow::Borrowed)
                    .collect()
            })
            .unwrap_or_default();
        let mut qualifiers = BTreeMap::new();
        for (k, v) in self.qualifiers.iter().flatten() {
            let key = check_key(k, true)?;
            insert_qualifier(&mut qualifiers, key, Cow::Borrowed(v))?;
        }
        let subpath = self
            .subpath
            .as_deref()
            .map(|sp| {
                sp.split('/')
                    .filter(|s| !matches!(*s, "" | "." | ".."))
                    .map(Cow::Borrowed)
                    .collect()
            })
            .unwrap_or_default();
        PackageUrl::from_parts(Parts {
            ty,
            namespace,
            name: Cow::Borrowed(name.trim_matches('/')),
            version: self
                .version
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(Cow::Borrowed),
            qualifiers,
            subpath,
        })
    }
}

/// Builds a [`PackageUrl`] from decoded components; see
/// [`PackageUrl::builder`] and [`Components::build`].
#[derive(Debug, Clone)]
pub struct PackageUrlBuilder {
    components: Components,
}

impl PackageUrlBuilder {
    /// Sets the namespace (segments separated by `/`).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.components.namespace = Some(namespace.into());
        self
    }

    /// Sets the version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.components.version = Some(version.into());
        self
    }

    /// Adds a qualifier; a later value for the same key replaces the earlier.
    pub fn qualifier(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.components
            .qualifiers
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets the subpath (segments separated by `/`).
    pub fn subpath(mut self, subpath: impl Into<String>) -> Self {
        self.components.subpath = Some(subpath.into());
        self
    }

    /// Checks and normalizes the components into a purl.
    pub fn build(&self) -> Result<PackageUrl, PurlError> {
        self.components.build()
    }
}
