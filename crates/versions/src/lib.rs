//! Version order per ecosystem, OSV ranges and vers ranges.
//!
//! * [`Version::parse`] and [`compare`] order versions the way each
//!   ecosystem does ([`Ecosystem`]); [`Ecosystem::Generic`] is a heuristic
//!   fallback and [`Ecosystem::is_exact`] says when a comparison was not
//!   ecosystem-exact.
//! * [`osv`] evaluates OSV `affected` entries for a version.
//! * [`vers`] parses, canonicalizes and evaluates `vers:` ranges and
//!   converts native range notations to them.
//!
//! ```
//! use medsec_versions::{compare, Ecosystem, Version};
//! use std::cmp::Ordering;
//!
//! let pypi = Ecosystem::from_osv("PyPI").expect("known ecosystem");
//! assert_eq!(compare(pypi, "1.0rc1", "1.0").unwrap(), Ordering::Less);
//! assert_eq!(compare(Ecosystem::Debian, "1.0~rc1", "1.0").unwrap(), Ordering::Less);
//!
//! let err = Version::parse(Ecosystem::Npm, "1.2").unwrap_err();
//! assert_eq!(err.ecosystem, Ecosystem::Npm);
//! assert!(err.to_string().starts_with("invalid npm version \"1.2\""));
//!
//! let range = medsec_versions::vers::VersRange::parse("vers:npm/>=1.0.0|<2.0.0").unwrap();
//! assert!(range.contains("1.4.0").unwrap());
//! assert!(!Ecosystem::from_osv_or_generic("Packagist").is_exact());
//! ```

mod ecosystem;
mod num;
pub mod osv;
mod schemes;
pub mod vers;

pub use ecosystem::Ecosystem;

use schemes::{apk, conan, datetime, debian, gem, generic, gentoo, maven, openssl, rpm, semver};
use std::cmp::Ordering;
use std::fmt;

/// A version string that its ecosystem does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {ecosystem} version {input:?}: {reason}")]
pub struct VersionError {
    /// The ecosystem whose rules the input broke.
    pub ecosystem: Ecosystem,
    /// The input, as given.
    pub input: String,
    /// What was wrong.
    pub reason: String,
}

#[derive(Debug, Clone)]
enum Key {
    Semver(semver::SemverKey),
    Cargo(::semver::Version),
    Pep440(pep440_rs::Version),
    Maven(maven::MavenKey),
    Gem(gem::GemKey),
    NuGet(semver::NuGetKey),
    Deb(debian::DebKey),
    Evr(rpm::Evr),
    Apk(apk::ApkKey),
    Gentoo(gentoo::GentooKey),
    Conan(conan::ConanKey),
    OpenSsl(openssl::OpenSslKey),
    Instant(datetime::Instant),
    /// Generic, nginx and lexicographic compare the text itself.
    Text,
}

/// A version parsed under one ecosystem's rules.
///
/// Versions of the same ecosystem order as that ecosystem does. Versions
/// of different ecosystems have no meaningful order; they order by
/// ecosystem first. Maven and Arch Linux orders are the tools' own and
/// not transitive on some inputs: sort those with [`sort_versions`],
/// which never panics, rather than `slice::sort`.
#[derive(Debug, Clone)]
pub struct Version {
    ecosystem: Ecosystem,
    raw: String,
    key: Key,
}

impl Version {
    /// Parses `input` under `ecosystem`'s rules.
    pub fn parse(ecosystem: Ecosystem, input: &str) -> Result<Version, VersionError> {
        let err = |reason: String| VersionError {
            ecosystem,
            input: input.to_string(),
            reason,
        };
        let key = match ecosystem {
            Ecosystem::Npm => Key::Semver(semver::parse_npm(input).map_err(err)?),
            Ecosystem::Semver => Key::Semver(semver::parse_strict(input).map_err(err)?),
            Ecosystem::Go => Key::Semver(semver::parse_go(input).map_err(err)?),
            Ecosystem::Cargo => {
                Key::Cargo(::semver::Version::parse(input).map_err(|e| err(e.to_string()))?)
            }
            Ecosystem::PyPI => Key::Pep440(
                input
                    .parse::<pep440_rs::Version>()
                    .map_err(|e| err(e.to_string()))?,
            ),
            Ecosystem::Maven => Key::Maven(maven::parse(input).map_err(err)?),
            Ecosystem::RubyGems => Key::Gem(gem::parse(input).map_err(err)?),
            Ecosystem::NuGet => Key::NuGet(semver::parse_nuget(input).map_err(err)?),
            Ecosystem::Debian => Key::Deb(debian::parse(input).map_err(err)?),
            Ecosystem::Rpm => Key::Evr(rpm::parse_rpm(input).map_err(err)?),
            Ecosystem::Alpm => Key::Evr(rpm::parse_alpm(input).map_err(err)?),
            Ecosystem::Alpine => Key::Apk(apk::parse(input).map_err(err)?),
            Ecosystem::Gentoo => Key::Gentoo(gentoo::parse(input).map_err(err)?),
            Ecosystem::Conan => Key::Conan(conan::parse(input).map_err(err)?),
            Ecosystem::OpenSsl => Key::OpenSsl(openssl::parse(input).map_err(err)?),
            Ecosystem::Datetime => Key::Instant(datetime::parse(input).map_err(err)?),
            Ecosystem::Nginx => {
                generic::check_dotted(input).map_err(err)?;
                Key::Text
            }
            Ecosystem::Lexicographic => {
                if input.is_empty() {
                    return Err(err("empty version".into()));
                }
                Key::Text
            }
            Ecosystem::Generic => {
                generic::check(input).map_err(err)?;
                Key::Text
            }
        };
        Ok(Version {
            ecosystem,
            raw: input.to_string(),
            key,
        })
    }

    /// The ecosystem whose rules this version follows.
    pub fn ecosystem(&self) -> Ecosystem {
        self.ecosystem
    }

    /// The version as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether this version orders by an ecosystem's own rules (false for
    /// [`Ecosystem::Generic`]).
    pub fn is_exact(&self) -> bool {
        self.ecosystem.is_exact()
    }

    /// Whether this is a pre-release, where the ecosystem has that notion.
    pub fn is_prerelease(&self) -> bool {
        match &self.key {
            Key::Semver(k) => !k.pre.is_empty(),
            Key::Cargo(v) => !v.pre.is_empty(),
            Key::Pep440(v) => v.any_prerelease(),
            _ => false,
        }
    }
}

fn cmp_keys(eco: Ecosystem, a: &Version, b: &Version) -> Ordering {
    match (&a.key, &b.key) {
        (Key::Semver(x), Key::Semver(y)) => x.cmp(y),
        (Key::Cargo(x), Key::Cargo(y)) => x.cmp_precedence(y),
        (Key::Pep440(x), Key::Pep440(y)) => x.cmp(y),
        (Key::Maven(x), Key::Maven(y)) => x.cmp(y),
        (Key::Gem(x), Key::Gem(y)) => x.cmp(y),
        (Key::NuGet(x), Key::NuGet(y)) => x.cmp(y),
        (Key::Deb(x), Key::Deb(y)) => x.cmp(y),
        (Key::Evr(x), Key::Evr(y)) => x.cmp(y),
        (Key::Apk(x), Key::Apk(y)) => x.cmp(y),
        (Key::Gentoo(x), Key::Gentoo(y)) => x.cmp(y),
        (Key::Conan(x), Key::Conan(y)) => x.cmp(y),
        (Key::OpenSsl(x), Key::OpenSsl(y)) => x.cmp(y),
        (Key::Instant(x), Key::Instant(y)) => datetime::compare(x, y),
        _ => match eco {
            Ecosystem::Lexicographic => a.raw.as_bytes().cmp(b.raw.as_bytes()),
            _ => generic::compare(&a.raw, &b.raw),
        },
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.ecosystem != other.ecosystem {
            return self
                .ecosystem
                .cmp(&other.ecosystem)
                .then_with(|| self.raw.cmp(&other.raw));
        }
        cmp_keys(self.ecosystem, self, other)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equal when the ecosystem orders them as equal (`1.0` and `1.0.0` in
/// PyPI), not only when the strings match.
impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Sorts versions in ascending order, stably, without ever panicking.
///
/// Some ecosystems' own orders are not transitive on odd inputs: Maven's
/// `ComparableVersion` (mixing qualifiers and nested lists), and libalpm,
/// which ignores the release when only one side has it. Since
/// Rust 1.81 `slice::sort` may panic when it detects such an order; this
/// merge sort never does, and on a total order gives the same result.
pub fn sort_versions(versions: &mut Vec<Version>) {
    let mut width = 1;
    let n = versions.len();
    while width < n {
        let mut out: Vec<Version> = Vec::with_capacity(n);
        let mut items = std::mem::take(versions).into_iter().peekable();
        while items.peek().is_some() {
            let left: Vec<Version> = items.by_ref().take(width).collect();
            let right: Vec<Version> = items.by_ref().take(width).collect();
            let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
            loop {
                let take_right = match (l.peek(), r.peek()) {
                    (Some(a), Some(b)) => b < a,
                    (Some(_), None) => false,
                    (None, Some(_)) => true,
                    (None, None) => break,
                };
                let next = if take_right { r.next() } else { l.next() };
                out.extend(next);
            }
        }
        *versions = out;
        width = width.saturating_mul(2);
    }
}

/// Compares two version strings under `ecosystem`'s rules.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = Version::parse(ecosystem, a)?;
    let b = Version::parse(ecosystem, b)?;
    Ok(a.cmp(&b))
}
