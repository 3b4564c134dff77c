//! `/api-keys`: a logged-in user issues, lists and revokes the API keys of seed 004's flow.
//! The caller proves who they are with an access token of this server (the Bearer header
//! or the login cookie) that has not been revoked; the keys live in the user database, so
//! without one these routes answer 501.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use authbench_core::database::api_keys::{ApiKey, IssueError, IssuedKey, KeyRequest};
use authbench_core::database::{Database, DbError};
use authbench_core::error::json_error;
use authbench_core::{AuthError, credential};
use serde::Serialize;

use crate::startup::State;

/// Why a key route refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyRouteError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Invalid(String),
    #[error("this user has no API key {0}, or it is revoked already")]
    NotFound(i64),
    #[error("API keys live in the user database, and this server has none (set database.url)")]
    NoDatabase,
}

impl From<DbError> for KeyRouteError {
    fn from(e: DbError) -> Self {
        KeyRouteError::Auth(AuthError::unavailable(e.to_string()))
    }
}

impl From<IssueError> for KeyRouteError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Db(e) => e.into(),
            IssueError::User => KeyRouteError::Auth(AuthError::invalid_token(
                "the token's user is unknown or disabled",
            )),
            other => KeyRouteError::Invalid(other.to_string()),
        }
    }
}

impl ResponseError for KeyRouteError {
    fn status_code(&self) -> StatusCode {
        match self {
            KeyRouteError::Auth(e) => e.status_code(),
            KeyRouteError::Invalid(_) => StatusCode::BAD_REQUEST,
            KeyRouteError::NotFound(_) => StatusCode::NOT_FOUND,
            KeyRouteError::NoDatabase => StatusCode::NOT_IMPLEMENTED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let description = self.to_string();
        match self {
            KeyRouteError::Auth(e) => e.error_response(),
            KeyRouteError::Invalid(_) => json_error(self.status_code(), "invalid_request", &description),
            KeyRouteError::NotFound(_) => json_error(self.status_code(), "not_found", &description),
            KeyRouteError::NoDatabase => json_error(self.status_code(), "not_implemented", &description),
        }
    }
}

/// The caller, from a valid, unrevoked access token, and the database.
async fn caller<'s>(req: &HttpRequest, state: &'s State) -> Result<(String, &'s Database), KeyRouteError> {
    let database = state.users.database().ok_or(KeyRouteError::NoDatabase)?;
    let token = credential::extract(req, &state.cookie_name)?;
    let claims = state.issuer.verify_access(&token)?;
    let revoked = state
        .denylist
        .is_revoked(&claims.jti, &claims.sub, claims.iat)
        .await
        .map_err(|e| AuthError::unavailable(e.to_string()))?;
    if revoked {
        return Err(AuthError::invalid_token("the token was revoked").into());
    }
    let user = database
        .user_for_request(&claims.sub)
        .await?
        .ok_or_else(|| AuthError::invalid_token("the token's user is unknown"))?;
    match user.refuses(claims.iat) {
        Some(reason) => Err(AuthError::invalid_token(reason).into()),
        None => Ok((claims.sub, database)),
    }
}

/// Issues a key for the caller. The answer is the only time the key is shown.
#[utoipa::path(
    post,
    path = "/api-keys",
    tag = "api-keys",
    request_body = KeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new key (shown this once) and its listing", body = IssuedKey),
        (status = 400, description = "A name, lifetime or scope that cannot be given", body = authbench_core::openapi::ErrorBody),
        (status = 401, description = "No valid access token", body = authbench_core::openapi::ErrorBody),
        (status = 501, description = "This server has no user database", body = authbench_core::openapi::ErrorBody),
        (status = 503, description = "The database or Redis did not answer in time", body = authbench_core::openapi::ErrorBody),
    )
)]
pub async fn issue(
    req: HttpRequest,
    body: web::Json<KeyRequest>,
    state: web::Data<State>,
) -> Result<HttpResponse, KeyRouteError> {
    let (sub, database) = caller(&req, &state).await?;
    let issued = database.issue_api_key(&sub, &body).await?;
    tracing::info!(%sub, id = issued.info.id, "API key issued");
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub keys: Vec<ApiKey>,
}

/// The caller's keys, newest first (never the keys themselves).
#[utoipa::path(
    get,
    path = "/api-keys",
    tag = "api-keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's keys", body = KeyList),
        (status = 401, description = "No valid access token", body = authbench_core::openapi::ErrorBody),
        (status = 501, description = "This server has no user database", body = authbench_core::openapi::ErrorBody),
        (status = 503, description = "The database or Redis did not answer in time", body = authbench_core::openapi::ErrorBody),
    )
)]
pub async fn list(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, KeyRouteError> {
    let (sub, database) = caller(&req, &state).await?;
    let keys = database.list_api_keys(&sub).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(KeyList { keys }))
}

/// Revokes one of the caller's keys: committed before the answer, refused by every API
/// server from the next request on.
#[utoipa::path(
    delete,
    path = "/api-keys/{id}",
    tag = "api-keys",
    params(("id" = i64, Path, description = "The key's id, from its listing")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid access token", body = authbench_core::openapi::ErrorBody),
        (status = 404, description = "The caller has no such live key", body = authbench_core::openapi::ErrorBody),
        (status = 501, description = "This server has no user database", body = authbench_core::openapi::ErrorBody),
        (status = 503, description = "The database or Redis did not answer in time", body = authbench_core::openapi::ErrorBody),
    )
)]
pub async fn revoke(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<State>,
) -> Result<HttpResponse, KeyRouteError> {
    let (sub, database) = caller(&req, &state).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| KeyRouteError::Invalid(format!("`{id}` is not a key id")))?;
    if !database.revoke_api_key(&sub, id).await? {
        return Err(KeyRouteError::NotFound(id));
    }
    tracing::info!(%sub, id, "API key revoked");
    Ok(HttpResponse::NoContent().finish())
}
