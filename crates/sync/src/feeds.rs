//! Feeds published as one file: the CISA KEV catalog and the EPSS scores.
//! Each is checked with its `medsec-kb` reader before it is handed over,
//! so a damaged download is fetched again rather than imported.

use std::borrow::Cow;
use std::io::Read;

use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use reqwest::Url;

use crate::config::FeedConfig;
use crate::error::SyncError;
use crate::http::{Body, Fetched, Fetcher, Request, Stats, Target};
use crate::report::{Outcome, SourceReport};
use crate::sink::{Checkpoint, Document, DocumentCursor, Sink, SourceKind};
use crate::state::{SyncState, Validators};

struct Checked {
    body: Bytes,
    records: u64,
    rejected: u64,
}

fn memory(body: Body) -> Result<Bytes, String> {
    match body {
        Body::Memory(b) => Ok(b),
        Body::File(_) => Err("a feed file is read into memory".into()),
    }
}

fn check_kev(body: Body, file: &str) -> Result<Checked, String> {
    let body = memory(body)?;
    let (_, read) = medsec_kb::kev::read_json(&body, file).map_err(|e| e.to_string())?;
    Ok(Checked {
        records: read.records.len() as u64,
        rejected: read.rejected.len() as u64,
        body,
    })
}

/// Inflating the whole file checks the gzip CRC and length, which a
/// truncated download fails.
fn check_epss(body: Body, file: &str, max: u64) -> Result<Checked, String> {
    let body = memory(body)?;
    let csv: Cow<[u8]> = if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        MultiGzDecoder::new(&body[..])
            .take(max.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| format!("gzip: {e}"))?;
        if out.len() as u64 > max {
            return Err(format!("inflates past the limit of {max} bytes"));
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(&body[..])
    };
    let reader = medsec_kb::epss::EpssReader::new(&csv[..], file).map_err(|e| e.to_string())?;
    let (mut records, mut rejected) = (0, 0);
    for row in reader {
        match row {
            Ok(_) => records += 1,
            Err(_) => rejected += 1,
        }
    }
    Ok(Checked {
        body,
        records,
        rejected,
    })
}

pub(crate) async fn sync<S: Sink>(
    kind: SourceKind,
    cfg: &FeedConfig,
    fetcher: &Fetcher,
    state: &mut SyncState,
    sink: &mut S,
) -> Result<SourceReport, SyncError> {
    let field = match kind {
        SourceKind::Kev => "kev.url",
        _ => "epss.url",
    };
    let url = Url::parse(&cfg.url).map_err(|e| SyncError::Config {
        field,
        message: format!("`{}`: {e}", cfg.url),
    })?;
    let file = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .unwrap_or(kind.as_str())
        .to_owned();
    fn slot(state: &mut SyncState, kind: SourceKind) -> &mut Option<Validators> {
        match kind {
            SourceKind::Kev => &mut state.kev,
            _ => &mut state.epss,
        }
    }
    let mut req = Request::new(url.clone(), Target::Memory);
    req.validators = slot(state, kind)
        .as_ref()
        .filter(|v| v.url == url.as_str())
        .cloned();
    let max = fetcher.max_document();
    let name = file.clone();
    let check = move |body| match kind {
        SourceKind::Kev => check_kev(body, &name),
        _ => check_epss(body, &name, max),
    };
    let mut report = SourceReport::new(kind, kind.as_str());
    let mut stats = Stats::default();
    let fetched = fetcher.get(&req, None, &mut stats, check).await;
    report.add(stats);
    let (checked, validators) = match fetched? {
        Fetched::NotModified => {
            report.outcome = Outcome::NotModified;
            return Ok(report);
        }
        Fetched::Fresh { value, validators } => (value, validators),
    };
    let name = format!("{kind}/{file}");
    let doc = Document {
        source: kind,
        name: name.clone(),
        url: url.to_string(),
        body: checked.body,
        records: Some(checked.records),
        cursor: DocumentCursor::Whole,
    };
    let sink_error = |error| SyncError::Sink {
        source_kind: kind,
        name: name.clone(),
        error,
    };
    sink.document(doc).await.map_err(sink_error)?;
    report.documents = 1;
    report.records = checked.records;
    report.rejected = checked.rejected;
    report.outcome = Outcome::Updated;
    *slot(state, kind) = Some(validators);
    let checkpoint = Checkpoint {
        source: kind,
        unit: kind.as_str().to_owned(),
        state: state.clone(),
    };
    sink.checkpoint(checkpoint).await.map_err(sink_error)?;
    Ok(report)
}
