//! FIRST EPSS score files (`cve,epss,percentile`), streamed row by row.
//!
//! The official daily files start with a comment
//! `#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000`; mirrors
//! often drop it. When the comment is there, both fields must be.

use std::io::{BufRead, Read};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::feed::{csv_error, maybe_gunzip};
use crate::hash::ContentHash;
use crate::time::Timestamp;

/// The model and date a score file states in its comment line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EpssMeta {
    pub model_version: Option<String>,
    pub score_date: Option<Timestamp>,
}

/// One row: a CVE's probability of exploitation and its percentile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpssScore {
    pub cve: String,
    pub epss: f64,
    pub percentile: f64,
}

impl ContentHash for EpssScore {
    const KIND: &'static str = "epss";
}

/// Streams the rows of an EPSS CSV (gzip allowed); memory stays flat
/// whatever the row count. Each item is one row or the error of that row.
pub struct EpssReader<'a> {
    csv: csv::Reader<Box<dyn BufRead + Send + 'a>>,
    meta: EpssMeta,
    file: String,
    columns: [usize; 3],
    row: csv::StringRecord,
    /// Lines before the CSV header (the comment), for line numbers.
    offset: u64,
    /// Set after an I/O failure, which would otherwise repeat forever.
    done: bool,
}

impl std::fmt::Debug for EpssReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpssReader")
            .field("file", &self.file)
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

const COMMENT_LIMIT: u64 = 4096;

fn parse_comment(line: &str, file: &str) -> Result<EpssMeta, Error> {
    let at = |e: Error| e.at("line 1");
    let body = line.trim().trim_start_matches('#');
    let mut meta = EpssMeta::default();
    for part in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once(':') else {
            return Err(at(Error::invalid(
                file,
                format!("comment item `{part}` is not `key:value`"),
            )));
        };
        match key.trim() {
            "model_version" => meta.model_version = Some(value.trim().to_owned()),
            "score_date" => {
                let t = Timestamp::parse(value)
                    .map_err(|e| at(Error::invalid(file, format!("score_date: {e}"))))?;
                meta.score_date = Some(t);
            }
            // Later files may add items; they say nothing about the scores.
            _ => {}
        }
    }
    for (name, present) in [
        ("model_version", meta.model_version.is_some()),
        ("score_date", meta.score_date.is_some()),
    ] {
        if !present {
            return Err(at(Error::invalid(
                file,
                format!("comment line `{}` lacks `{name}`", line.trim()),
            )));
        }
    }
    Ok(meta)
}

impl<'a> EpssReader<'a> {
    /// Reads the optional comment line and the header; fails when either
    /// is malformed, naming the line.
    pub fn new<R: Read + Send + 'a>(reader: R, file: &str) -> Result<Self, Error> {
        let mut input = maybe_gunzip(reader, file)?;
        let io = |e: std::io::Error| Error::new(file, crate::ErrorKind::Io(e.to_string()));
        let mut meta = EpssMeta::default();
        let mut offset = 0;
        if input.fill_buf().map_err(io)?.first() == Some(&b'#') {
            let mut line = String::new();
            (&mut input)
                .take(COMMENT_LIMIT)
                .read_line(&mut line)
                .map_err(io)?;
            meta = parse_comment(&line, file)?;
            offset = 1;
        }
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(input);
        let headers = csv.headers().map_err(|e| csv_error(file, &e))?.clone();
        let header_line = format!("line {}", offset + 1);
        let mut columns = [0; 3];
        for (slot, name) in columns.iter_mut().zip(["cve", "epss", "percentile"]) {
            *slot = headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| {
                    Error::invalid(
                        file,
                        format!(
                            "header `{}` has no column `{name}` (expected cve,epss,percentile)",
                            headers.iter().collect::<Vec<_>>().join(",")
                        ),
                    )
                    .at(header_line.clone())
                })?;
        }
        Ok(EpssReader {
            csv,
            meta,
            file: file.to_owned(),
            columns,
            row: csv::StringRecord::new(),
            offset,
            done: false,
        })
    }

    /// The comment line's model version and score date (empty if none).
    pub fn meta(&self) -> &EpssMeta {
        &self.meta
    }

    fn row_error(&self, id: Option<&str>, msg: String) -> Error {
        let line = self.row.position().map_or(0, csv::Position::line) + self.offset;
        Error::invalid(&self.file, msg)
            .record(id)
            .at(format!("line {line}"))
    }

    fn current(&self) -> Result<EpssScore, Error> {
        let [c, e, p] = self.columns;
        let cve = self.row.get(c).unwrap_or("").trim();
        if !cve.starts_with("CVE-") {
            return Err(self.row_error(None, format!("`{cve}` is not a CVE id")));
        }
        let number = |i: usize, name: &str| -> Result<f64, Error> {
            let text = self.row.get(i).unwrap_or("").trim();
            match text.parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                _ => Err(self.row_error(
                    Some(cve),
                    format!("{name} `{text}` is not a number in [0, 1]"),
                )),
            }
        };
        Ok(EpssScore {
            cve: cve.to_owned(),
            epss: number(e, "epss")?,
            percentile: number(p, "percentile")?,
        })
    }
}

impl Iterator for EpssReader<'_> {
    type Item = Result<EpssScore, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.csv.read_record(&mut self.row) {
            Ok(false) => None,
            Ok(true) => Some(self.current()),
            Err(e) => {
                let mut err = csv_error(&self.file, &e);
                if let Some(p) = e.position() {
                    err.location = Some(format!("line {}", p.line() + self.offset));
                }
                self.done = matches!(e.kind(), csv::ErrorKind::Io(_));
                Some(Err(err))
            }
        }
    }
}
