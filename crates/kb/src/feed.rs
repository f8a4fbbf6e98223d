//! What every reader returns, and the decoding they share.

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// Upper bound on an inflated JSON or YAML document, against gzip bombs.
/// The NVD yearly feeds, the largest documents read whole, are well below.
pub const MAX_DOCUMENT_BYTES: u64 = 2 << 30;

/// The outcome of reading one file: the records that were read, the
/// records that were rejected (each error names the file, the record id
/// when known, and the place), and warnings about records that were read
/// but deviate from their schema (what was done about it is in the text).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRead<T> {
    pub records: Vec<T>,
    pub rejected: Vec<Error>,
    pub warnings: Vec<Error>,
}

impl<T> Default for FeedRead<T> {
    fn default() -> Self {
        FeedRead {
            records: Vec::new(),
            rejected: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl<T> FeedRead<T> {
    pub(crate) fn push(&mut self, result: Result<T, Error>) {
        match result {
            Ok(r) => self.records.push(r),
            Err(e) => self.rejected.push(e),
        }
    }

    pub(crate) fn extend(&mut self, other: FeedRead<T>) {
        self.records.extend(other.records);
        self.rejected.extend(other.rejected);
        self.warnings.extend(other.warnings);
    }
}

pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The bytes, inflated when they are gzip.
pub(crate) fn inflate<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, [u8]>, Error> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_DOCUMENT_BYTES)
        .read_to_end(&mut out)
        .map_err(|e| Error::malformed(file, "gzip", e))?;
    if out.len() as u64 >= MAX_DOCUMENT_BYTES {
        return Err(Error::invalid(
            file,
            format!("inflated document exceeds {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    Ok(Cow::Owned(out))
}

/// A reader that inflates gzip input transparently (detected by magic).
/// `Send`, so that a streamed reader can live across an `.await` in a
/// multi-threaded runtime.
pub(crate) fn maybe_gunzip<'a, R: Read + Send + 'a>(
    reader: R,
    file: &str,
) -> Result<Box<dyn BufRead + Send + 'a>, Error> {
    let mut buf = BufReader::new(reader);
    let head = buf
        .fill_buf()
        .map_err(|e| Error::new(file, crate::ErrorKind::Io(e.to_string())))?;
    if is_gzip(head) {
        Ok(Box::new(BufReader::new(MultiGzDecoder::new(buf))))
    } else {
        Ok(Box::new(buf))
    }
}

/// Parses a whole JSON document (gzip allowed) into a `Value`.
pub(crate) fn parse_json(bytes: &[u8], file: &str) -> Result<serde_json::Value, Error> {
    let bytes = inflate(bytes, file)?;
    serde_json::from_slice(&bytes).map_err(|e| json_syntax(file, &e))
}

/// A JSON syntax error located by line and column.
pub(crate) fn json_syntax(file: &str, e: &serde_json::Error) -> Error {
    let text = e.to_string();
    // serde_json appends the position to its message; it goes to `location`.
    let message = match text.rfind(" at line ") {
        Some(pos) => &text[..pos],
        None => &text,
    };
    Error::malformed(file, "JSON", message).at(format!("line {} column {}", e.line(), e.column()))
}

/// Deserialises one record from a `Value`, naming the JSON path of a
/// failure below `base` (the record's own path in the file).
pub(crate) fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
    file: &str,
    base: &str,
    id: Option<&str>,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = join_path(base, &e.path().to_string());
        Error::invalid(file, e.into_inner().to_string())
            .record(id)
            .at(path)
    })
}

/// `base` + `.rest`, where either may be empty or `.` (the root).
pub(crate) fn join_path(base: &str, rest: &str) -> String {
    let rest = if rest == "." { "" } else { rest };
    match (base.is_empty(), rest.is_empty()) {
        (true, true) => ".".to_owned(),
        (true, false) => rest.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) if rest.starts_with('[') => format!("{base}{rest}"),
        (false, false) => format!("{base}.{rest}"),
    }
}

/// The string at `key` of a JSON object, if any.
pub(crate) fn str_at<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(serde_json::Value::as_str)
}

/// Keeps opaque JSON only when it is small, so that one verbose
/// `database_specific` block cannot bloat the store.
pub(crate) fn small_json(v: Option<serde_json::Value>) -> Option<serde_json::Value> {
    const LIMIT: usize = 4096;
    let v = v?;
    if v.is_null() {
        return None;
    }
    let len = serde_json::to_vec(&v)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    (len <= LIMIT).then_some(v)
}

/// The English text of a list of `{lang, value}` entries (first `en*`,
/// else the first entry).
pub(crate) fn english<'a, I>(entries: I) -> Option<String>
where
    I: IntoIterator<Item = (&'a str, &'a str)> + Clone,
{
    entries
        .clone()
        .into_iter()
        .find(|(lang, _)| lang.eq_ignore_ascii_case("en") || lang.starts_with("en"))
        .or_else(|| entries.into_iter().next())
        .map(|(_, v)| v.to_owned())
}

/// A CSV error located by line.
pub(crate) fn csv_error(file: &str, e: &csv::Error) -> Error {
    let err = match e.kind() {
        csv::ErrorKind::Io(io) => Error::new(file, crate::ErrorKind::Io(io.to_string())),
        _ => Error::malformed(file, "CSV", e),
    };
    match e.position() {
        Some(p) => err.at(format!("line {}", p.line())),
        None => err,
    }
}

/// The columns a CSV reader needs, found by header name.
pub(crate) struct Columns {
    headers: csv::StringRecord,
}

impl Columns {
    /// The index of a column (header cells are compared trimmed).
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.trim() == name)
    }

    /// The trimmed cell of `name`, `""` when the column or cell is absent.
    pub(crate) fn get<'r>(&self, row: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index(name)
            .and_then(|i| row.get(i))
            .map_or("", str::trim)
    }

    /// The trimmed cell, `None` when empty.
    pub(crate) fn text(&self, row: &csv::StringRecord, name: &str) -> Option<String> {
        Some(self.get(row, name))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// One row's outcome: the record, or why it was rejected (the message; the
/// file, record id and line are added by [`read_csv_rows`]), plus warnings.
pub(crate) struct RowRead<T> {
    pub result: Result<T, String>,
    pub warnings: Vec<String>,
}

/// Reads a CSV with a header row (gzip allowed) whose header holds every
/// name of `required` (else the file is `Unsupported`, naming `what` it is
/// not), mapping each row with `row`, which gets the row, the columns and
/// returns the record id (for messages) and the outcome.
pub(crate) fn read_csv_rows<R, T, F>(
    reader: R,
    file: &str,
    what: &str,
    required: &[&str],
    mut row: F,
) -> Result<FeedRead<T>, Error>
where
    R: Read + Send,
    F: FnMut(&csv::StringRecord, &Columns) -> (Option<String>, RowRead<T>),
{
    let reader = maybe_gunzip(reader, file)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let headers = csv.headers().map_err(|e| csv_error(file, &e))?.clone();
    let columns = Columns { headers };
    for name in required {
        if columns.index(name).is_none() {
            return Err(
                Error::unsupported(file, format!("header lacks `{name}`: not {what}")).at("line 1"),
            );
        }
    }
    let mut out = FeedRead::default();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let io = matches!(e.kind(), csv::ErrorKind::Io(_));
                out.rejected.push(csv_error(file, &e));
                // An I/O failure would repeat on every further read.
                if io {
                    break;
                }
                continue;
            }
        }
        let line = format!("line {}", record.position().map_or(0, csv::Position::line));
        let (id, read) = row(&record, &columns);
        for w in read.warnings {
            out.warnings.push(
                Error::invalid(file, w)
                    .record(id.as_deref())
                    .at(line.clone()),
            );
        }
        out.push(read.result.map_err(|msg| {
            Error::invalid(file, msg)
                .record(id.as_deref())
                .at(line.clone())
        }));
    }
    Ok(out)
}
