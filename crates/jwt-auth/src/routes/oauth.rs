//! The OAuth 2.0 endpoints, form-encoded as the RFCs define them:
//! - `POST /oauth/token` (RFC 6749): the `password`, `refresh_token` (with rotation) and
//!   `client_credentials` grants;
//! - `POST /oauth/revoke` (RFC 7009): an access token's `jti` goes on the denylist until
//!   it expires; a refresh token's whole family is revoked;
//! - `POST /oauth/introspect` (RFC 7662): for the API server's service credential and
//!   registered confidential clients; anything not valid is `{"active": false}`.
//!
//! The `password` grant is here as a teaching shortcut: RFC 9700 (OAuth 2.0 Security Best
//! Current Practice) says it must not be used, because the client sees the password.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use authbench_core::claims::{AccessClaims, RefreshClaims};
use authbench_core::credential;
use authbench_core::error::{LoginError, json_error};
use authbench_core::openapi::ErrorBody;
use authbench_core::redis_conn::CallError;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::clients::{Client, ClientRefused};
use crate::families::Use;
use crate::startup::State;

/// An OAuth 2.0 error answer (RFC 6749 section 5.2).
#[derive(Debug, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )
    }

    fn too_many(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("too many failed logins; try again in {retry_after_secs} s"),
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    fn unavailable(e: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            e.to_string(),
        )
    }
}

impl From<ClientRefused> for OAuthError {
    fn from(_: ClientRefused) -> Self {
        OAuthError::invalid_client()
    }
}

impl From<CallError> for OAuthError {
    fn from(e: CallError) -> Self {
        OAuthError::unavailable(e)
    }
}

impl From<authbench_core::roles::RolesError> for OAuthError {
    fn from(e: authbench_core::roles::RolesError) -> Self {
        OAuthError::unavailable(e)
    }
}

impl From<authbench_core::database::DbError> for OAuthError {
    fn from(e: authbench_core::database::DbError) -> Self {
        OAuthError::unavailable(e)
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = json_error(self.status, self.code, &self.description);
        let headers = response.headers_mut();
        headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"authbench\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        if let Some(value) = self
            .retry_after
            .and_then(|s| header::HeaderValue::from_str(&s.to_string()).ok())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The grants the token endpoint takes (for the OpenAPI document; the form reads a string,
/// so that another value is answered `unsupported_grant_type` as RFC 6749 says).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    Password,
    RefreshToken,
    ClientCredentials,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    #[schema(value_type = GrantType, required = true)]
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<SecretString>,
    refresh_token: Option<String>,
    scope: Option<String>,
}

/// A successful token answer (RFC 6749 section 5.1).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenAnswer {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// The token endpoint (RFC 6749).
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Tokens; Cache-Control: no-store", body = TokenAnswer),
        (status = 400, description = "invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type or invalid_scope", body = ErrorBody),
        (status = 401, description = "invalid_client", body = ErrorBody),
        (status = 429, description = "Too many failed logins (password grant); see Retry-After", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn token(
    req: HttpRequest,
    form: web::Form<TokenRequest>,
    state: web::Data<State>,
) -> Result<HttpResponse, OAuthError> {
    let form = form.into_inner();
    let grant_type = form
        .grant_type
        .clone()
        .ok_or_else(|| OAuthError::invalid_request("grant_type is missing"))?;
    if !matches!(
        grant_type.as_str(),
        "password" | "refresh_token" | "client_credentials"
    ) {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!(
                "grant_type `{grant_type}` is not supported: use password, refresh_token or client_credentials"
            ),
        ));
    }
    let client = state
        .clients
        .authenticate(&req, form.client_id.as_deref(), form.client_secret.as_deref())
        .await?;
    if !client.may_use(&grant_type) {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!("client `{}` may not use the {grant_type} grant", client.client_id),
        ));
    }
    let answer = match grant_type.as_str() {
        "password" => password_grant(&state, &client, form, &req).await?,
        "refresh_token" => refresh_grant(&state, &client, form).await?,
        _ => client_credentials_grant(&state, &client, form)?,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(answer))
}

fn invalid_scope(scope: String) -> OAuthError {
    OAuthError::new(
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        format!("the scope `{scope}` is not available to this client"),
    )
}

async fn password_grant(
    state: &State,
    client: &Client,
    form: TokenRequest,
    req: &HttpRequest,
) -> Result<TokenAnswer, OAuthError> {
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return Err(OAuthError::invalid_request(
            "the password grant needs username and password",
        ));
    };
    let scope = client.grant_scope(form.scope.as_deref()).map_err(invalid_scope)?;
    let user = match state
        .throttle
        .log_in(&state.users, &state.overrides, req, &username, password)
        .await
    {
        Ok(user) => user,
        Err(LoginError::InvalidCredentials) => {
            return Err(OAuthError::invalid_grant("wrong username or password"));
        }
        Err(LoginError::TooManyAttempts { retry_after_secs }) => {
            return Err(OAuthError::too_many(retry_after_secs));
        }
        Err(e) => return Err(OAuthError::unavailable(e)),
    };
    issue_pair(state, client, &user.sub, &user.roles, scope.as_deref(), None)
}

async fn refresh_grant(
    state: &State,
    client: &Client,
    form: TokenRequest,
) -> Result<TokenAnswer, OAuthError> {
    let presented = form
        .refresh_token
        .ok_or_else(|| OAuthError::invalid_request("the refresh_token grant needs refresh_token"))?;
    let claims = state
        .issuer
        .verify_refresh(&presented)
        .map_err(|e| OAuthError::invalid_grant(e.to_string()))?;
    if claims.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    // A narrower scope may be asked for, never a wider one (RFC 6749 section 6).
    let scope = match form.scope.as_deref() {
        None => claims.scope.clone(),
        Some(asked) => {
            let held: Vec<&str> = claims.scope.as_deref().unwrap_or("").split_whitespace().collect();
            if let Some(bad) = asked.split_whitespace().find(|s| !held.contains(s)) {
                return Err(invalid_scope(bad.to_string()));
            }
            Some(asked.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    };
    match state.families.use_token(&claims, true).await? {
        Use::Current => {}
        Use::Replayed => {
            tracing::warn!(sub = %claims.sub, "a rotated-out refresh token was used again; its family is revoked");
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used; every token of its family is now revoked",
            ));
        }
        Use::Revoked => return Err(OAuthError::invalid_grant("the refresh token was revoked")),
    }
    let roles = state
        .overrides
        .roles_now(&state.users, &claims.sub)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("the token's user no longer exists"))?;
    issue_pair(
        state,
        client,
        &claims.sub,
        &roles,
        scope.as_deref(),
        Some(&claims),
    )
}

fn client_credentials_grant(
    state: &State,
    client: &Client,
    form: TokenRequest,
) -> Result<TokenAnswer, OAuthError> {
    let scope = client.grant_scope(form.scope.as_deref()).map_err(invalid_scope)?;
    // The client acts for itself: it is the subject (RFC 9068 section 2.2), has no user
    // roles, and gets no refresh token (RFC 6749 section 4.4.3).
    let access = state
        .issuer
        .issue_access_for(&client.client_id, &[], &client.client_id, scope.as_deref())
        .map_err(OAuthError::unavailable)?;
    Ok(TokenAnswer {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: state.issuer.policy().access_ttl.as_secs(),
        refresh_token: None,
        scope,
    })
}

fn issue_pair(
    state: &State,
    client: &Client,
    sub: &str,
    roles: &[String],
    scope: Option<&str>,
    previous: Option<&RefreshClaims>,
) -> Result<TokenAnswer, OAuthError> {
    let access = state
        .issuer
        .issue_access_for(sub, roles, &client.client_id, scope)
        .map_err(OAuthError::unavailable)?;
    let refresh = state
        .issuer
        .issue_refresh(sub, &client.client_id, scope, previous)
        .map_err(OAuthError::unavailable)?;
    Ok(TokenAnswer {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: state.issuer.policy().access_ttl.as_secs(),
        refresh_token: Some(refresh.token),
        scope: scope.map(str::to_string),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenForm {
    token: Option<String>,
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// RFC 7009: the answer is 200 whether or not the token was valid, so that a client
/// learns nothing from it; only a failing client authentication or a store that is down
/// answers otherwise.
#[utoipa::path(
    post,
    path = "/oauth/revoke",
    tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "Revoked, if it was a token of this client"),
        (status = 400, description = "The form has no token", body = ErrorBody),
        (status = 401, description = "invalid_client", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn revoke(
    req: HttpRequest,
    form: web::Form<TokenForm>,
    state: web::Data<State>,
) -> Result<HttpResponse, OAuthError> {
    let client = state
        .clients
        .authenticate(&req, form.client_id.as_deref(), form.client_secret.as_deref())
        .await?;
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    match state.issuer.verify_access(token) {
        // Only the client the token was issued to may revoke it (RFC 7009 section 2.1).
        Ok(claims) if claims.client_id == client.client_id => {
            let leeway = state.issuer.policy().leeway;
            state
                .denylist
                .revoke_token(&claims.jti, &claims.sub, claims.exp, leeway)
                .await?;
            cut_off(&state, &claims.sub).await?;
            tracing::debug!(sub = %claims.sub, "access token revoked");
        }
        Ok(_) => {}
        Err(_) => {
            if let Ok(claims) = state.issuer.verify_refresh(token)
                && claims.client_id == client.client_id
            {
                state.families.revoke(&claims).await?;
                cut_off(&state, &claims.sub).await?;
                tracing::debug!(sub = %claims.sub, "refresh-token family revoked");
            }
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// With a user database, a revocation is a logout for the API servers that read the user on
/// every request (`jwt-userdb`): every token of the user issued before now is cut off on the
/// user's row, committed before the answer.
async fn cut_off(state: &State, sub: &str) -> Result<(), OAuthError> {
    if let Some(database) = state.users.database() {
        database.cut_off_tokens(sub).await?;
    }
    Ok(())
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Introspection {
    Active {
        active: bool,
        sub: String,
        client_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        roles: Vec<String>,
        exp: u64,
        iat: u64,
        iss: String,
        aud: String,
        jti: String,
        token_type: &'static str,
    },
    Inactive {
        active: bool,
    },
}

/// RFC 7662, for the API server's service credential and registered confidential clients.
#[utoipa::path(
    post,
    path = "/oauth/introspect",
    tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security(("client_basic" = [])),
    responses(
        (status = 200, description = "`{\"active\": false}` for anything not valid", body = Introspection),
        (status = 400, description = "The form has no token", body = ErrorBody),
        (status = 401, description = "invalid_client: not a confidential client or the service credential", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn introspect(
    req: HttpRequest,
    form: web::Form<TokenForm>,
    state: web::Data<State>,
) -> Result<HttpResponse, OAuthError> {
    if !service_caller(&req, &state) {
        let client = state
            .clients
            .authenticate(&req, form.client_id.as_deref(), form.client_secret.as_deref())
            .await?;
        if !client.confidential {
            return Err(OAuthError::invalid_client());
        }
    }
    let token = form
        .token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let answer = if let Ok(c) = state.issuer.verify_access(token) {
        if state.denylist.is_revoked(&c.jti, &c.sub, c.iat).await? {
            Introspection::Inactive { active: false }
        } else {
            active_access(c)
        }
    } else if let Ok(c) = state.issuer.verify_refresh(token) {
        if state.families.is_current(&c).await? {
            Introspection::Active {
                active: true,
                sub: c.sub,
                client_id: c.client_id,
                scope: c.scope,
                roles: Vec::new(),
                exp: c.exp,
                iat: c.iat,
                iss: c.iss,
                aud: c.aud,
                jti: c.jti,
                token_type: "refresh_token",
            }
        } else {
            Introspection::Inactive { active: false }
        }
    } else {
        Introspection::Inactive { active: false }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

fn active_access(c: AccessClaims) -> Introspection {
    Introspection::Active {
        active: true,
        sub: c.sub,
        client_id: c.client_id,
        scope: c.scope,
        roles: c.roles,
        exp: c.exp,
        iat: c.iat,
        iss: c.iss,
        aud: c.aud,
        jti: c.jti,
        token_type: "Bearer",
    }
}

/// The API server's service credential (`introspection.client_id` and its secret), when
/// this server was given the secret.
fn service_caller(req: &HttpRequest, state: &State) -> bool {
    state
        .introspection_secret
        .as_ref()
        .is_some_and(|secret| credential::is_service_caller(req, &state.introspection_client_id, secret))
}
