use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::DateTime;
use medsec_store::jobs::JobCursor;
use uuid::Uuid;

/// The opaque `cursor` of `GET /jobs`: the position of the last job of a
/// page, base64url of `<created_at microseconds>.<job id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobCursorToken(JobCursor);

impl JobCursorToken {
    pub fn encode(cursor: JobCursor) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}.{}",
            cursor.created_at.timestamp_micros(),
            cursor.id
        ))
    }

    pub fn parse(raw: &str) -> Result<JobCursorToken, String> {
        let invalid = || format!("cursor {raw:?} is not one this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (micros, id) = text.split_once('.').ok_or_else(invalid)?;
        let micros: i64 = micros.parse().map_err(|_| invalid())?;
        let created_at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        Ok(JobCursorToken(JobCursor { created_at, id }))
    }

    pub fn cursor(self) -> JobCursor {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let cursor = JobCursor {
            created_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        let token = JobCursorToken::encode(cursor);
        assert_eq!(JobCursorToken::parse(&token).unwrap().cursor(), cursor);
        assert!(JobCursorToken::parse("nope!").is_err());
        assert!(JobCursorToken::parse(&URL_SAFE_NO_PAD.encode("1.x")).is_err());
    }
}
