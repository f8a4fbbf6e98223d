use std::path::Path;

use config::{Config, Environment, File, FileFormat};

use crate::{ConfigError, Settings};

/// Every environment variable starting with this (and `_`) is read.
pub const ENV_PREFIX: &str = "MEDSEC";
/// Names the configuration file when [`Settings::load`] is given none.
pub const FILE_ENV: &str = "MEDSEC_CONFIG";

/// Short names kept for the variables the deployment guide and the `medsec`
/// command already use, mapped onto their keys.
const ALIASES: &[(&str, &str)] = &[
    ("MEDSEC_API_PORT", "api.port"),
    ("MEDSEC_DATABASE_URL", "database.url"),
    ("MEDSEC_REDIS_URL", "redis.url"),
];

impl Settings {
    /// Defaults, then the file (`path`, else `$MEDSEC_CONFIG` when set), then
    /// `MEDSEC_*` environment variables; then [`Settings::validate`].
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        let file = path
            .map(|p| p.to_string_lossy().into_owned())
            .or_else(|| std::env::var(FILE_ENV).ok().filter(|p| !p.is_empty()));
        Settings::load_from(file.as_deref(), vars)
    }

    /// [`Settings::load`] with the environment given explicitly (for tests
    /// and for tools that build their own).
    pub fn load_from(
        file: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(key, _)| key.starts_with(ENV_PREFIX))
            .collect();
        let mut builder = Config::builder();
        if let Some(path) = file {
            // Read here rather than by `config` so a missing file is an error
            // that names it.
            let text = std::fs::read_to_string(path).map_err(|err| ConfigError::File {
                path: path.to_owned(),
                source: config::ConfigError::Foreign(Box::new(err)),
            })?;
            let parsed = Config::builder()
                .add_source(File::from_str(&text, FileFormat::Toml))
                .build()
                .map_err(|source| ConfigError::File {
                    path: path.to_owned(),
                    source,
                })?;
            builder = builder.add_source(parsed);
        }
        let nested = env
            .iter()
            .filter(|(key, _)| key.contains("__"))
            .cloned()
            .collect::<std::collections::HashMap<_, _>>();
        builder = builder.add_source(
            Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("redis.sentinel.nodes")
                .source(Some(nested)),
        );
        for (var, key) in ALIASES {
            let nested_set = env.iter().any(|(k, _)| {
                k.eq_ignore_ascii_case(&format!("MEDSEC_{}", key.replace('.', "__")))
            });
            if let Some((_, value)) = env.iter().find(|(k, _)| k == var) {
                if !nested_set {
                    builder = builder
                        .set_override(*key, value.as_str())
                        .map_err(ConfigError::Read)?;
                }
            }
        }
        let settings: Settings = builder
            .build()
            .map_err(ConfigError::Read)?
            .try_deserialize()
            .map_err(ConfigError::Read)?;
        settings.validate()?;
        Ok(settings)
    }
}
