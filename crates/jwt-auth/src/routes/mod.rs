//! The JWT auth server's routes.

mod health;
mod jwks;
mod login;
mod refresh;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::post().to(login::login))
        .route("/refresh", web::post().to(refresh::refresh))
        .route("/.well-known/jwks.json", web::get().to(jwks::jwks))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::healthz));
}
