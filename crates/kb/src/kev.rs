//! The CISA Known Exploited Vulnerabilities catalog, JSON and CSV.

use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::feed::{from_value, maybe_gunzip, parse_json, FeedRead};
use crate::hash::ContentHash;
use crate::time::{parse_date, Timestamp};

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevEntry {
    pub cve_id: String,
    pub vendor_project: String,
    pub product: String,
    pub vulnerability_name: String,
    pub date_added: NaiveDate,
    pub short_description: String,
    pub required_action: String,
    pub due_date: Option<NaiveDate>,
    pub known_ransomware_use: RansomwareUse,
    pub notes: String,
    pub cwes: Vec<String>,
}

impl ContentHash for KevEntry {
    const KIND: &'static str = "kev";
}

/// `knownRansomwareCampaignUse`: CISA writes `Known` or `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RansomwareUse {
    Known,
    Unknown,
}

/// The catalog header of the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevCatalog {
    pub title: Option<String>,
    pub catalog_version: Option<String>,
    pub date_released: Option<Timestamp>,
    /// The entry count the catalog declares.
    pub count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    vendor_project: String,
    product: String,
    vulnerability_name: String,
    date_added: String,
    short_description: String,
    required_action: String,
    due_date: Option<String>,
    known_ransomware_campaign_use: Option<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    cwes: Vec<String>,
}

fn convert(raw: RawEntry, cwes: Vec<String>) -> Result<KevEntry, (String, &'static str)> {
    if !raw.cve_id.starts_with("CVE-") {
        return Err((format!("`{}` is not a CVE id", raw.cve_id), "cveID"));
    }
    let date_added = parse_date(&raw.date_added).map_err(|e| (e, "dateAdded"))?;
    let due_date = match raw.due_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(parse_date(d).map_err(|e| (e, "dueDate"))?),
    };
    let known_ransomware_use = match raw.known_ransomware_campaign_use.as_deref().map(str::trim) {
        Some("Known") => RansomwareUse::Known,
        Some("Unknown") | None | Some("") => RansomwareUse::Unknown,
        Some(other) => {
            return Err((
                format!("`{other}` is neither Known nor Unknown"),
                "knownRansomwareCampaignUse",
            ))
        }
    };
    Ok(KevEntry {
        cve_id: raw.cve_id,
        vendor_project: raw.vendor_project,
        product: raw.product,
        vulnerability_name: raw.vulnerability_name,
        date_added,
        short_description: raw.short_description,
        required_action: raw.required_action,
        due_date,
        known_ransomware_use,
        notes: raw.notes,
        cwes,
    })
}

/// Reads `known_ransomware_vulnerabilities.json` (gzip allowed).
pub fn read_json(bytes: &[u8], file: &str) -> Result<(KevCatalog, FeedRead<KevEntry>), Error> {
    let doc = parse_json(bytes, file)?;
    let Value::Object(mut map) = doc else {
        return Err(Error::unsupported(file, "the KEV catalog is a JSON object"));
    };
    let Some(Value::Array(items)) = map.remove("vulnerabilities") else {
        return Err(Error::unsupported(
            file,
            "no `vulnerabilities` array: not the KEV catalog",
        ));
    };
    let date_released = map
        .get("dateReleased")
        .and_then(Value::as_str)
        .map(Timestamp::parse)
        .transpose()
        .map_err(|e| Error::invalid(file, e).at("dateReleased"))?;
    let catalog = KevCatalog {
        title: map.get("title").and_then(Value::as_str).map(str::to_owned),
        catalog_version: map
            .get("catalogVersion")
            .and_then(Value::as_str)
            .map(str::to_owned),
        date_released,
        count: map.get("count").and_then(Value::as_u64),
    };
    let mut out = FeedRead::default();
    for (i, item) in items.into_iter().enumerate() {
        let base = format!("vulnerabilities[{i}]");
        let id = item.get("cveID").and_then(Value::as_str).map(str::to_owned);
        let entry = from_value::<RawEntry>(item, file, &base, id.as_deref()).and_then(|mut raw| {
            let cwes = std::mem::take(&mut raw.cwes);
            convert(raw, cwes).map_err(|(msg, field)| {
                Error::invalid(file, msg)
                    .record(id.as_deref())
                    .at(format!("{base}.{field}"))
            })
        });
        out.push(entry);
    }
    Ok((catalog, out))
}

/// Reads `known_exploited_vulnerabilities.csv` (gzip allowed). The `cwes`
/// column is a comma-separated list.
pub fn read_csv<R: Read + Send>(reader: R, file: &str) -> Result<FeedRead<KevEntry>, Error> {
    let reader = maybe_gunzip(reader, file)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| crate::feed::csv_error(file, &e))?
        .clone();
    for required in ["cveID", "dateAdded", "vendorProject", "product"] {
        if !headers.iter().any(|h| h == required) {
            return Err(Error::unsupported(
                file,
                format!("header lacks `{required}`: not the KEV CSV"),
            )
            .at("line 1"));
        }
    }
    let mut out = FeedRead::default();
    let mut row = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let io = matches!(e.kind(), csv::ErrorKind::Io(_));
                out.rejected.push(crate::feed::csv_error(file, &e));
                // An I/O failure would repeat on every further read.
                if io {
                    break;
                }
                continue;
            }
        }
        let line = row.position().map_or(0, csv::Position::line);
        let id = headers
            .iter()
            .position(|h| h == "cveID")
            .and_then(|i| row.get(i))
            .map(str::to_owned);
        let entry = row
            .deserialize::<RawCsvEntry>(Some(&headers))
            .map_err(|e| {
                Error::invalid(file, e.to_string())
                    .record(id.as_deref())
                    .at(format!("line {line}"))
            })
            .and_then(|raw| {
                let (entry, cwes) = raw.split();
                convert(entry, cwes).map_err(|(msg, field)| {
                    Error::invalid(file, msg)
                        .record(id.as_deref())
                        .at(format!("line {line}, column {field}"))
                })
            });
        out.push(entry);
    }
    Ok(out)
}

/// The CSV row: the JSON fields, with `cwes` as one comma-separated cell.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCsvEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    vendor_project: String,
    product: String,
    vulnerability_name: String,
    date_added: String,
    short_description: String,
    required_action: String,
    due_date: Option<String>,
    known_ransomware_campaign_use: Option<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    cwes: String,
}

impl RawCsvEntry {
    fn split(self) -> (RawEntry, Vec<String>) {
        let cwes = self
            .cwes
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let entry = RawEntry {
            cve_id: self.cve_id,
            vendor_project: self.vendor_project,
            product: self.product,
            vulnerability_name: self.vulnerability_name,
            date_added: self.date_added,
            short_description: self.short_description,
            required_action: self.required_action,
            due_date: self.due_date,
            known_ransomware_campaign_use: self.known_ransomware_campaign_use,
            notes: self.notes,
            cwes: Vec::new(),
        };
        (entry, cwes)
    }
}
