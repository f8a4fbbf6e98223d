use actix_web::HttpRequest;

use crate::problem::Problem;

pub const HEADER: &str = "Idempotency-Key";

/// The `Idempotency-Key` header (IETF draft httpapi-idempotency-key): 1 to
/// 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<IdempotencyKey, String> {
        // The draft sends the key as a structured-field string: quotes are
        // allowed around it.
        let key = raw
            .strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .unwrap_or(raw);
        if key.is_empty() || key.len() > 255 {
            return Err(format!("must be 1 to 255 characters, got {}", key.len()));
        }
        if let Some(bad) = key.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(format!("contains {bad:?}; only visible ASCII is allowed"));
        }
        Ok(IdempotencyKey(key.to_owned()))
    }

    /// The header of `req`, when present.
    pub fn from_request(req: &HttpRequest) -> Result<Option<IdempotencyKey>, Problem> {
        let Some(value) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        let text = value.to_str().map_err(|_| {
            Problem::bad_request(
                "invalid-idempotency-key",
                "header Idempotency-Key is not ASCII",
            )
        })?;
        IdempotencyKey::parse(text).map(Some).map_err(|reason| {
            Problem::bad_request(
                "invalid-idempotency-key",
                format!("header Idempotency-Key: {reason}"),
            )
            .with("header", HEADER)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
