//! The JWT auth server's routes.

mod health;
mod jwks;
mod login;
mod oauth;
mod refresh;

use utoipa::OpenApi;

/// The JWT auth server's OpenAPI document, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "authbench JWT auth server",
        description = "The Self-Contained Token architecture's auth server: JWT login, refresh, the OAuth 2.0 token endpoint (RFC 6749), revocation (RFC 7009), introspection (RFC 7662) and the JWKS."
    ),
    paths(
        login::login,
        refresh::refresh,
        oauth::token,
        oauth::revoke,
        oauth::introspect,
        jwks::jwks,
        health::healthz,
        health::readyz
    ),
    components(schemas(authbench_core::openapi::ErrorBody))
)]
pub struct ApiDoc;

async fn openapi(doc: web::Data<utoipa::openapi::OpenApi>) -> actix_web::HttpResponse {
    authbench_core::openapi::serve(&doc)
}

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::post().to(login::login))
        .route("/refresh", web::post().to(refresh::refresh))
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/oauth/revoke", web::post().to(oauth::revoke))
        .route("/oauth/introspect", web::post().to(oauth::introspect))
        .route("/.well-known/jwks.json", web::get().to(jwks::jwks))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/openapi.json", web::get().to(openapi));
}
