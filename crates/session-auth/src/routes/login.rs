//! `POST /login`: steps 1-2 of the Session process. The password is checked, the roles
//! are fetched from the user directory (or an administrator's change in Redis), and a new
//! session goes into Redis; the answer
//! carries the session id in JSON and as a cookie.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use authbench_core::credential;
use authbench_core::error::LoginError;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::startup::State;
use authbench_core::openapi::ErrorBody;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    username: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse<'a> {
    session_id: &'a str,
    token_type: &'static str,
    /// Seconds until the session ends if unused.
    expires_in: u64,
    /// Seconds until the session ends however busy.
    absolute_expires_in: u64,
    sub: &'a str,
    roles: &'a [String],
}

/// Steps 1-2 of the Session process: a new session in Redis, its id in JSON and as a cookie.
#[utoipa::path(
    post,
    path = "/login",
    tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session id also comes as an HttpOnly cookie", body = LoginResponse),
        (status = 400, description = "The body is not the JSON asked for", body = ErrorBody),
        (status = 401, description = "Wrong username or password (the same answer for both)", body = ErrorBody),
        (status = 403, description = "A cookie request from another site", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this user or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn login(
    req: HttpRequest,
    body: web::Json<LoginRequest>,
    state: web::Data<State>,
) -> Result<HttpResponse, LoginError> {
    let LoginRequest { username, password } = body.into_inner();
    let user = state
        .throttle
        .log_in(&state.users, &state.overrides, &req, &username, password)
        .await?;
    let roles = user.roles;

    // Session fixation defence: a login always makes a new id, and a session the client
    // still presents is ended rather than kept alive beside the new one.
    if let Ok(previous) = credential::extract(&req, &state.cookie_name) {
        let _ = state.store.delete(&previous).await;
    }
    let (session_id, record) = state
        .store
        .create(&user.sub, &roles, state.lifetimes)
        .await
        .map_err(|e| LoginError::Unavailable(e.to_string()))?;
    tracing::debug!(sub = %user.sub, "session created");

    let cookie = credential::credential_cookie(
        &state.cookie_name,
        &session_id,
        state.cookie_secure,
        state.lifetimes.absolute,
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(LoginResponse {
            session_id: &session_id,
            token_type: "Bearer",
            expires_in: (record.expires_at_ms - record.created_at_ms) / 1000,
            absolute_expires_in: (record.absolute_expires_at_ms - record.created_at_ms) / 1000,
            sub: &record.sub,
            roles: &record.roles,
        }))
}
