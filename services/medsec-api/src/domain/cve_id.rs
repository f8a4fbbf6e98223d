use std::fmt;

/// A CVE identifier: `CVE-YYYY-NNNN` with four or more digits (CVE ID
/// syntax, 2014 revision).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CveId(String);

impl CveId {
    pub fn parse(raw: &str) -> Result<CveId, String> {
        let upper = raw.trim().to_ascii_uppercase();
        let mut parts = upper.splitn(3, '-');
        let ok = parts.next() == Some("CVE")
            && parts.next().is_some_and(|y| {
                y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) && y >= "1999"
            })
            && parts.next().is_some_and(|n| {
                n.len() >= 4 && n.len() <= 19 && n.bytes().all(|b| b.is_ascii_digit())
            });
        if ok {
            Ok(CveId(upper))
        } else {
            Err(format!("{raw:?} is not a CVE id (CVE-YYYY-NNNN)"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::CveId;

    #[test]
    fn cve_ids() {
        assert_eq!(
            CveId::parse("cve-2021-44228").unwrap().as_str(),
            "CVE-2021-44228"
        );
        assert_eq!(
            CveId::parse("CVE-2024-1234567").unwrap().as_str(),
            "CVE-2024-1234567"
        );
        for bad in [
            "CVE-21-1234",
            "CVE-2021-123",
            "GHSA-xxxx",
            "CVE-2021-12a4",
            "",
            "CVE-1998-1234",
        ] {
            assert!(CveId::parse(bad).is_err(), "{bad}");
        }
    }
}
