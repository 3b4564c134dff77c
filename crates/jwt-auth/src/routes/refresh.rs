//! `POST /refresh`: a valid refresh token buys a new access token. The roles are fetched
//! again (directory and administrator's changes), so a role change reaches the next access
//! token (at the latest one access-token lifetime after the change: the JWT flow's known
//! weak spot).
//!
//! This simple JSON form does not rotate the refresh token (`POST /oauth/token` with
//! `grant_type=refresh_token` does), but it honours rotation: a token of a revoked family,
//! or one already rotated out, is refused, and the latter revokes its family.

use actix_web::{HttpResponse, web};
use authbench_core::AuthError;
use serde::Deserialize;

use super::login::{TokenResponse, token_answer};
use crate::families::Use;
use crate::startup::State;
use authbench_core::openapi::ErrorBody;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

#[utoipa::path(
    post,
    path = "/refresh",
    tag = "jwt",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token", body = super::login::TokenResponse),
        (status = 400, description = "The body is not the JSON asked for", body = ErrorBody),
        (status = 401, description = "Not a valid, current refresh token (RFC 6750 challenge)", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn refresh(
    body: web::Json<RefreshRequest>,
    state: web::Data<State>,
) -> Result<HttpResponse, AuthError> {
    let claims = state.issuer.verify_refresh(&body.refresh_token)?;
    let unavailable = |e: authbench_core::redis_conn::CallError| AuthError::unavailable(e.to_string());
    match state
        .families
        .use_token(&claims, false)
        .await
        .map_err(unavailable)?
    {
        Use::Current => {}
        Use::Replayed => {
            return Err(AuthError::invalid_token(
                "the refresh token was already rotated out; its family is now revoked",
            ));
        }
        Use::Revoked => return Err(AuthError::invalid_token("the refresh token was revoked")),
    }
    let roles = state
        .overrides
        .roles_now(&state.users, &claims.sub)
        .await
        .map_err(|e| AuthError::unavailable(e.to_string()))?
        .ok_or_else(|| AuthError::invalid_token("the token's user no longer exists"))?;
    let access = state.issuer.issue_access(&claims.sub, &roles)?;
    Ok(token_answer(
        &state,
        TokenResponse {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: state.issuer.policy().access_ttl.as_secs(),
            refresh_token: None,
            refresh_expires_in: None,
        },
    ))
}
