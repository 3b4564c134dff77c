//! The JWT auth server's routes.

mod api_keys;
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
        description = "The Self-Contained Token architecture's auth server: JWT login, refresh, the OAuth 2.0 token endpoint (RFC 6749), revocation (RFC 7009), introspection (RFC 7662), the JWKS, and the API keys of the API-key flow (with a user database)."
    ),
    paths(
        login::login,
        refresh::refresh,
        oauth::token,
        oauth::revoke,
        oauth::introspect,
        jwks::jwks,
        api_keys::issue,
        api_keys::list,
        api_keys::revoke,
        health::healthz,
        health::readyz
    ),
    components(schemas(authbench_core::openapi::ErrorBody))
)]
pub struct ApiDoc;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Resources, not bare routes: a method a path does not take is 405, not 404.
    cfg.service(web::resource("/login").post(login::login))
        .service(web::resource("/refresh").post(refresh::refresh))
        .service(web::resource("/oauth/token").post(oauth::token))
        .service(web::resource("/oauth/revoke").post(oauth::revoke))
        .service(web::resource("/oauth/introspect").post(oauth::introspect))
        .service(web::resource("/.well-known/jwks.json").get(jwks::jwks))
        .service(
            web::resource("/api-keys")
                .post(api_keys::issue)
                .get(api_keys::list),
        )
        .service(web::resource("/api-keys/{id}").delete(api_keys::revoke))
        .service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/readyz").get(health::readyz))
        .service(web::resource("/openapi.json").get(authbench_core::openapi::document));
}
