//! The KEV catalog joined with NVD's CVSS 3 base score and FIRST EPSS
//! (jgamblin/KEV_EPSS `epss_kev_nvd.csv`: `CVE,CVSS3,EPSS,EPSS
//! Percentile,Description,Vendor,Product`).

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::feed::{read_csv_rows, Columns, FeedRead, RowRead};
use crate::hash::ContentHash;
use crate::ids::is_cve_id;

/// One KEV CVE with its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KevEpss {
    pub cve_id: String,
    /// NVD's CVSS 3 base score; `None` where NVD has none.
    pub cvss3: Option<f64>,
    pub epss: f64,
    pub percentile: f64,
    pub description: String,
    pub vendor: String,
    pub product: String,
}

impl ContentHash for KevEpss {
    const KIND: &'static str = "kev_epss";
}

const REQUIRED: &[&str] = &["CVE", "CVSS3", "EPSS", "EPSS Percentile"];

/// Reads the joined CSV (gzip allowed).
pub fn read_csv<R: Read + Send>(reader: R, file: &str) -> Result<FeedRead<KevEpss>, Error> {
    read_csv_rows(
        reader,
        file,
        "the KEV-EPSS-NVD CSV",
        REQUIRED,
        |row, cols| {
            let id = cols.get(row, "CVE");
            (
                Some(id.to_owned()),
                RowRead {
                    result: entry(row, cols),
                    warnings: Vec::new(),
                },
            )
        },
    )
}

fn entry(row: &csv::StringRecord, c: &Columns) -> Result<KevEpss, String> {
    let cve_id = c.get(row, "CVE");
    if !is_cve_id(cve_id) {
        return Err(format!("CVE `{cve_id}` is not a CVE id"));
    }
    let number = |name: &str, max: f64| -> Result<f64, String> {
        let text = c.get(row, name);
        match text.parse::<f64>() {
            Ok(x) if (0.0..=max).contains(&x) => Ok(x),
            _ => Err(format!("{name} `{text}` is not a number in [0, {max}]")),
        }
    };
    let cvss3 = if c.get(row, "CVSS3").is_empty() {
        None
    } else {
        Some(number("CVSS3", 10.0)?)
    };
    Ok(KevEpss {
        cve_id: cve_id.to_owned(),
        cvss3,
        epss: number("EPSS", 1.0)?,
        percentile: number("EPSS Percentile", 1.0)?,
        description: c.get(row, "Description").to_owned(),
        vendor: c.get(row, "Vendor").to_owned(),
        product: c.get(row, "Product").to_owned(),
    })
}
