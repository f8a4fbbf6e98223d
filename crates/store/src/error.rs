use std::fmt;

/// What went wrong talking to the database, and where.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot connect to PostgreSQL at {url}: {source}")]
    Connect {
        /// The connection URL with any password replaced by `***`.
        url: String,
        #[source]
        source: diesel::ConnectionError,
    },
    #[error("invalid pool settings: {0}")]
    PoolSettings(String),
    #[error("cannot build the connection pool for {url}: {source}")]
    PoolBuild {
        url: String,
        #[source]
        source: diesel_async::pooled_connection::deadpool::BuildError,
    },
    #[error("no connection from the pool for {url}: {source}")]
    Pool {
        url: String,
        #[source]
        source: diesel_async::pooled_connection::deadpool::PoolError,
    },
    #[error("migrations failed on {url}: {message}")]
    Migration { url: String, message: String },
    #[error("the migration task for {url} did not finish: {source}")]
    Task {
        url: String,
        #[source]
        source: tokio::task::JoinError,
    },
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Query {
        context: QueryContext,
        #[source]
        source: diesel::result::Error,
    },
}

/// Which repository operation a query error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryContext(pub &'static str);

impl fmt::Display for QueryContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// For diesel-async's `transaction`, whose callback errors must absorb the
/// errors of `BEGIN` and `COMMIT`.
impl From<diesel::result::Error> for StoreError {
    fn from(source: diesel::result::Error) -> Self {
        StoreError::Query {
            context: QueryContext("running a transaction"),
            source,
        }
    }
}

impl StoreError {
    pub(crate) fn query(context: &'static str) -> impl FnOnce(diesel::result::Error) -> Self {
        move |source| StoreError::Query {
            context: QueryContext(context),
            source,
        }
    }
}

/// A connection string fit for error messages and logs: the password of a
/// URL (`postgres://user:secret@host/db`) or of a key/value string
/// (`host=h password=secret`) is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &url[rest_start..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                return format!(
                    "{}{}:***{}",
                    &url[..rest_start],
                    &userinfo[..colon],
                    &rest[at..]
                );
            }
        }
        return url.to_owned();
    }
    // Key/value form: values may be quoted with single quotes.
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(pos) = rest.find("password") {
        let (before, after) = rest.split_at(pos);
        out.push_str(before);
        let after_key = &after["password".len()..];
        let trimmed = after_key.trim_start();
        let is_key = before.is_empty() || before.ends_with(char::is_whitespace);
        if is_key && trimmed.starts_with('=') {
            out.push_str("password=***");
            let value = trimmed[1..].trim_start();
            let value_len = if let Some(quoted) = value.strip_prefix('\'') {
                quoted.find('\'').map_or(value.len(), |end| end + 2)
            } else {
                value.find(char::is_whitespace).unwrap_or(value.len())
            };
            rest = &value[value_len.min(value.len())..];
        } else {
            out.push_str("password");
            rest = after_key;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://medsec:s3cr@t@db:5432/medsec?sslmode=require"),
            "postgres://medsec:***@db:5432/medsec?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            redact_url("host=db user=medsec password='a b' dbname=medsec"),
            "host=db user=medsec password=*** dbname=medsec"
        );
        assert_eq!(
            redact_url("host=db password = x dbname=medsec"),
            "host=db password=*** dbname=medsec"
        );
        assert_eq!(redact_url("postgres://ü:pä@h/d"), "postgres://ü:***@h/d");
        // Truncated and odd inputs are returned without the secret and
        // without panicking.
        assert_eq!(redact_url("password='unterminated"), "password=***");
        for odd in [
            "",
            "password",
            "password=",
            "password = ",
            "://",
            "://@",
            "postgres://:@",
            "mypassword=x",
        ] {
            let _ = redact_url(odd);
        }
        assert_eq!(redact_url("mypassword=x"), "mypassword=x");
    }
}
