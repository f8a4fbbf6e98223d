//! RFC 9457 problem details: every error the API answers, its own and
//! actix's (extractors, payload limits, unknown routes), is
//! `application/problem+json`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem details object (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// What went wrong with this request, and where.
    pub detail: String,
    /// Members particular to the kind of problem (`location`, `limit`,
    /// `dependency`, ...).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.status, self.detail)
    }
}

impl Problem {
    /// A problem of kind `slug` (the last segment of its type URI).
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Problem {
        Problem {
            type_uri: format!("https://medsec.dev/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            extensions: Map::new(),
            retry_after: None,
        }
    }

    /// Adds an extension member. The standard members (`type`, `title`,
    /// `status`, `detail`, `instance`) are not extensions: a key of theirs
    /// is ignored rather than let it shadow them in the JSON.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Problem {
        if matches!(key, "type" | "title" | "status" | "detail" | "instance") {
            debug_assert!(
                false,
                "problem extension {key:?} would shadow a standard member"
            );
            return self;
        }
        self.extensions.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    pub fn with_title(mut self, title: &str) -> Problem {
        title.clone_into(&mut self.title);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Problem {
        self.retry_after = Some(seconds);
        self
    }

    pub fn bad_request(slug: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, slug, detail)
    }

    pub fn unprocessable(slug: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, slug, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    /// A dependency (database, queue, object store) does not answer.
    pub fn unavailable(dependency: &str, detail: impl Into<String>, retry_after: u64) -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "dependency-unavailable",
            detail,
        )
        .with("dependency", dependency)
        .retry_after(retry_after)
    }

    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    pub fn response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, CONTENT_TYPE));
        if let Some(seconds) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        builder.body(serde_json::to_vec(self).unwrap_or_default())
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.response()
    }
}

fn slug_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::NOT_ACCEPTABLE => "not-acceptable",
        s if s.is_server_error() => "internal",
        _ => "bad-request",
    }
}

/// Rewrites an error response that is not a problem yet (an extractor's
/// rejection, a payload limit, an unknown route) into one, keeping its
/// status and using the error's message as the detail.
pub fn into_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(CONTENT_TYPE.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = res
        .response()
        .error()
        .map(ToString::to_string)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| match status {
            StatusCode::NOT_FOUND => format!("no route for {}", res.request().path()),
            StatusCode::METHOD_NOT_ALLOWED => format!(
                "{} is not allowed on {}",
                res.request().method(),
                res.request().path()
            ),
            _ => status.canonical_reason().unwrap_or("error").to_owned(),
        });
    let problem = Problem::new(status, slug_for(status), detail);
    let (req, old) = res.into_parts();
    let mut response = problem.response();
    // Keep headers actix set for the error (Allow on 405, for instance).
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
