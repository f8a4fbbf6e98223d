//! Timestamps as the feeds write them, kept in UTC.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, UTC. Serialises as RFC 3339 with `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

/// Naive forms carry no offset; the feeds that write them (NVD, CVE JSON 5)
/// document their times as UTC.
const NAIVE_FORMS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
];

/// Forms with an offset that RFC 3339 does not allow: `+0000`, no seconds
/// (legacy NVD 1.1 `2017-08-28T13:29Z`).
const OFFSET_FORMS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%#z",
];

impl Timestamp {
    /// Parses RFC 3339 (any fraction, `Z` or offset), offsets without a
    /// colon (`+0000`, EPSS), naive date-times (NVD, CVE JSON 5; taken as
    /// UTC), minute precision (`2017-08-28T13:29Z`, NVD 1.1) and bare dates
    /// (midnight UTC).
    pub fn parse(text: &str) -> Result<Self, String> {
        let s = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Timestamp(t.with_timezone(&Utc)));
        }
        if let Some(stripped) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
            for form in NAIVE_FORMS {
                if let Ok(t) = NaiveDateTime::parse_from_str(stripped, form) {
                    return Ok(Timestamp(t.and_utc()));
                }
            }
        }
        for form in OFFSET_FORMS {
            if let Ok(t) = DateTime::parse_from_str(s, form) {
                return Ok(Timestamp(t.with_timezone(&Utc)));
            }
        }
        for form in NAIVE_FORMS {
            if let Ok(t) = NaiveDateTime::parse_from_str(s, form) {
                return Ok(Timestamp(t.and_utc()));
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            if let Some(t) = d.and_hms_opt(0, 0, 0) {
                return Ok(Timestamp(t.and_utc()));
            }
        }
        Err(format!("`{text}` is not a timestamp in a known form"))
    }

    /// RFC 3339, UTC, `Z`, fraction only when present.
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Parses a calendar date `YYYY-MM-DD` (KEV dates).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| format!("`{text}` is not a date YYYY-MM-DD: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_used_by_the_feeds() {
        let cases = [
            ("2022-08-03T06:15:07.690", "2022-08-03T06:15:07.690Z"),
            ("2024-04-22T09:52:47", "2024-04-22T09:52:47Z"),
            ("2024-08-19T07:47:46.503Z", "2024-08-19T07:47:46.503Z"),
            ("2025-08-25T17:04:19.9796Z", "2025-08-25T17:04:19.979600Z"),
            ("2025-02-20T00:00:00+0000", "2025-02-20T00:00:00Z"),
            ("2023-01-01T02:00:00+02:00", "2023-01-01T00:00:00Z"),
            ("2017-08-28T13:29Z", "2017-08-28T13:29:00Z"),
            ("2024-09-18", "2024-09-18T00:00:00Z"),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ];
        for (input, want) in cases {
            let got = Timestamp::parse(input).map(|t| t.to_rfc3339());
            assert_eq!(got.as_deref(), Ok(want), "{input}");
        }
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("2024-13-01").is_err());
    }
}
