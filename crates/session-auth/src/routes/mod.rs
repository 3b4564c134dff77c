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

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Resources, not bare routes: a method a path does not take is 405, not 404.
    cfg.service(web::resource("/login").post(login::login))
        .service(web::resource("/logout").post(logout::logout))
        .service(web::resource("/introspect").post(introspect::introspect))
        .service(web::resource("/revoke").post(introspect::revoke))
        .service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/readyz").get(health::readyz))
        .service(web::resource("/openapi.json").get(authbench_core::openapi::document));
}
