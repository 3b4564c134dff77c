//! The session auth server's routes.

mod health;
mod introspect;
mod login;
mod logout;

use utoipa::OpenApi;

/// The session auth server's OpenAPI document, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "authbench session auth server",
        description = "The Session architecture's auth server: sessions in Redis, introspection (RFC 7662) and revocation (RFC 7009)."
    ),
    paths(
        login::login,
        logout::logout,
        introspect::introspect,
        introspect::revoke,
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
        .route("/logout", web::post().to(logout::logout))
        .route("/introspect", web::post().to(introspect::introspect))
        .route("/revoke", web::post().to(introspect::revoke))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/openapi.json", web::get().to(openapi));
}
