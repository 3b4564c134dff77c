//! What the three servers' OpenAPI 3 documents (`GET /openapi.json`) share: the security
//! schemes (bearer token, login cookie, HTTP Basic for service clients), the error body,
//! and serving the document. Each server's document is generated from its handlers'
//! `#[utoipa::path]` attributes.

use actix_web::HttpResponse;
use actix_web::http::header;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Every refusal's body.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// `invalid_token`, `invalid_request`, `insufficient_scope`, `invalid_credentials`,
    /// `invalid_client`, `invalid_grant`, `too_many_requests`, `temporarily_unavailable` ...
    error: String,
    error_description: String,
}

/// Names of the security schemes, as the handlers' `security(...)` attributes use them.
pub const BEARER: &str = "bearer";
pub const SESSION_COOKIE: &str = "session_cookie";
pub const TOKEN_COOKIE: &str = "token_cookie";
pub const BASIC: &str = "client_basic";

/// Adds the security schemes, with the cookie names the settings give (`__Host-` prefixed
/// when Secure).
pub fn with_security(mut doc: OpenApi, session_cookie: &str, token_cookie: &str) -> OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A session id (session flows) or a JWT access token (JWT flows), RFC 6750",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        SESSION_COOKIE,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            session_cookie,
            "The session id cookie set by the session auth server's login",
        ))),
    );
    components.add_security_scheme(
        TOKEN_COOKIE,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            token_cookie,
            "The access-token cookie set by the JWT auth server's login",
        ))),
    );
    components.add_security_scheme(
        BASIC,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "client_id and secret of a confidential client or the API server's service credential",
                ))
                .build(),
        ),
    );
    doc
}

/// `GET /openapi.json`: the document the server keeps in its app data.
pub async fn document(doc: actix_web::web::Data<OpenApi>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(doc.get_ref())
}
