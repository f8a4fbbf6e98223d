//! MITRE CWE CSV downloads (one view per file): id, name, abstraction.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::feed::{csv_error, maybe_gunzip, FeedRead};
use crate::hash::ContentHash;

/// One weakness of a CWE view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CweEntry {
    /// The number of `CWE-n`.
    pub id: u32,
    pub name: String,
    /// `Pillar`, `Class`, `Base`, `Variant` (empty for categories).
    pub abstraction: Option<String>,
    pub status: Option<String>,
}

impl CweEntry {
    /// `CWE-n`, the form vulnerability records use.
    pub fn cwe_id(&self) -> String {
        format!("CWE-{}", self.id)
    }
}

impl ContentHash for CweEntry {
    const KIND: &'static str = "cwe";
}

/// Reads a CWE view CSV (gzip allowed). Only the first columns are kept;
/// the long text columns are skipped without being stored.
pub fn read_csv<R: Read + Send>(reader: R, file: &str) -> Result<FeedRead<CweEntry>, Error> {
    let reader = maybe_gunzip(reader, file)?;
    // MITRE's rows end in a comma the header lacks: one extra empty field.
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let headers = csv.headers().map_err(|e| csv_error(file, &e))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(id_col), Some(name_col)) = (col("CWE-ID"), col("Name")) else {
        return Err(
            Error::unsupported(file, "header lacks `CWE-ID` or `Name`: not a CWE CSV").at("line 1"),
        );
    };
    let abstraction_col = col("Weakness Abstraction");
    let status_col = col("Status");
    let mut out = FeedRead::default();
    let mut row = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let io = matches!(e.kind(), csv::ErrorKind::Io(_));
                out.rejected.push(csv_error(file, &e));
                if io {
                    break;
                }
                continue;
            }
        }
        let line = row.position().map_or(0, csv::Position::line);
        let text = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let raw_id = row.get(id_col).unwrap_or("").trim();
        let number = raw_id.strip_prefix("CWE-").unwrap_or(raw_id);
        let entry = match (number.parse::<u32>(), text(Some(name_col))) {
            (Ok(id), Some(name)) => Ok(CweEntry {
                id,
                name,
                abstraction: text(abstraction_col),
                status: text(status_col),
            }),
            (Err(_), _) => Err(
                Error::invalid(file, format!("CWE-ID `{raw_id}` is not a number"))
                    .at(format!("line {line}")),
            ),
            (Ok(_), None) => Err(Error::invalid(file, "empty Name")
                .record(Some(&format!("CWE-{number}")))
                .at(format!("line {line}"))),
        };
        out.push(entry);
    }
    Ok(out)
}
