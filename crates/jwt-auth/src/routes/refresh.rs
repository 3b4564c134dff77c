//! `POST /refresh`: a valid refresh token buys a new access token. The roles are fetched
//! from the user directory again, so a role change reaches the next access token (at the
//! latest one access-token lifetime after the change: the JWT flow's known weak spot).

use actix_web::{HttpResponse, web};
use authbench_core::AuthError;
use serde::Deserialize;

use super::login::{TokenResponse, token_answer};
use crate::startup::State;

#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

pub async fn refresh(
    body: web::Json<RefreshRequest>,
    state: web::Data<State>,
) -> Result<HttpResponse, AuthError> {
    let claims = state.issuer.verify_refresh(&body.refresh_token)?;
    let roles = state
        .users
        .roles_of(&claims.sub)
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
