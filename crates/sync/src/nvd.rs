//! NVD CVE API 2.0: `lastModified` windows of at most 120 days, each paged
//! with `startIndex`/`resultsPerPage` until `totalResults`.

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Url;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{NvdConfig, NVD_MAX_RESULTS_PER_PAGE, NVD_MAX_WINDOW_DAYS};
use crate::error::SyncError;
use crate::http::{Body, Fetched, Fetcher, Limiter, Request, Stats, Target};
use crate::report::{Outcome, SourceReport};
use crate::sink::{Checkpoint, Document, DocumentCursor, NvdWindow, Sink, SourceKind};
use crate::state::{NvdCursor, SyncState};

/// The envelope of a result page; the records are only counted here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    start_index: u64,
    total_results: u64,
    #[serde(default)]
    format: Option<String>,
    vulnerabilities: Vec<IgnoredAny>,
}

struct PageInfo {
    body: Bytes,
    start_index: u64,
    total_results: u64,
    records: u64,
}

fn check_page(body: Body) -> Result<PageInfo, String> {
    let Body::Memory(body) = body else {
        return Err("an NVD page is read into memory".into());
    };
    let page: Page = serde_json::from_slice(&body).map_err(|e| format!("NVD page JSON: {e}"))?;
    if let Some(format) = page.format.as_deref().filter(|f| *f != "NVD_CVE") {
        return Err(format!("`format` is `{format}`, expected `NVD_CVE`"));
    }
    Ok(PageInfo {
        start_index: page.start_index,
        total_results: page.total_results,
        records: page.vulnerabilities.len() as u64,
        body,
    })
}

/// NVD's date parameter form: ISO-8601 with milliseconds and an offset.
pub(crate) fn nvd_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// Splits `[start, end]` into consecutive inclusive windows no longer than
/// `max`, lazily (a long range with a short window is many windows). NVD
/// timestamps have millisecond precision, so a window starting 1 ms after
/// the previous one ends neither skips nor repeats a record.
pub(crate) fn windows(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    max: TimeDelta,
) -> impl Iterator<Item = NvdWindow> {
    let mut next = Some(start);
    std::iter::from_fn(move || {
        let s = next.filter(|s| *s <= end)?;
        let e = s.checked_add_signed(max).map_or(end, |e| e.min(end));
        next = e.checked_add_signed(TimeDelta::milliseconds(1));
        Some(NvdWindow { start: s, end: e })
    })
}

pub(crate) async fn sync<S: Sink>(
    cfg: &NvdConfig,
    fetcher: &Fetcher,
    state: &mut SyncState,
    sink: &mut S,
) -> Result<SourceReport, SyncError> {
    let config = |field, message: String| SyncError::Config { field, message };
    let base =
        Url::parse(&cfg.url).map_err(|e| config("nvd.url", format!("`{}`: {e}", cfg.url)))?;
    if !(1..=NVD_MAX_RESULTS_PER_PAGE).contains(&cfg.results_per_page) {
        return Err(config(
            "nvd.results_per_page",
            format!(
                "{} is not in 1..={NVD_MAX_RESULTS_PER_PAGE}",
                cfg.results_per_page
            ),
        ));
    }
    let max_window = TimeDelta::from_std(cfg.max_window)
        .ok()
        .filter(|w| *w >= TimeDelta::milliseconds(1) && *w <= TimeDelta::days(NVD_MAX_WINDOW_DAYS))
        .ok_or_else(|| {
            config(
                "nvd.max_window",
                format!(
                    "{:?} is not between 1 ms and {NVD_MAX_WINDOW_DAYS} days",
                    cfg.max_window
                ),
            )
        })?;
    let overlap = TimeDelta::from_std(cfg.overlap)
        .map_err(|e| config("nvd.overlap", format!("{:?}: {e}", cfg.overlap)))?;
    let limit = cfg.effective_rate_limit();
    if limit.requests == 0 || limit.window.is_zero() || limit.window.as_secs() > 86_400 {
        return Err(config(
            "nvd.rate_limit",
            format!("{limit:?}: needs at least 1 request in a window of up to one day"),
        ));
    }
    if limit.min_interval.as_secs() > 86_400 {
        return Err(config("nvd.rate_limit.min_interval", "over one day".into()));
    }
    let api_key = match &cfg.api_key {
        Some(key) => Some(HeaderValue::from_str(key).map_err(|_| {
            config(
                "nvd.api_key",
                "contains characters not allowed in a header".into(),
            )
        })?),
        None => None,
    };

    let end = cfg.until.unwrap_or_else(Utc::now).trunc_subsecs(3);
    let start = match state.nvd {
        Some(cursor) => Some(
            cursor
                .last_modified_end
                .checked_sub_signed(overlap)
                .unwrap_or(cursor.last_modified_end),
        ),
        None => cfg.since.map(|s| s.trunc_subsecs(3)),
    };
    let plan: Box<dyn Iterator<Item = Option<NvdWindow>> + Send> = match start {
        None => Box::new(std::iter::once(None)),
        Some(s) => Box::new(windows(s, end, max_window).map(Some)),
    };

    let mut report = SourceReport::new(SourceKind::Nvd, "nvd");
    let mut limiter = Limiter::new(limit);
    let mut stats = Stats::default();
    let result = async {
        for window in plan {
            sync_window(
                &base,
                cfg.results_per_page,
                api_key.as_ref(),
                window,
                fetcher,
                &mut limiter,
                &mut stats,
                sink,
                &mut report,
            )
            .await?;
            report.windows += 1;
            state.nvd = Some(NvdCursor {
                last_modified_end: window.map_or(end, |w| w.end),
            });
            let checkpoint = Checkpoint {
                source: SourceKind::Nvd,
                unit: "nvd".into(),
                state: state.clone(),
            };
            sink.checkpoint(checkpoint)
                .await
                .map_err(|error| SyncError::Sink {
                    source_kind: SourceKind::Nvd,
                    name: window.map_or_else(|| "nvd/all".into(), window_name),
                    error,
                })?;
        }
        Ok(())
    }
    .await;
    report.add(stats);
    report.outcome = if report.documents > 0 {
        Outcome::Updated
    } else {
        Outcome::UpToDate
    };
    result.map(|()| report)
}

fn window_name(w: NvdWindow) -> String {
    format!("nvd/{}..{}", nvd_time(w.start), nvd_time(w.end))
}

#[allow(clippy::too_many_arguments)]
async fn sync_window<S: Sink>(
    base: &Url,
    results_per_page: u32,
    api_key: Option<&HeaderValue>,
    window: Option<NvdWindow>,
    fetcher: &Fetcher,
    limiter: &mut Limiter,
    stats: &mut Stats,
    sink: &mut S,
    report: &mut SourceReport,
) -> Result<(), SyncError> {
    let prefix = window.map_or_else(|| "nvd/all".into(), window_name);
    let mut start_index = 0u64;
    loop {
        let mut url = base.clone();
        {
            let mut q = url.query_pairs_mut();
            if let Some(w) = window {
                q.append_pair("lastModStartDate", &nvd_time(w.start));
                q.append_pair("lastModEndDate", &nvd_time(w.end));
            }
            q.append_pair("resultsPerPage", &results_per_page.to_string());
            q.append_pair("startIndex", &start_index.to_string());
        }
        let mut req = Request::new(url, Target::Memory);
        req.retry_forbidden = true;
        if let Some(key) = api_key {
            // Header names are case-insensitive; `http` stores them lowercase.
            req.headers
                .insert(HeaderName::from_static("apikey"), key.clone());
        }
        let page = match fetcher.get(&req, Some(limiter), stats, check_page).await? {
            Fetched::Fresh { value, .. } => value,
            Fetched::NotModified => {
                return Err(SyncError::Content {
                    url: req.url.to_string(),
                    message: "304 Not Modified to a page request".into(),
                })
            }
        };
        if page.start_index != start_index {
            return Err(SyncError::Content {
                url: req.url.to_string(),
                message: format!(
                    "asked for startIndex {start_index}, the page says {}",
                    page.start_index
                ),
            });
        }
        if page.records == 0 && start_index < page.total_results {
            return Err(SyncError::Content {
                url: req.url.to_string(),
                message: format!(
                    "empty page at startIndex {start_index} of totalResults {}",
                    page.total_results
                ),
            });
        }
        let name = format!("{prefix}/startIndex={start_index}");
        let doc = Document {
            source: SourceKind::Nvd,
            name: name.clone(),
            url: req.url.to_string(),
            body: page.body,
            records: Some(page.records),
            cursor: DocumentCursor::NvdPage {
                window,
                start_index,
                total_results: page.total_results,
            },
        };
        sink.document(doc).await.map_err(|error| SyncError::Sink {
            source_kind: SourceKind::Nvd,
            name,
            error,
        })?;
        report.documents += 1;
        report.records += page.records;
        // The records returned, not resultsPerPage: NVD may cap a page.
        start_index += page.records;
        if start_index >= page.total_results {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap()
    }

    #[test]
    fn windows_cover_the_range_without_overlap() {
        let (s, e) = (t("2020-01-01T00:00:00Z"), t("2021-01-01T00:00:00Z"));
        let w: Vec<NvdWindow> = windows(s, e, TimeDelta::days(120)).collect();
        assert_eq!(w.len(), 4);
        assert_eq!(w[0].start, s);
        assert_eq!(w[3].end, e);
        for pair in w.windows(2) {
            assert_eq!(pair[1].start - pair[0].end, TimeDelta::milliseconds(1));
        }
        assert!(w.iter().all(|w| w.end - w.start <= TimeDelta::days(120)));
    }

    #[test]
    fn windows_are_lazy_and_handle_empty_and_instant_ranges() {
        let (s, e) = (t("2015-01-01T00:00:00Z"), t("2025-01-01T00:00:00Z"));
        let tiny: Vec<NvdWindow> = windows(s, e, TimeDelta::milliseconds(1)).take(3).collect();
        assert_eq!(tiny[2].start - s, TimeDelta::milliseconds(4));
        assert_eq!(windows(e, s, TimeDelta::days(1)).count(), 0);
        let one: Vec<NvdWindow> = windows(s, s, TimeDelta::days(1)).collect();
        assert_eq!(one, vec![NvdWindow { start: s, end: s }]);
    }

    #[test]
    fn time_format_has_milliseconds_and_offset() {
        assert_eq!(
            nvd_time(t("2024-02-03T04:05:06.789Z")),
            "2024-02-03T04:05:06.789+00:00"
        );
    }
}
