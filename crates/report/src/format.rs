//! The report formats and their names, media types and file extensions.

use std::fmt;
use std::str::FromStr;

/// One report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// A terminal table (the command line's default).
    Table,
    /// The canonical JSON report (see `schema/`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// CycloneDX 1.6 VEX.
    Vex,
    /// One row per finding.
    Csv,
    /// A self-contained, printable HTML page.
    Html,
}

impl Format {
    /// Every format, in the order the names are listed.
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Vex,
        Format::Csv,
        Format::Html,
    ];

    /// The name used on the command line and in [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Vex => "vex",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    /// The IANA media type of the output.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Table => "text/plain; charset=utf-8",
            Format::Json => "application/json",
            Format::Sarif => "application/sarif+json",
            Format::Vex => "application/vnd.cyclonedx+json",
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The usual file extension, without the leading dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Vex => "cdx.json",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format {given:?}: expected one of table, json, sarif, vex, csv, html")]
pub struct UnknownFormat {
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFormat {
                given: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
        assert_eq!("HTML".parse::<Format>(), Ok(Format::Html));
        let e = "xml".parse::<Format>().unwrap_err();
        assert!(e.to_string().contains("\"xml\""), "{e}");
    }
}
