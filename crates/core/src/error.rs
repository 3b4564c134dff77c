//! Authentication failures and their HTTP answers.
//!
//! Every refusal is a small JSON body `{"error": ..., "error_description": ...}`; the 401s
//! carry a `WWW-Authenticate: Bearer` challenge as RFC 6750 section 3 describes, and a
//! dependency that is down is a quick 503 with `Retry-After`, never a hang or a 500.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The protection space named in every challenge.
pub const REALM: &str = "authbench";

/// Why a request to a protected route was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential at all: 401 with a bare challenge (RFC 6750 section 3.1: no error code).
    #[error("no credential: send `Authorization: Bearer <token>` or the login cookie")]
    MissingCredential,
    /// A credential was sent but is not valid: 401 `invalid_token`.
    #[error("{0}")]
    InvalidToken(String),
    /// Valid credential, missing role: 403 `insufficient_scope`.
    #[error("this route needs the role `{0}`")]
    InsufficientScope(String),
    /// The session store, the auth server or the key source did not answer in time: 503.
    #[error("{0}")]
    Unavailable(String),
    /// A credential header over 8 KB: 431 (RFC 6585), refused before any parsing.
    #[error("{0}")]
    HeaderTooLarge(String),
}

impl AuthError {
    pub fn invalid_token(description: impl Into<String>) -> Self {
        AuthError::InvalidToken(description.into())
    }

    pub fn unavailable(description: impl Into<String>) -> Self {
        AuthError::Unavailable(description.into())
    }

    /// The RFC 6750 error code, if the answer carries one.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            AuthError::MissingCredential => None,
            AuthError::InvalidToken(_) => Some("invalid_token"),
            AuthError::InsufficientScope(_) => Some("insufficient_scope"),
            AuthError::Unavailable(_) => Some("temporarily_unavailable"),
            AuthError::HeaderTooLarge(_) => Some("invalid_request"),
        }
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::MissingCredential | AuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AuthError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::HeaderTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let description = self.to_string();
        let challenge = match self {
            AuthError::MissingCredential => Some(format!("Bearer realm=\"{REALM}\"")),
            AuthError::InvalidToken(_) => Some(bearer_challenge("invalid_token", &description, None)),
            AuthError::InsufficientScope(role) => {
                Some(bearer_challenge("insufficient_scope", &description, Some(role)))
            }
            AuthError::Unavailable(_) => None,
            AuthError::HeaderTooLarge(_) => Some(bearer_challenge("invalid_request", &description, None)),
        };
        let mut response = json_error(
            self.status_code(),
            self.code().unwrap_or("unauthorized"),
            &description,
        );
        let headers = response.headers_mut();
        if let Some(challenge) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if matches!(self, AuthError::Unavailable(_)) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// `Bearer realm="authbench", error="...", error_description="..."[, scope="..."]`.
pub fn bearer_challenge(error: &str, description: &str, scope: Option<&str>) -> String {
    let mut challenge = format!(
        "Bearer realm=\"{REALM}\", error=\"{error}\", error_description=\"{}\"",
        quoted_string_safe(description)
    );
    if let Some(scope) = scope {
        challenge.push_str(&format!(", scope=\"{}\"", quoted_string_safe(scope)));
    }
    challenge
}

/// RFC 6750 limits `error_description` to printable ASCII without `"` and `\`.
fn quoted_string_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if (' '..='~').contains(&c) => c,
            _ => '?',
        })
        .collect()
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// A small JSON error body with the given status.
pub fn json_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ErrorBody {
            error,
            error_description: description,
        })
}

/// Why a login was refused. Shared by both auth servers.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The same answer for an unknown user and a wrong password.
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
    /// Too many failed logins for this user name or from this address.
    #[error("too many failed logins; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ResponseError for LoginError {
    fn status_code(&self) -> StatusCode {
        match self {
            LoginError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            LoginError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            LoginError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            LoginError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            LoginError::InvalidCredentials => {
                let mut response = json_error(self.status_code(), "invalid_credentials", &self.to_string());
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"authbench\""),
                );
                response
            }
            LoginError::Unavailable(_) => {
                let mut response =
                    json_error(self.status_code(), "temporarily_unavailable", &self.to_string());
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                response
            }
            LoginError::TooManyAttempts { retry_after_secs } => {
                let mut response = json_error(self.status_code(), "too_many_requests", &self.to_string());
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            LoginError::Unexpected(e) => {
                tracing::error!(error = ?e, "login failed unexpectedly");
                json_error(self.status_code(), "server_error", "internal error")
            }
        }
    }
}

/// Largest JSON or form body the servers read.
const BODY_LIMIT: usize = 16 * 1024;

/// A JSON extractor configuration whose rejections are small JSON 400s (bad JSON, wrong
/// content type, body too large) instead of actix-web's plain-text default.
pub fn json_config() -> actix_web::web::JsonConfig {
    actix_web::web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, _req| invalid_request(err))
}

/// The same for form bodies (`application/x-www-form-urlencoded`).
pub fn form_config() -> actix_web::web::FormConfig {
    actix_web::web::FormConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, _req| invalid_request(err))
}

/// A body the extractor could not read, answered as `400 invalid_request` in JSON.
fn invalid_request<E: std::fmt::Debug + std::fmt::Display + 'static>(err: E) -> actix_web::Error {
    let description = err.to_string();
    actix_web::error::InternalError::from_response(
        err,
        json_error(StatusCode::BAD_REQUEST, "invalid_request", &description),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    fn challenge_of(response: &HttpResponse) -> String {
        let value = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .expect("a challenge");
        value.to_str().expect("ASCII").to_string()
    }

    #[actix_web::test]
    async fn a_missing_credential_gets_a_bare_bearer_challenge() {
        let response = AuthError::MissingCredential.error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers().get(header::WWW_AUTHENTICATE).unwrap();
        assert_eq!(challenge, "Bearer realm=\"authbench\"");
    }

    #[actix_web::test]
    async fn an_invalid_token_names_the_error_in_header_and_body() {
        let response = AuthError::invalid_token("token \"expired\"").error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = challenge_of(&response);
        assert!(challenge.contains("error=\"invalid_token\""));
        assert!(challenge.contains("error_description=\"token 'expired'\""));
        let body = to_bytes(response.into_body()).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "invalid_token");
    }

    #[actix_web::test]
    async fn a_missing_role_is_403_insufficient_scope_with_the_role_named() {
        let response = AuthError::InsufficientScope("admin".into()).error_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let challenge = challenge_of(&response);
        assert!(challenge.contains("error=\"insufficient_scope\""));
        assert!(challenge.contains("scope=\"admin\""));
    }

    #[actix_web::test]
    async fn an_oversized_credential_header_is_431_invalid_request() {
        let response = AuthError::HeaderTooLarge("too long".into()).error_response();
        assert_eq!(response.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert!(challenge_of(&response).contains("error=\"invalid_request\""));
    }

    #[actix_web::test]
    async fn an_unavailable_dependency_is_503_with_retry_after() {
        let response = AuthError::unavailable("redis down").error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
    }
}
