//! The API server's routes. Everything under `/api` passes the authentication layer.
//! `/public/departments` answers the same list with no authentication at all: the
//! workbench's no-auth baseline, so the cost of each flow is measured against the same
//! server doing the same work.

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
    .route("/public/departments", web::get().to(departments::list_public))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz));
}
