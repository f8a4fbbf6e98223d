//! What to download, from where, and how politely.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// NVD CVE API 2.0.
pub const NVD_URL: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
/// The OSV bucket; archives are at `<base>/<ECOSYSTEM>/all.zip`.
pub const OSV_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// The CISA Known Exploited Vulnerabilities catalog.
pub const KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// The daily FIRST EPSS scores.
pub const EPSS_URL: &str = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";

/// NVD rejects a `lastModStartDate`/`lastModEndDate` range longer than this.
pub const NVD_MAX_WINDOW_DAYS: i64 = 120;
/// NVD's largest `resultsPerPage`.
pub const NVD_MAX_RESULTS_PER_PAGE: u32 = 2000;

/// Everything [`crate::sync`] needs besides the saved state. A source set
/// to `None` is skipped.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub nvd: Option<NvdConfig>,
    pub osv: Option<OsvConfig>,
    pub kev: Option<FeedConfig>,
    pub epss: Option<FeedConfig>,
    pub http: HttpConfig,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            nvd: Some(NvdConfig::default()),
            osv: Some(OsvConfig::default()),
            kev: Some(FeedConfig {
                url: KEV_URL.to_owned(),
            }),
            epss: Some(FeedConfig {
                url: EPSS_URL.to_owned(),
            }),
            http: HttpConfig::default(),
        }
    }
}

/// The NVD CVE API 2.0 and how its `lastModified` windows are walked.
#[derive(Clone)]
pub struct NvdConfig {
    pub url: String,
    /// Sent as the `apiKey` request header; raises the rate limit.
    pub api_key: Option<String>,
    /// 1 to [`NVD_MAX_RESULTS_PER_PAGE`].
    pub results_per_page: u32,
    /// Longest `lastModified` window asked for in one go; at most
    /// [`NVD_MAX_WINDOW_DAYS`] days. Longer ranges are split.
    pub max_window: Duration,
    /// Where the first sync starts when the state has no NVD cursor:
    /// `None` pages through the whole database without a date filter.
    pub since: Option<DateTime<Utc>>,
    /// End of the range to fetch; `None` is the current time.
    pub until: Option<DateTime<Utc>>,
    /// How far before the saved cursor the next window starts. NVD can
    /// expose a change a little after its `lastModified`; re-reading a
    /// margin costs a few records, which imports absorb idempotently.
    pub overlap: Duration,
    /// `None` applies NVD's documented limit for the key/no-key case.
    pub rate_limit: Option<RateLimit>,
}

impl Default for NvdConfig {
    fn default() -> Self {
        NvdConfig {
            url: NVD_URL.to_owned(),
            api_key: None,
            results_per_page: NVD_MAX_RESULTS_PER_PAGE,
            max_window: Duration::from_secs(NVD_MAX_WINDOW_DAYS as u64 * 86_400),
            since: None,
            until: None,
            overlap: Duration::from_secs(3600),
            rate_limit: None,
        }
    }
}

// The key stays out of logs and panics.
impl std::fmt::Debug for NvdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NvdConfig")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("results_per_page", &self.results_per_page)
            .field("max_window", &self.max_window)
            .field("since", &self.since)
            .field("until", &self.until)
            .field("overlap", &self.overlap)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

impl NvdConfig {
    /// The limit in force: the configured one, or NVD's published one.
    pub fn effective_rate_limit(&self) -> RateLimit {
        self.rate_limit.unwrap_or(if self.api_key.is_some() {
            RateLimit::NVD_WITH_KEY
        } else {
            RateLimit::NVD_PUBLIC
        })
    }
}

/// At most `requests` requests in any rolling `window`, and at least
/// `min_interval` between two requests. A request occupies its slot from
/// the moment it is sent until `window` after its response arrived, so the
/// server never counts more than `requests` in its own window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
    pub min_interval: Duration,
}

impl RateLimit {
    /// NVD without a key: 5 requests in a rolling 30 s window, and the
    /// recommended 6 s pause between requests.
    pub const NVD_PUBLIC: RateLimit = RateLimit {
        requests: 5,
        window: Duration::from_secs(30),
        min_interval: Duration::from_secs(6),
    };
    /// NVD with a key: 50 requests in a rolling 30 s window.
    pub const NVD_WITH_KEY: RateLimit = RateLimit {
        requests: 50,
        window: Duration::from_secs(30),
        min_interval: Duration::ZERO,
    };
}

/// The OSV per-ecosystem archives.
#[derive(Debug, Clone)]
pub struct OsvConfig {
    pub url: String,
    /// Ecosystem names as OSV spells them (`PyPI`, `crates.io`, `Go`, ...).
    pub ecosystems: Vec<String>,
}

impl Default for OsvConfig {
    fn default() -> Self {
        OsvConfig {
            url: OSV_URL.to_owned(),
            ecosystems: [
                "Alpine",
                "crates.io",
                "Debian",
                "Go",
                "Maven",
                "npm",
                "NuGet",
                "Packagist",
                "PyPI",
                "RubyGems",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

/// A feed published as one file (KEV, EPSS).
#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub url: String,
}

/// Client settings shared by all sources.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response bytes.
    pub read_timeout: Duration,
    pub retry: RetryPolicy,
    /// Largest body held in memory (an NVD page, the KEV catalog, the
    /// EPSS file, one OSV record).
    pub max_document_bytes: u64,
    /// Largest OSV archive written to the temporary directory.
    pub max_archive_bytes: u64,
    /// Where OSV archives are spooled; `None` is the system's.
    pub temp_dir: Option<PathBuf>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            user_agent: concat!("medsec-sync/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            max_document_bytes: 1 << 30,
            max_archive_bytes: 16 << 30,
            temp_dir: None,
        }
    }
}

/// Retries of transient failures: 403 from NVD (its rate-limit answer),
/// 408, 429, 500, 502, 503, 504, connection errors, and bodies that are
/// cut short or do not parse. The wait doubles from `initial_backoff` up to
/// `max_backoff`; a `Retry-After` header replaces it (still capped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(120),
        }
    }
}
