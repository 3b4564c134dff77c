//! `POST /login`: steps 1-2 of the Self-Contained Token process. The password is checked,
//! the roles fetched (with any administrator's change from Redis), and both go into
//! signed tokens; nothing is stored.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use authbench_core::credential;
use authbench_core::error::LoginError;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::startup::State;
use crate::tokens::FIRST_PARTY_CLIENT_ID;
use authbench_core::openapi::ErrorBody;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    username: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
}

/// The token answer, field names as in RFC 6749 section 5.1.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<u64>,
}

/// Steps 1-2 of the Self-Contained Token process: an access token (also as an HttpOnly
/// cookie) and a refresh token. Nothing is stored.
#[utoipa::path(
    post,
    path = "/login",
    tag = "jwt",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "The body is not the JSON asked for", body = ErrorBody),
        (status = 401, description = "Wrong username or password (the same answer for both)", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this user or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Redis (role changes, login limits) did not answer in time", body = ErrorBody),
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
    let access = state
        .issuer
        .issue_access(&user.sub, &roles)
        .map_err(|e| LoginError::Unexpected(e.into()))?;
    let refresh = state
        .issuer
        .issue_refresh(&user.sub, FIRST_PARTY_CLIENT_ID, None, None)
        .map_err(|e| LoginError::Unexpected(e.into()))?;
    let policy = state.issuer.policy();
    Ok(token_answer(
        &state,
        TokenResponse {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: policy.access_ttl.as_secs(),
            refresh_token: Some(refresh.token),
            refresh_expires_in: Some(policy.refresh_ttl.as_secs()),
        },
    ))
}

/// The JSON answer, plus the access token as an `HttpOnly` cookie for browsers.
pub fn token_answer(state: &State, body: TokenResponse) -> HttpResponse {
    let cookie = credential::credential_cookie(
        &state.cookie_name,
        &body.access_token,
        state.cookie_secure,
        state.issuer.policy().access_ttl,
    );
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(body)
}
