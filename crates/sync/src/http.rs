//! GET with retries, a rolling-window rate limiter, conditional requests
//! and complete-body checks.

use std::collections::VecDeque;
use std::error::Error as _;
use std::io::Seek;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{
    HeaderMap, HeaderValue, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::{StatusCode, Url};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use crate::config::{HttpConfig, RateLimit, RetryPolicy};
use crate::error::SyncError;
use crate::state::Validators;

/// A sliding-window log: the instants of the last `requests` requests.
/// A token bucket (GCRA) would let a full burst plus the refill into one
/// window, which NVD's "N requests in a rolling 30 s window" forbids.
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    done: VecDeque<Instant>,
    last: Option<Instant>,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Limiter {
            limit,
            done: VecDeque::new(),
            last: None,
        }
    }

    /// Waits until one more request fits in the window.
    pub(crate) async fn wait(&mut self) {
        loop {
            let now = Instant::now();
            let window = self.limit.window;
            while self
                .done
                .front()
                .is_some_and(|&t| t.checked_add(window).is_none_or(|end| end <= now))
            {
                self.done.pop_front();
            }
            let mut until = None;
            if self.done.len() >= self.limit.requests as usize {
                until = self.done.front().and_then(|&t| t.checked_add(window));
            }
            if let Some(next) = self
                .last
                .and_then(|t| t.checked_add(self.limit.min_interval))
            {
                if next > now {
                    until = Some(until.map_or(next, |u: Instant| u.max(next)));
                }
            }
            match until {
                Some(at) if at > now => tokio::time::sleep_until(at).await,
                _ => return,
            }
        }
    }

    /// Marks a request finished (answered or failed). The slot is counted
    /// from here, later than the server saw the request, so the server's
    /// window never holds more than the limit.
    pub(crate) fn record(&mut self) {
        let now = Instant::now();
        self.done.push_back(now);
        self.last = Some(now);
    }
}

/// Where a response body goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Memory,
    /// An anonymous temporary file (large archives).
    File,
}

/// A complete response body.
pub(crate) enum Body {
    Memory(Bytes),
    File(std::fs::File),
}

pub(crate) struct Request {
    pub url: Url,
    pub headers: HeaderMap,
    /// NVD answers 403 when a client is over its rate limit.
    pub retry_forbidden: bool,
    pub target: Target,
    /// Sent as If-None-Match / If-Modified-Since.
    pub validators: Option<Validators>,
}

impl Request {
    pub(crate) fn new(url: Url, target: Target) -> Self {
        Request {
            url,
            headers: HeaderMap::new(),
            retry_forbidden: false,
            target,
            validators: None,
        }
    }
}

pub(crate) enum Fetched<T> {
    NotModified,
    Fresh { value: T, validators: Validators },
}

/// Counters for the report.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    pub requests: u32,
    pub retries: u32,
    pub bytes: u64,
}

struct Failure {
    status: Option<u16>,
    reason: String,
    /// `None`: not worth retrying. `Some(wait)`: retry, after `wait` when
    /// the server said so.
    retry: Option<Option<Duration>>,
}

impl Failure {
    fn transient(status: Option<u16>, reason: String) -> Self {
        Failure {
            status,
            reason,
            retry: Some(None),
        }
    }

    fn fatal(status: Option<u16>, reason: String) -> Self {
        Failure {
            status,
            reason,
            retry: None,
        }
    }
}

pub(crate) struct Fetcher {
    client: reqwest::Client,
    retry: RetryPolicy,
    max_document: u64,
    max_archive: u64,
    temp_dir: PathBuf,
}

impl Fetcher {
    pub(crate) fn new(cfg: &HttpConfig) -> Result<Self, SyncError> {
        if cfg.retry.max_attempts == 0 {
            return Err(SyncError::Config {
                field: "http.retry.max_attempts",
                message: "must be at least 1".into(),
            });
        }
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout)
            .build()
            .map_err(|e| SyncError::Config {
                field: "http",
                message: format!("cannot build the HTTP client: {}", chain(&e)),
            })?;
        Ok(Fetcher {
            client,
            retry: cfg.retry,
            max_document: cfg.max_document_bytes,
            max_archive: cfg.max_archive_bytes,
            temp_dir: cfg.temp_dir.clone().unwrap_or_else(std::env::temp_dir),
        })
    }

    pub(crate) fn max_document(&self) -> u64 {
        self.max_document
    }

    /// GETs `req.url` until a complete body passes `check`, retrying
    /// transient failures per the retry policy. `check` runs on a blocking
    /// thread; its `Err` means the body is damaged and is retried.
    pub(crate) async fn get<T, F>(
        &self,
        req: &Request,
        mut limiter: Option<&mut Limiter>,
        stats: &mut Stats,
        check: F,
    ) -> Result<Fetched<T>, SyncError>
    where
        F: Fn(Body) -> Result<T, String> + Clone + Send + 'static,
        T: Send + 'static,
    {
        let mut last_status = None;
        let mut attempt = 1;
        loop {
            let failure = match self
                .attempt(req, limiter.as_deref_mut(), stats, check.clone())
                .await
            {
                Ok(fetched) => return Ok(fetched),
                Err(f) => f,
            };
            last_status = failure.status.or(last_status);
            let wait = match failure.retry {
                Some(wait) if attempt < self.retry.max_attempts => wait,
                _ => {
                    return Err(SyncError::Fetch {
                        url: req.url.to_string(),
                        attempts: attempt,
                        last_status,
                        reason: failure.reason,
                    })
                }
            };
            let backoff = self
                .retry
                .initial_backoff
                .saturating_mul(1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX));
            tokio::time::sleep(wait.unwrap_or(backoff).min(self.retry.max_backoff)).await;
            stats.retries += 1;
            attempt += 1;
        }
    }

    async fn attempt<T, F>(
        &self,
        req: &Request,
        mut limiter: Option<&mut Limiter>,
        stats: &mut Stats,
        check: F,
    ) -> Result<Fetched<T>, Failure>
    where
        F: Fn(Body) -> Result<T, String> + Send + 'static,
        T: Send + 'static,
    {
        let mut headers = req.headers.clone();
        let conditional = req.validators.as_ref().is_some_and(|v| !v.is_empty());
        if let Some(v) = &req.validators {
            // A value that is not a valid header (a hand-edited state) is
            // dropped: the download is then unconditional, never wrong.
            if let Some(etag) = v
                .etag
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = v
                .last_modified
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(IF_MODIFIED_SINCE, lm);
            }
        }
        if let Some(l) = limiter.as_deref_mut() {
            l.wait().await;
        }
        stats.requests += 1;
        let sent = self
            .client
            .get(req.url.clone())
            .headers(headers)
            .send()
            .await;
        if let Some(l) = limiter {
            l.record();
        }
        let mut response = sent.map_err(|e| Failure::transient(None, chain(&e)))?;
        let status = response.status();
        let code = Some(status.as_u16());
        if status == StatusCode::NOT_MODIFIED {
            return if conditional {
                Ok(Fetched::NotModified)
            } else {
                Err(Failure::fatal(
                    code,
                    "304 Not Modified to an unconditional request".into(),
                ))
            };
        }
        if !status.is_success() {
            let mut reason = status.to_string();
            // NVD explains its refusals in a `message` header.
            if let Some(m) = response
                .headers()
                .get("message")
                .and_then(|v| v.to_str().ok())
            {
                reason = format!("{reason} ({m})");
            }
            let transient = matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
                || (status == StatusCode::FORBIDDEN && req.retry_forbidden);
            return Err(Failure {
                status: code,
                reason,
                retry: transient.then(|| retry_after(response.headers())),
            });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            url: req.url.to_string(),
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        // Unknown when the client inflated a Content-Encoding: gzip body.
        let expected = response.content_length();
        let (body, received) = match req.target {
            Target::Memory => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = next_chunk(&mut response, code).await? {
                    if (buf.len() + chunk.len()) as u64 > self.max_document {
                        return Err(Failure::fatal(
                            code,
                            format!("body exceeds the limit of {} bytes", self.max_document),
                        ));
                    }
                    buf.extend_from_slice(&chunk);
                }
                let n = buf.len() as u64;
                (Body::Memory(buf.freeze()), n)
            }
            Target::File => {
                let dir = &self.temp_dir;
                let file = tempfile::tempfile_in(dir).map_err(|e| {
                    Failure::fatal(
                        code,
                        format!("cannot create a temporary file in {}: {e}", dir.display()),
                    )
                })?;
                let io = |e: std::io::Error| {
                    Failure::fatal(
                        code,
                        format!("writing the temporary file in {}: {e}", dir.display()),
                    )
                };
                let mut out = tokio::fs::File::from_std(file);
                let mut n = 0u64;
                while let Some(chunk) = next_chunk(&mut response, code).await? {
                    n += chunk.len() as u64;
                    if n > self.max_archive {
                        return Err(Failure::fatal(
                            code,
                            format!("body exceeds the limit of {} bytes", self.max_archive),
                        ));
                    }
                    out.write_all(&chunk).await.map_err(io)?;
                }
                out.flush().await.map_err(io)?;
                let mut file = out.into_std().await;
                file.rewind().map_err(io)?;
                (Body::File(file), n)
            }
        };
        stats.bytes += received;
        if let Some(expected) = expected {
            if received < expected {
                return Err(Failure::transient(
                    code,
                    format!("body cut short: {received} of {expected} bytes"),
                ));
            }
        }
        let value = tokio::task::spawn_blocking(move || check(body))
            .await
            .map_err(|e| Failure::fatal(code, format!("checking the body: {e}")))?
            .map_err(|m| Failure::transient(code, format!("incomplete or damaged body: {m}")))?;
        Ok(Fetched::Fresh { value, validators })
    }
}

async fn next_chunk(
    response: &mut reqwest::Response,
    code: Option<u16>,
) -> Result<Option<Bytes>, Failure> {
    response
        .chunk()
        .await
        .map_err(|e| Failure::transient(code, format!("reading the body: {}", chain(&e))))
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// An error and its causes, which reqwest keeps out of its own message.
pub(crate) fn chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = retry_after(&headers(&later)).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
