//! Shapes of the identifiers the CSV feeds carry.

/// `CVE-YYYY-NNNN` with four or more sequence digits.
pub(crate) fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, seq)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && seq.len() >= 4
        && seq.bytes().all(|b| b.is_ascii_digit())
}

/// `CWE-N`.
pub(crate) fn is_cwe_id(s: &str) -> bool {
    s.strip_prefix("CWE-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_and_cwe_shapes() {
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(is_cve_id("CVE-2017-1000082"));
        for bad in [
            "CVE-2013-521",
            "CVE-NA",
            "CVE-2024",
            "cve-2021-44228",
            "CVE-21-4422",
        ] {
            assert!(!is_cve_id(bad), "{bad}");
        }
        assert!(is_cwe_id("CWE-79"));
        for bad in ["CWE79", "CWE-", "CWE-NA", "NVD-CWE-Other"] {
            assert!(!is_cwe_id(bad), "{bad}");
        }
    }
}
