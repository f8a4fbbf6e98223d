//! Public pages for vulnerability ids and advisories, and file URIs.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The page that describes a vulnerability id, by its prefix.
pub(crate) fn vulnerability_url(id: &str) -> String {
    if id.starts_with("CVE-") {
        format!("https://nvd.nist.gov/vuln/detail/{id}")
    } else if id.starts_with("GHSA-") {
        format!("https://github.com/advisories/{id}")
    } else {
        format!("https://osv.dev/vulnerability/{id}")
    }
}

/// The name and home of the database that assigns an id.
pub(crate) fn id_source(id: &str) -> (&'static str, &'static str) {
    if id.starts_with("CVE-") {
        ("NVD", "https://nvd.nist.gov/")
    } else if id.starts_with("GHSA-") {
        ("GitHub Advisory Database", "https://github.com/advisories")
    } else {
        ("OSV", "https://osv.dev/")
    }
}

/// The page of an ICS(M)A advisory at CISA.
pub(crate) fn advisory_url(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    if lower.starts_with("icsma-") {
        format!("https://www.cisa.gov/news-events/ics-medical-advisories/{lower}")
    } else {
        format!("https://www.cisa.gov/news-events/ics-advisories/{lower}")
    }
}

/// Characters kept as they are in a URI reference made from a path.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// A relative URI reference for a file name or path as the user gave it.
pub(crate) fn file_uri(name: &str) -> String {
    utf8_percent_encode(name, PATH).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_are_encoded() {
        assert_eq!(
            file_uri("sboms/pump v2.cdx.json"),
            "sboms/pump%20v2.cdx.json"
        );
        assert_eq!(file_uri("a#b?.json"), "a%23b%3F.json");
    }
}
