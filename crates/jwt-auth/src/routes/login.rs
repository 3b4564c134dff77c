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

#[derive(Deserialize)]
pub struct LoginRequest {
    username: String,
    password: SecretString,
}

/// The token answer, field names as in RFC 6749 section 5.1.
#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<u64>,
}

pub async fn login(
    req: HttpRequest,
    body: web::Json<LoginRequest>,
    state: web::Data<State>,
) -> Result<HttpResponse, LoginError> {
    let LoginRequest { username, password } = body.into_inner();
    let address = req.peer_addr().map(|a| a.ip());
    let user = state
        .throttle
        .authenticate(&state.users, &username, password, address)
        .await?;
    let roles = state
        .overrides
        .resolve(&user.sub, user.roles)
        .await
        .map_err(|e| LoginError::Unavailable(e.to_string()))?;
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
