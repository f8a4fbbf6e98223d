//! The ICS Advisory Project's master list of CISA ICS advisories
//! (`CISA_ICS_ADV_Master.csv`): one row per advisory and vendor, with the
//! advisory number (`ICSA-…`, or `ICSMA-…` for medical devices), its CVEs,
//! CWEs, cumulative CVSS, vendor, product and sectors.
//!
//! The list is curated by hand and its CVE and CWE cells hold a few
//! typos (`CVE-2017-1000082.`, `CWE22`, `CVE-2024 21916`). A trailing dot
//! is dropped and `CWEnnn` read as `CWE-nnn`, each with a warning; a token
//! that is not an id at all is dropped with a warning; `CVE-NA` / `CWE-NA`
//! mean "none".

use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::feed::{read_csv_rows, Columns, FeedRead, RowRead};
use crate::hash::ContentHash;
use crate::ids::{is_cve_id, is_cwe_id};

/// One row of the master list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IcsAdvisory {
    /// The project's row id (`icsad_ID`), unique per row. An advisory that
    /// names several vendors has one row per vendor.
    pub row_id: u32,
    /// CISA's advisory number, `ICSA-YY-DDD-NN` or `ICSMA-YY-DDD-NN`.
    pub advisory_id: String,
    pub title: String,
    pub vendor: String,
    pub product: String,
    pub products_affected: String,
    pub released: NaiveDate,
    pub updated: NaiveDate,
    pub cves: Vec<String>,
    /// `None` where the list says `Not Applicable` / `Not Assigned`.
    pub cumulative_cvss: Option<f64>,
    pub cvss_severity: Option<String>,
    pub cwes: Vec<String>,
    pub sectors: Vec<String>,
    pub product_distribution: Option<String>,
    pub headquarters: Option<String>,
}

impl IcsAdvisory {
    /// A medical-device advisory (ICSMA).
    pub fn is_medical(&self) -> bool {
        self.advisory_id.starts_with("ICSMA-")
    }
}

impl ContentHash for IcsAdvisory {
    const KIND: &'static str = "ics_advisory";
}

const REQUIRED: &[&str] = &[
    "icsad_ID",
    "ICS-CERT_Number",
    "Original_Release_Date",
    "Last_Updated",
    "Vendor",
    "Product",
    "CVE_Number",
];

/// Reads the master CSV (gzip allowed).
pub fn read_csv<R: Read + Send>(reader: R, file: &str) -> Result<FeedRead<IcsAdvisory>, Error> {
    read_csv_rows(
        reader,
        file,
        "the ICS advisory master CSV",
        REQUIRED,
        |row, cols| {
            let id = cols.text(row, "ICS-CERT_Number");
            let mut warnings = Vec::new();
            let result = advisory(row, cols, &mut warnings);
            (id, RowRead { result, warnings })
        },
    )
}

/// `M/D/YYYY`, as the list writes its dates.
fn us_date(text: &str, column: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%m/%d/%Y")
        .map_err(|e| format!("{column} `{text}` is not a date M/D/YYYY: {e}"))
}

fn is_none_marker(token: &str) -> bool {
    matches!(
        token.to_ascii_uppercase().as_str(),
        "CVE-NA" | "CWE-NA" | "NA" | "N/A" | "NONE"
    )
}

fn cve_list(cell: &str, warnings: &mut Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in cell.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let token = raw.trim();
        if token.is_empty() || is_none_marker(token) {
            continue;
        }
        let id = match token.strip_suffix('.') {
            Some(t) if is_cve_id(t) => {
                warnings.push(format!("CVE_Number: `{token}` read as `{t}`"));
                t
            }
            _ if is_cve_id(token) => token,
            _ => {
                warnings.push(format!("CVE_Number: `{token}` is not a CVE id; left out"));
                continue;
            }
        };
        if !out.iter().any(|c| c == id) {
            out.push(id.to_owned());
        }
    }
    out
}

fn cwe_list(cell: &str, warnings: &mut Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in cell.split([',', ';']) {
        let token = raw.trim();
        if token.is_empty() || is_none_marker(token) {
            continue;
        }
        let id = if is_cwe_id(token) {
            token.to_owned()
        } else {
            match token.strip_prefix("CWE") {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    let id = format!("CWE-{n}");
                    warnings.push(format!("CWE_Number: `{token}` read as `{id}`"));
                    id
                }
                _ => {
                    warnings.push(format!("CWE_Number: `{token}` is not a CWE id; left out"));
                    continue;
                }
            }
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn advisory(
    row: &csv::StringRecord,
    c: &Columns,
    warnings: &mut Vec<String>,
) -> Result<IcsAdvisory, String> {
    let row_id = c.get(row, "icsad_ID");
    let row_id: u32 = row_id
        .parse()
        .map_err(|_| format!("icsad_ID `{row_id}` is not a number"))?;
    let advisory_id = c
        .text(row, "ICS-CERT_Number")
        .ok_or_else(|| "ICS-CERT_Number is empty".to_owned())?;
    let cvss = c.get(row, "Cumulative_CVSS");
    let cumulative_cvss = match cvss.parse::<f64>() {
        Ok(x) if (0.0..=10.0).contains(&x) => Some(x),
        Ok(_) => return Err(format!("Cumulative_CVSS `{cvss}` is not in [0, 10]")),
        Err(_) if cvss.is_empty() || cvss.starts_with("Not ") => None,
        Err(_) => return Err(format!("Cumulative_CVSS `{cvss}` is not a score")),
    };
    let not_marker = |s: Option<String>| s.filter(|s| !s.starts_with("Not "));
    Ok(IcsAdvisory {
        row_id,
        advisory_id,
        title: c.get(row, "ICS-CERT_Advisory_Title").to_owned(),
        vendor: c.get(row, "Vendor").to_owned(),
        product: c.get(row, "Product").to_owned(),
        products_affected: c.get(row, "Products_Affected").to_owned(),
        released: us_date(c.get(row, "Original_Release_Date"), "Original_Release_Date")?,
        updated: us_date(c.get(row, "Last_Updated"), "Last_Updated")?,
        cves: cve_list(c.get(row, "CVE_Number"), warnings),
        cumulative_cvss,
        cvss_severity: not_marker(c.text(row, "CVSS_Severity")),
        cwes: cwe_list(c.get(row, "CWE_Number"), warnings),
        sectors: c
            .get(row, "Critical_Infrastructure_Sector")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        product_distribution: c.text(row, "Product_Distribution"),
        headquarters: c.text(row, "Company_Headquarters"),
    })
}
