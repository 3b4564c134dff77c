//! The JWT auth server's routes.

mod health;
mod jwks;
mod login;
mod oauth;
mod refresh;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::post().to(login::login))
        .route("/refresh", web::post().to(refresh::refresh))
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/oauth/revoke", web::post().to(oauth::revoke))
        .route("/oauth/introspect", web::post().to(oauth::introspect))
        .route("/.well-known/jwks.json", web::get().to(jwks::jwks))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}
