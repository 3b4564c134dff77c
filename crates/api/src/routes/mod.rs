//! The API server's routes. Everything under `/api` passes the authentication layer.

mod departments;
mod health;
mod me;

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::middleware::authenticate;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .wrap(from_fn(authenticate))
            .route("/me", web::get().to(me::me))
            .route("/departments", web::get().to(departments::list))
            .route("/departments", web::post().to(departments::create)),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz));
}
