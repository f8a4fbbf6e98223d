//! The per-CVE summary table derived from CISA vulnrichment (one row per
//! CVE JSON 5 record: CNA and CISA-ADP CVSS vectors, CWE ids, SSVC, KEV
//! flag), a CSV with columns `cve_id,state,date_published,date_updated,
//! cna_short_name,cna_cvss_v31_vector,cna_cvss_v30_vector,
//! cna_cvss_v40_vector,cna_cvss_v2_vector,adp_cvss_v31_vector,cna_cwe_ids,
//! adp_cwe_ids,ssvc_exploitation,ssvc_automatable,ssvc_technical_impact,
//! in_kev,kev_date_added` (lists `;`-joined).

use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::feed::{read_csv_rows, Columns, FeedRead, RowRead};
use crate::hash::ContentHash;
use crate::ids::is_cve_id;
use crate::time::{parse_date, Timestamp};

/// One CVE's row. Vectors and SSVC values are kept as written (the source
/// copies them verbatim, with CISA's mixed casing of SSVC values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CveSummary {
    pub cve_id: String,
    /// `PUBLISHED` or `REJECTED`.
    pub state: String,
    pub published: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    /// The CNA's short name.
    pub cna: Option<String>,
    pub cna_cvss_v31: Option<String>,
    pub cna_cvss_v30: Option<String>,
    pub cna_cvss_v40: Option<String>,
    pub cna_cvss_v2: Option<String>,
    /// CISA-ADP's CVSS 3.1 vector.
    pub adp_cvss_v31: Option<String>,
    pub cna_cwes: Vec<String>,
    pub adp_cwes: Vec<String>,
    pub ssvc_exploitation: Option<String>,
    pub ssvc_automatable: Option<String>,
    pub ssvc_technical_impact: Option<String>,
    /// CISA-ADP marks the CVE as in the KEV catalog.
    pub in_kev: bool,
    pub kev_date_added: Option<NaiveDate>,
}

impl ContentHash for CveSummary {
    const KIND: &'static str = "cve_summary";
}

const REQUIRED: &[&str] = &[
    "cve_id",
    "state",
    "date_published",
    "date_updated",
    "cna_cvss_v31_vector",
    "adp_cvss_v31_vector",
    "cna_cwe_ids",
    "ssvc_exploitation",
    "in_kev",
];

/// Reads the summary CSV (gzip allowed). A row with a malformed CVE id,
/// date or KEV flag is rejected with its line.
pub fn read_csv<R: Read + Send>(reader: R, file: &str) -> Result<FeedRead<CveSummary>, Error> {
    read_csv_rows(
        reader,
        file,
        "the vulnrichment summary CSV",
        REQUIRED,
        |row, cols| {
            let id = cols.get(row, "cve_id");
            let result = summary(row, cols);
            (
                Some(id.to_owned()),
                RowRead {
                    result,
                    warnings: Vec::new(),
                },
            )
        },
    )
}

fn summary(row: &csv::StringRecord, c: &Columns) -> Result<CveSummary, String> {
    let cve_id = c.get(row, "cve_id");
    if !is_cve_id(cve_id) {
        return Err(format!("cve_id `{cve_id}` is not a CVE id"));
    }
    let state = c
        .text(row, "state")
        .ok_or_else(|| "state is empty".to_owned())?;
    let time = |name: &str| -> Result<Option<Timestamp>, String> {
        c.text(row, name)
            .map(|t| Timestamp::parse(&t).map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let list = |name: &str| -> Vec<String> {
        c.get(row, name)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let in_kev = match c.get(row, "in_kev") {
        "1" => true,
        "0" | "" => false,
        other => return Err(format!("in_kev `{other}` is not 0 or 1")),
    };
    let kev_date_added = c
        .text(row, "kev_date_added")
        .map(|d| parse_date(&d).map_err(|e| format!("kev_date_added: {e}")))
        .transpose()?;
    Ok(CveSummary {
        cve_id: cve_id.to_owned(),
        state,
        published: time("date_published")?,
        updated: time("date_updated")?,
        cna: c.text(row, "cna_short_name"),
        cna_cvss_v31: c.text(row, "cna_cvss_v31_vector"),
        cna_cvss_v30: c.text(row, "cna_cvss_v30_vector"),
        cna_cvss_v40: c.text(row, "cna_cvss_v40_vector"),
        cna_cvss_v2: c.text(row, "cna_cvss_v2_vector"),
        adp_cvss_v31: c.text(row, "adp_cvss_v31_vector"),
        cna_cwes: list("cna_cwe_ids"),
        adp_cwes: list("adp_cwe_ids"),
        ssvc_exploitation: c.text(row, "ssvc_exploitation"),
        ssvc_automatable: c.text(row, "ssvc_automatable"),
        ssvc_technical_impact: c.text(row, "ssvc_technical_impact"),
        in_kev,
        kev_date_added,
    })
}
