//! Who is asking: the tenant of the `Authorization: Bearer <key>` API key,
//! or the default tenant when keys are not required and none is sent.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use medsec_store::jobs;
use sha2::{Digest, Sha256};

use crate::problem::Problem;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    /// The audit log's actor: `key:<first 8 hex of the key hash>` or
    /// `anonymous`.
    pub actor: String,
}

fn unauthorized(detail: &str) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
}

fn bearer(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    let (scheme, token) = text.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Tenant {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Tenant, Problem>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req.headers().get(header::AUTHORIZATION).cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| Problem::internal("application state missing"))?;
            let Some(header) = header else {
                if state.settings.api.require_api_key {
                    return Err(unauthorized(
                        "an API key is required: Authorization: Bearer <key>",
                    ));
                }
                return Ok(Tenant {
                    id: jobs::DEFAULT_TENANT.to_owned(),
                    actor: "anonymous".to_owned(),
                });
            };
            let key = bearer(&header)
                .ok_or_else(|| unauthorized("header Authorization must be `Bearer <API key>`"))?;
            let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
            let mut conn = state.conn().await?;
            let tenant = jobs::tenant_for_api_key(&mut conn, &hash)
                .await
                .map_err(state.db_error())?
                .ok_or_else(|| unauthorized("the API key is unknown or revoked"))?;
            Ok(Tenant {
                id: tenant,
                actor: format!("key:{}", &hex::encode(hash)[..8]),
            })
        })
    }
}
