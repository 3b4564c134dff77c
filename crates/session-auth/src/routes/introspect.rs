//! `POST /introspect`: step 5 of the Session process. The API server asks whether a
//! session id is valid and for whom; the answer has the shape of RFC 7662:
//! `{"active": true, "sub": ..., "roles": [...], "exp": ...}` or `{"active": false}`.
//! Callers authenticate with the configured service credential (HTTP Basic).
//!
//! `POST /revoke` (RFC 7009) ends a session for the service or for its holder.

use actix_web::ResponseError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use authbench_core::claims::FIRST_PARTY_CLIENT_ID;
use authbench_core::error::json_error;
use authbench_core::openapi::ErrorBody;
use authbench_core::{AuthError, credential};
use serde::{Deserialize, Serialize};

use crate::startup::State;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IntrospectRequest {
    token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum IntrospectResponse {
    Active {
        active: bool,
        sub: String,
        roles: Vec<String>,
        /// When the session ends if unused, in seconds since the Unix epoch.
        exp: u64,
        iat: u64,
        token_type: &'static str,
    },
    Inactive {
        active: bool,
    },
}

/// Step 5 of the Session process (RFC 7662): is this session id live, and whose is it?
#[utoipa::path(
    post,
    path = "/introspect",
    tag = "session",
    request_body(content = IntrospectRequest, content_type = "application/x-www-form-urlencoded"),
    security(("client_basic" = [])),
    responses(
        (status = 200, description = "`{\"active\": false}` for anything that is not a live session", body = IntrospectResponse),
        (status = 400, description = "The form has no token", body = ErrorBody),
        (status = 401, description = "No or a wrong service credential", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn introspect(
    req: HttpRequest,
    form: web::Form<IntrospectRequest>,
    state: web::Data<State>,
) -> HttpResponse {
    if !caller_is_authorised(&req, &state) {
        return invalid_client("introspection needs the service credential (HTTP Basic)");
    }
    let started = std::time::Instant::now();
    let touched = state.store.touch(&form.token).await;
    // The Redis hop behind this answer (step 6), for devtools and the teaching demos.
    let timing = (
        "server-timing",
        format!(
            "redis;desc=\"session read from Redis\";dur={:.3}",
            started.elapsed().as_secs_f64() * 1000.0
        ),
    );
    match touched {
        Ok(Some(record)) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(timing)
            .json(IntrospectResponse::Active {
                active: true,
                sub: record.sub,
                roles: record.roles,
                exp: record.expires_at_ms / 1000,
                iat: record.created_at_ms / 1000,
                token_type: "session",
            }),
        Ok(None) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(timing)
            .json(IntrospectResponse::Inactive { active: false }),
        Err(e) => AuthError::unavailable(e.to_string()).error_response(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeRequest {
    token: Option<String>,
    client_id: Option<String>,
}

/// `POST /revoke` (RFC 7009): the session is deleted at once. The caller is the service
/// credential (HTTP Basic) or the first-party public client naming itself
/// (`client_id=authbench-login`), for whom holding the session id is the proof. The answer
/// is 200 whether or not the id was a live session.
#[utoipa::path(
    post,
    path = "/revoke",
    tag = "session",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    security(("client_basic" = []), ()),
    responses(
        (status = 200, description = "The session, if there was one, is ended"),
        (status = 400, description = "The form has no token", body = ErrorBody),
        (status = 401, description = "Neither the service credential nor client_id=authbench-login", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn revoke(
    req: HttpRequest,
    form: web::Form<RevokeRequest>,
    state: web::Data<State>,
) -> HttpResponse {
    let public_client = form.client_id.as_deref() == Some(FIRST_PARTY_CLIENT_ID)
        && credential::basic_credentials(&req).is_none();
    if !public_client && !caller_is_authorised(&req, &state) {
        return invalid_client("revocation needs the service credential (HTTP Basic) or client_id");
    }
    let Some(token) = form.token.as_deref() else {
        return json_error(StatusCode::BAD_REQUEST, "invalid_request", "token is missing");
    };
    match state.store.delete(token).await {
        Ok(_) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e) => AuthError::unavailable(e.to_string()).error_response(),
    }
}

fn invalid_client(description: &str) -> HttpResponse {
    let mut response = json_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"authbench\""),
    );
    response
}

fn caller_is_authorised(req: &HttpRequest, state: &State) -> bool {
    credential::is_service_caller(req, &state.introspection_client_id, &state.introspection_secret)
}
