//! A local HTTP server (axum) that replays the feeds built from the real
//! public data in the shared data directory, and can be told to misbehave.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};

/// What the next request to a route gets instead of its normal answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status, with `Retry-After` when given.
    Status(u16, Option<&'static str>),
    /// Half the body, then the connection drops (Content-Length is the
    /// full length).
    CutOff,
    /// Half the body, framed as complete (Content-Length of the half).
    Truncated,
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub route: &'static str,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub at: Instant,
}

pub struct Feeds {
    /// NVD `vulnerabilities[]` entries (`{"cve": ...}`), sorted by id.
    pub nvd: Vec<Value>,
    pub kev: Bytes,
    pub epss_gz: Bytes,
    /// Ecosystem → (zip, names of the files put in it).
    pub osv: HashMap<String, (Bytes, Vec<String>)>,
}

#[derive(Default)]
struct Control {
    log: Vec<Logged>,
    faults: HashMap<&'static str, VecDeque<Fault>>,
    always: HashMap<&'static str, u16>,
}

pub struct Shared {
    pub feeds: Feeds,
    control: Mutex<Control>,
}

pub struct Server {
    pub base: String,
    pub shared: Arc<Shared>,
}

impl Server {
    pub async fn start(feeds: Feeds) -> Server {
        let shared = Arc::new(Shared {
            feeds,
            control: Mutex::new(Control::default()),
        });
        let app = Router::new()
            .route("/nvd", get(nvd))
            .route("/kev.json", get(kev))
            .route("/epss.csv.gz", get(epss))
            .route("/osv/{eco}/all.zip", get(osv))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server {
            base: format!("http://{addr}"),
            shared,
        }
    }

    pub fn fault(&self, route: &'static str, faults: &[Fault]) {
        let mut c = self.shared.control.lock().unwrap();
        c.faults
            .entry(route)
            .or_default()
            .extend(faults.iter().cloned());
    }

    pub fn always(&self, route: &'static str, status: u16) {
        self.shared
            .control
            .lock()
            .unwrap()
            .always
            .insert(route, status);
    }

    pub fn log(&self, route: &str) -> Vec<Logged> {
        let c = self.shared.control.lock().unwrap();
        c.log.iter().filter(|l| l.route == route).cloned().collect()
    }
}

/// The NVD records of the shared data: API 2.0 pages (their
/// `vulnerabilities`) and single `cve` objects, each CVE once.
pub fn load_nvd(data: &Path) -> Vec<Value> {
    let mut out: HashMap<String, Value> = HashMap::new();
    let dir = data.join("vulns/nvd");
    for path in medsec_testdata::files_under(&dir) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let doc: Value = serde_json::from_slice(&medsec_testdata::read(&path)).unwrap();
        let entries = match doc.get("vulnerabilities") {
            Some(Value::Array(items)) => items.clone(),
            _ if doc.get("sourceIdentifier").is_some() => vec![json!({ "cve": doc })],
            _ => continue,
        };
        for entry in entries {
            let id = entry["cve"]["id"].as_str().unwrap().to_owned();
            out.entry(id).or_insert(entry);
        }
    }
    let mut records: Vec<Value> = out.into_values().collect();
    records.sort_by(|a, b| a["cve"]["id"].as_str().cmp(&b["cve"]["id"].as_str()));
    records
}

/// An NVD `lastModified` (UTC; written without offset, once with `Z`).
pub fn last_modified(record: &Value) -> DateTime<Utc> {
    let text = record["cve"]["lastModified"].as_str().unwrap();
    let text = text.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .unwrap()
        .and_utc()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An OSV `all.zip` of the JSON files under `vulns/osv/<eco>/`.
pub fn osv_zip(data: &Path, eco: &str) -> (Bytes, Vec<String>) {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names = Vec::new();
    for path in medsec_testdata::files_under(&data.join("vulns/osv").join(eco)) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
        names.push(name);
    }
    (Bytes::from(zip.finish().unwrap().into_inner()), names)
}

impl Shared {
    /// Logs the request and returns the fault to apply, if any.
    fn arrive(
        &self,
        route: &'static str,
        query: &HashMap<String, String>,
        headers: &HeaderMap,
    ) -> Option<Fault> {
        let mut c = self.control.lock().unwrap();
        c.log.push(Logged {
            route,
            query: query.clone(),
            headers: headers.clone(),
            at: Instant::now(),
        });
        if let Some(&status) = c.always.get(route) {
            return Some(Fault::Status(status, None));
        }
        c.faults.get_mut(route).and_then(VecDeque::pop_front)
    }
}

fn status(code: u16, message: &str) -> Response {
    let mut r = (StatusCode::from_u16(code).unwrap(), message.to_owned()).into_response();
    r.headers_mut()
        .insert("message", HeaderValue::from_str(message).unwrap());
    r
}

/// The normal answer `body`, or the fault's distortion of it.
fn answer(fault: Option<Fault>, body: Bytes, mut headers: HeaderMap) -> Response {
    match fault {
        None => (headers, body).into_response(),
        Some(Fault::Status(code, retry_after)) => {
            let mut r = status(code, "injected failure");
            if let Some(s) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static(s));
            }
            r
        }
        Some(Fault::Truncated) => (headers, body.slice(..body.len() / 2)).into_response(),
        Some(Fault::CutOff) => {
            headers.insert(header::CONTENT_LENGTH, body.len().into());
            let half = body.slice(..body.len() / 2);
            // The pause lets the headers and the half reach the client
            // before the connection drops.
            let stream =
                futures_util::stream::iter([Ok(half)]).chain(futures_util::stream::once(async {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Err(std::io::Error::other("connection dropped mid-body"))
                }));
            (headers, Body::from_stream(stream)).into_response()
        }
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// NVD CVE API 2.0 paging and `lastModified` filtering, with its limits.
async fn nvd(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let fault = s.arrive("nvd", &q, &headers);
    let rpp: usize = match q.get("resultsPerPage").map(|v| v.parse()) {
        Some(Ok(n)) if (1..=2000).contains(&n) => n,
        None => 2000,
        _ => return status(404, "Invalid resultsPerPage"),
    };
    let start: usize = match q.get("startIndex").map(|v| v.parse()) {
        Some(Ok(n)) => n,
        None => 0,
        _ => return status(404, "Invalid startIndex"),
    };
    let window = match (q.get("lastModStartDate"), q.get("lastModEndDate")) {
        (None, None) => None,
        (Some(a), Some(b)) => match (parse_time(a), parse_time(b)) {
            (Some(a), Some(b)) if b >= a && b - a <= TimeDelta::days(120) => Some((a, b)),
            (Some(_), Some(_)) => return status(404, "Date range exceeds 120 days"),
            _ => return status(404, "Invalid date format"),
        },
        _ => return status(404, "Both lastModStartDate and lastModEndDate are required"),
    };
    let matching: Vec<&Value> = s
        .feeds
        .nvd
        .iter()
        .filter(|r| {
            window.is_none_or(|(a, b)| {
                let t = last_modified(r);
                a <= t && t <= b
            })
        })
        .collect();
    let page: Vec<&Value> = matching.iter().skip(start).take(rpp).copied().collect();
    let body = json!({
        "resultsPerPage": page.len(),
        "startIndex": start,
        "totalResults": matching.len(),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2026-11-27T00:00:00.000",
        "vulnerabilities": page,
    });
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    answer(fault, Bytes::from(serde_json::to_vec(&body).unwrap()), h)
}

/// A file with validators: 304 when the request's match them.
fn file(
    fault: Option<Fault>,
    req: &HeaderMap,
    body: Bytes,
    etag: Option<&'static str>,
    last_modified: Option<&'static str>,
) -> Response {
    let sent = |name| req.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if fault.is_none() {
        let etag_hit = etag.is_some() && sent(header::IF_NONE_MATCH) == etag;
        let date_hit = etag.is_none()
            && last_modified.is_some()
            && sent(header::IF_MODIFIED_SINCE) == last_modified;
        if etag_hit || date_hit {
            return StatusCode::NOT_MODIFIED.into_response();
        }
    }
    let mut h = HeaderMap::new();
    if let Some(e) = etag {
        h.insert(header::ETAG, HeaderValue::from_static(e));
    }
    if let Some(d) = last_modified {
        h.insert(header::LAST_MODIFIED, HeaderValue::from_static(d));
    }
    answer(fault, body, h)
}

pub const KEV_ETAG: &str = "\"kev-2025.08.25\"";
pub const EPSS_LAST_MODIFIED: &str = "Thu, 20 Feb 2025 00:00:00 GMT";
pub const OSV_ETAG: &str = "\"osv-1\"";

async fn kev(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let fault = s.arrive("kev", &HashMap::new(), &headers);
    file(fault, &headers, s.feeds.kev.clone(), Some(KEV_ETAG), None)
}

async fn epss(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let fault = s.arrive("epss", &HashMap::new(), &headers);
    file(
        fault,
        &headers,
        s.feeds.epss_gz.clone(),
        None,
        Some(EPSS_LAST_MODIFIED),
    )
}

async fn osv(
    State(s): State<Arc<Shared>>,
    UrlPath(eco): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let q = HashMap::from([("ecosystem".to_owned(), eco.clone())]);
    let fault = s.arrive("osv", &q, &headers);
    match s.feeds.osv.get(&eco) {
        Some((zip, _)) => file(
            fault,
            &headers,
            zip.clone(),
            Some(OSV_ETAG),
            Some(EPSS_LAST_MODIFIED),
        ),
        None => status(404, "no such ecosystem"),
    }
}
