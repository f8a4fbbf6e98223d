//! Service configuration: one [`Settings`] read from an optional TOML file and
//! then `MEDSEC_*` environment variables (`MEDSEC_DATABASE__URL` sets
//! `database.url`: a double underscore separates the section from the key),
//! validated at start with errors that name the key.
//!
//! ```no_run
//! let settings = medsec_config::Settings::load(None).expect("configuration");
//! println!("API on port {}", settings.api.port);
//! ```

mod error;
mod load;
mod sections;

pub use error::ConfigError;
pub use load::{ENV_PREFIX, FILE_ENV};
pub use sections::{
    ApiSettings, CacheSettings, DatabaseSettings, LogFormat, QueueBackend, QueueSettings,
    RedisSettings, S3Settings, SentinelSettings, Settings, TelemetrySettings, WorkerSettings,
};
