//! Ecosystems and the names OSV, purl and vers give them.

use std::fmt;

/// A versioning scheme: the order one ecosystem defines for its versions.
///
/// The first ten are the package ecosystems of OSV and purl; the others are
/// schemes that vers ranges use. [`Ecosystem::Generic`] is the fallback for
/// anything else: its order is a plain heuristic, not any ecosystem's, and
/// [`Ecosystem::is_exact`] says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    /// node-semver: SemVer 2.0.0 precedence, loose `v`/`=` prefixes.
    Npm,
    /// PEP 440.
    PyPI,
    /// Maven `ComparableVersion`.
    Maven,
    /// Go modules: SemVer with a `v` prefix, `+incompatible`, pseudo-versions.
    Go,
    /// Cargo: SemVer 2.0.0.
    Cargo,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// NuGet: SemVer 2.0 with up to four numbers, case-insensitive labels.
    NuGet,
    /// Debian dpkg.
    Debian,
    /// RPM `rpmvercmp` with epoch:version-release.
    Rpm,
    /// Alpine apk-tools.
    Alpine,
    /// Arch Linux `vercmp` (libalpm).
    Alpm,
    /// Conan 2 `Version`.
    Conan,
    /// Gentoo (Package Manager Specification, version comparison).
    Gentoo,
    /// OpenSSL release numbers such as `1.0.2zd`.
    OpenSsl,
    /// nginx release numbers (dotted integers).
    Nginx,
    /// RFC 3339 timestamps, ordered by the instant they name.
    Datetime,
    /// Plain byte-wise order of the UTF-8 text.
    Lexicographic,
    /// Strict SemVer 2.0.0 (the OSV `SEMVER` range type, vers `semver`).
    Semver,
    /// Not ecosystem-exact: dotted numbers and words, compared naturally.
    Generic,
}

impl Ecosystem {
    /// Every ecosystem, for iteration in tests and tools.
    pub const ALL: [Ecosystem; 19] = [
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Maven,
        Ecosystem::Go,
        Ecosystem::Cargo,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Debian,
        Ecosystem::Rpm,
        Ecosystem::Alpine,
        Ecosystem::Alpm,
        Ecosystem::Conan,
        Ecosystem::Gentoo,
        Ecosystem::OpenSsl,
        Ecosystem::Nginx,
        Ecosystem::Datetime,
        Ecosystem::Lexicographic,
        Ecosystem::Semver,
        Ecosystem::Generic,
    ];

    /// The ecosystem of an OSV `affected[].package.ecosystem` value, which
    /// may carry a release suffix (`Debian:11`, `Alpine:v3.18`,
    /// `Rocky Linux:8`). `None` when the ecosystem has no exact order here;
    /// [`Ecosystem::from_osv_or_generic`] falls back to [`Ecosystem::Generic`].
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        let base = name.split(':').next().unwrap_or(name).trim();
        OSV_NAMES.iter().find(|(n, _)| *n == base).map(|(_, e)| *e)
    }

    /// The OSV ecosystem names (from the OSV schema's ecosystems.json)
    /// that [`Ecosystem::from_osv`] maps, with what they map to.
    pub fn osv_names() -> &'static [(&'static str, Ecosystem)] {
        OSV_NAMES
    }

    /// Like [`Ecosystem::from_osv`], with [`Ecosystem::Generic`] for the rest.
    pub fn from_osv_or_generic(name: &str) -> Ecosystem {
        Ecosystem::from_osv(name).unwrap_or(Ecosystem::Generic)
    }

    /// The ecosystem of a package-URL type (`pkg:<type>/...`), compared
    /// case-insensitively as purl types are.
    pub fn from_purl_type(purl_type: &str) -> Option<Ecosystem> {
        PURL_TYPES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(purl_type))
            .map(|(_, e)| *e)
    }

    /// The purl types (from the purl specification's type index) that
    /// [`Ecosystem::from_purl_type`] maps, with what they map to.
    pub fn purl_types() -> &'static [(&'static str, Ecosystem)] {
        PURL_TYPES
    }

    /// The ecosystem of a vers type (`vers:<type>/...`).
    pub fn from_vers_type(vers_type: &str) -> Option<Ecosystem> {
        Some(match vers_type.to_ascii_lowercase().as_str() {
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            "maven" => Ecosystem::Maven,
            "golang" => Ecosystem::Go,
            "cargo" => Ecosystem::Cargo,
            "gem" => Ecosystem::RubyGems,
            "nuget" => Ecosystem::NuGet,
            "deb" => Ecosystem::Debian,
            "rpm" => Ecosystem::Rpm,
            "apk" => Ecosystem::Alpine,
            "alpm" => Ecosystem::Alpm,
            "conan" => Ecosystem::Conan,
            "gentoo" | "ebuild" => Ecosystem::Gentoo,
            "openssl" => Ecosystem::OpenSsl,
            "nginx" => Ecosystem::Nginx,
            "datetime" => Ecosystem::Datetime,
            "lexicographic" => Ecosystem::Lexicographic,
            "semver" => Ecosystem::Semver,
            "generic" => Ecosystem::Generic,
            _ => return None,
        })
    }

    /// The vers type that names this scheme.
    pub fn vers_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Maven => "maven",
            Ecosystem::Go => "golang",
            Ecosystem::Cargo => "cargo",
            Ecosystem::RubyGems => "gem",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Debian => "deb",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Alpine => "apk",
            Ecosystem::Alpm => "alpm",
            Ecosystem::Conan => "conan",
            Ecosystem::Gentoo => "gentoo",
            Ecosystem::OpenSsl => "openssl",
            Ecosystem::Nginx => "nginx",
            Ecosystem::Datetime => "datetime",
            Ecosystem::Lexicographic => "lexicographic",
            Ecosystem::Semver => "semver",
            Ecosystem::Generic => "generic",
        }
    }

    /// A human name, as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Maven => "Maven",
            Ecosystem::Go => "Go",
            Ecosystem::Cargo => "crates.io",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Debian => "Debian",
            Ecosystem::Rpm => "RPM",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::Alpm => "Arch Linux",
            Ecosystem::Conan => "Conan",
            Ecosystem::Gentoo => "Gentoo",
            Ecosystem::OpenSsl => "OpenSSL",
            Ecosystem::Nginx => "nginx",
            Ecosystem::Datetime => "datetime",
            Ecosystem::Lexicographic => "lexicographic",
            Ecosystem::Semver => "SemVer",
            Ecosystem::Generic => "generic",
        }
    }

    /// False only for [`Ecosystem::Generic`], whose order is a heuristic.
    pub fn is_exact(self) -> bool {
        self != Ecosystem::Generic
    }
}

const PURL_TYPES: &[(&str, Ecosystem)] = &[
    ("npm", Ecosystem::Npm),
    ("pypi", Ecosystem::PyPI),
    ("maven", Ecosystem::Maven),
    ("golang", Ecosystem::Go),
    ("cargo", Ecosystem::Cargo),
    ("gem", Ecosystem::RubyGems),
    ("nuget", Ecosystem::NuGet),
    ("deb", Ecosystem::Debian),
    ("rpm", Ecosystem::Rpm),
    ("apk", Ecosystem::Alpine),
    ("alpm", Ecosystem::Alpm),
    ("conan", Ecosystem::Conan),
];

/// OSV ecosystems whose version order is one of ours: the language
/// registries, and the distributions by their package manager (dpkg for
/// Debian and Ubuntu; rpm for the RPM-based ones; apk-tools for Alpine and
/// its kin).
const OSV_NAMES: &[(&str, Ecosystem)] = &[
    ("npm", Ecosystem::Npm),
    ("PyPI", Ecosystem::PyPI),
    ("Maven", Ecosystem::Maven),
    ("Go", Ecosystem::Go),
    ("crates.io", Ecosystem::Cargo),
    ("RubyGems", Ecosystem::RubyGems),
    ("NuGet", Ecosystem::NuGet),
    ("ConanCenter", Ecosystem::Conan),
    ("Debian", Ecosystem::Debian),
    ("Ubuntu", Ecosystem::Debian),
    ("Red Hat", Ecosystem::Rpm),
    ("Rocky Linux", Ecosystem::Rpm),
    ("AlmaLinux", Ecosystem::Rpm),
    ("SUSE", Ecosystem::Rpm),
    ("openSUSE", Ecosystem::Rpm),
    ("Mageia", Ecosystem::Rpm),
    ("openEuler", Ecosystem::Rpm),
    ("Photon OS", Ecosystem::Rpm),
    ("Azure Linux", Ecosystem::Rpm),
    ("Alpine", Ecosystem::Alpine),
    ("Alpaquita", Ecosystem::Alpine),
    ("Wolfi", Ecosystem::Alpine),
    ("Chainguard", Ecosystem::Alpine),
];

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
