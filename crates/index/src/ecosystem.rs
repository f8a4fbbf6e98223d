//! Package URLs mapped to OSV ecosystems and package names, and package
//! names normalized per ecosystem the way OSV compares them.

use medsec_ident::purl::PackageUrl;

/// Where a purl lands in OSV: ecosystem (without release), package name
/// as OSV writes it, the release suffix of a distribution ecosystem when
/// the purl says which, and the version to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub name: String,
    pub release: Option<String>,
    pub version: Option<String>,
}

/// The base of an OSV ecosystem name: `Debian:12` → `Debian`.
pub fn base_ecosystem(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem).trim()
}

/// The release suffix of an OSV ecosystem name: `Alpine:v3.18` → `v3.18`.
pub fn ecosystem_release(ecosystem: &str) -> Option<&str> {
    ecosystem
        .split_once(':')
        .map(|(_, r)| r.trim())
        .filter(|r| !r.is_empty())
}

/// A package name in the form OSV compares it within `ecosystem` (base
/// name): PyPI by PEP 503 (lowercase, runs of `-`, `_`, `.` become one
/// `-`), NuGet case-insensitively (lowercase), every other ecosystem
/// exactly as written.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    match base_ecosystem(ecosystem) {
        "PyPI" => pep503(name),
        "NuGet" => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// Why a purl has no OSV ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("purl type `{ty}` has no OSV ecosystem{detail}")]
pub struct UnmappedPurl {
    pub ty: String,
    pub detail: String,
}

/// The OSV package a purl names.
pub fn osv_package(purl: &PackageUrl) -> Result<OsvPackage, UnmappedPurl> {
    let ty = purl.ty().to_ascii_lowercase();
    let ns = purl.namespace().filter(|n| !n.is_empty());
    let name = purl.name();
    let joined = |sep: &str| match ns {
        Some(ns) => format!("{ns}{sep}{name}"),
        None => name.to_owned(),
    };
    let unmapped = |detail: String| UnmappedPurl {
        ty: ty.clone(),
        detail,
    };
    let mut version = purl.version().map(str::to_owned);
    let (ecosystem, name, release) = match ty.as_str() {
        "pypi" => ("PyPI".to_owned(), name.to_owned(), None),
        "npm" => ("npm".to_owned(), joined("/"), None),
        "maven" => ("Maven".to_owned(), joined(":"), None),
        "golang" => ("Go".to_owned(), joined("/"), None),
        "cargo" => ("crates.io".to_owned(), name.to_owned(), None),
        "nuget" => ("NuGet".to_owned(), name.to_owned(), None),
        "gem" => ("RubyGems".to_owned(), name.to_owned(), None),
        "hex" => ("Hex".to_owned(), name.to_owned(), None),
        "pub" => ("Pub".to_owned(), name.to_owned(), None),
        "composer" => ("Packagist".to_owned(), joined("/"), None),
        "swift" => ("SwiftURL".to_owned(), joined("/"), None),
        "deb" => {
            let eco = match ns.map(str::to_ascii_lowercase).as_deref() {
                Some("ubuntu") => "Ubuntu",
                Some("debian") | None => "Debian",
                Some(other) => return Err(unmapped(format!(" for deb namespace `{other}`"))),
            };
            let release = purl
                .qualifier("distro")
                .and_then(|d| distro_release(d, &["debian-", "ubuntu-"]));
            (eco.to_owned(), name.to_owned(), release)
        }
        "apk" => {
            let eco = match ns.map(str::to_ascii_lowercase).as_deref() {
                Some("alpine") | None => "Alpine",
                Some("wolfi") => "Wolfi",
                Some("chainguard") => "Chainguard",
                Some(other) => return Err(unmapped(format!(" for apk namespace `{other}`"))),
            };
            // OSV writes Alpine releases as `v3.18`; purls as `alpine-3.18.4`.
            let release = purl
                .qualifier("distro")
                .and_then(|d| distro_release(d, &["alpine-"]))
                .map(|r| {
                    let mut parts = r.trim_start_matches('v').split('.');
                    match (parts.next(), parts.next()) {
                        (Some(a), Some(b)) => format!("v{a}.{b}"),
                        _ => format!("v{}", r.trim_start_matches('v')),
                    }
                });
            (eco.to_owned(), name.to_owned(), release)
        }
        "rpm" => {
            let hint = purl
                .qualifier("distro")
                .map(str::to_ascii_lowercase)
                .or_else(|| ns.map(str::to_ascii_lowercase))
                .unwrap_or_default();
            let eco = rpm_ecosystem(&hint).ok_or_else(|| {
                unmapped(format!(
                    ": the rpm distribution `{hint}` (namespace or distro qualifier) is not one OSV covers"
                ))
            })?;
            if let (Some(epoch), Some(v)) = (purl.qualifier("epoch"), version.as_ref()) {
                if !v.contains(':') {
                    version = Some(format!("{epoch}:{v}"));
                }
            }
            (eco.to_owned(), name.to_owned(), None)
        }
        _ => return Err(unmapped(String::new())),
    };
    Ok(OsvPackage {
        ecosystem,
        name,
        release,
        version,
    })
}

/// `debian-12` → `12`; a bare code name or number is kept as given.
fn distro_release(distro: &str, prefixes: &[&str]) -> Option<String> {
    let d = distro.trim();
    let lower = d.to_ascii_lowercase();
    let rest = prefixes
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower);
    (!rest.is_empty()).then(|| rest.to_owned())
}

fn rpm_ecosystem(hint: &str) -> Option<&'static str> {
    let starts = |p: &str| hint.starts_with(p);
    Some(if starts("redhat") || starts("rhel") {
        "Red Hat"
    } else if starts("rocky") {
        "Rocky Linux"
    } else if starts("almalinux") || starts("alma") {
        "AlmaLinux"
    } else if starts("opensuse") {
        "openSUSE"
    } else if starts("suse") || starts("sles") {
        "SUSE"
    } else if starts("mageia") {
        "Mageia"
    } else if starts("openeuler") {
        "openEuler"
    } else if starts("photon") {
        "Photon OS"
    } else if starts("azurelinux") || starts("mariner") {
        "Azure Linux"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_examples() {
        // The examples of PEP 503's normalization section.
        for n in [
            "friendly-bard",
            "Friendly-Bard",
            "FRIENDLY-BARD",
            "friendly.bard",
            "friendly_bard",
            "friendly--bard",
            "FrIeNdLy-._.-bArD",
        ] {
            assert_eq!(normalize_name("PyPI", n), "friendly-bard", "{n}");
        }
        assert_eq!(
            normalize_name("NuGet", "Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert_eq!(normalize_name("npm", "Axios"), "Axios");
    }

    #[test]
    fn purl_types() {
        let p = |s: &str| osv_package(&PackageUrl::parse(s).unwrap());
        let m = p("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").unwrap();
        assert_eq!(
            (m.ecosystem.as_str(), m.name.as_str()),
            ("Maven", "org.apache.logging.log4j:log4j-core")
        );
        let n = p("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(n.name, "@babel/core");
        let g = p("pkg:golang/golang.org/x/net@v0.1.0").unwrap();
        assert_eq!(
            (g.ecosystem.as_str(), g.name.as_str()),
            ("Go", "golang.org/x/net")
        );
        let d = p("pkg:deb/debian/openssl@3.0.11-1?distro=debian-12").unwrap();
        assert_eq!(
            (d.ecosystem.as_str(), d.release.as_deref()),
            ("Debian", Some("12"))
        );
        let a = p("pkg:apk/alpine/busybox@1.36.1-r5?distro=alpine-3.18.4").unwrap();
        assert_eq!(a.release.as_deref(), Some("v3.18"));
        let r = p("pkg:rpm/redhat/openssl@1.1.1k-7.el8?epoch=1").unwrap();
        assert_eq!(
            (r.ecosystem.as_str(), r.version.as_deref()),
            ("Red Hat", Some("1:1.1.1k-7.el8"))
        );
        assert!(p("pkg:rpm/unknownos/x@1").is_err());
        assert!(p("pkg:generic/x@1").is_err());
    }
}
