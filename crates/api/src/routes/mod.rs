//! The API server's routes. Everything under `/api` passes the authentication layer.
//! `/public/departments` answers the same list with no authentication at all: the
//! workbench's no-auth baseline, so the cost of each flow is measured against the same
//! server doing the same work.

mod departments;
mod health;
mod me;

use utoipa::OpenApi;

/// The API server's OpenAPI document, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "authbench API server",
        description = "The protected API, the same in every mode (session, session-redis, session-cached, jwt, jwt-denylist)."
    ),
    paths(
        me::me,
        departments::list,
        departments::create,
        departments::list_public,
        health::healthz,
        health::readyz
    ),
    components(schemas(
        authbench_core::Identity,
        crate::departments::Department,
        departments::NewDepartment,
        authbench_core::openapi::ErrorBody
    ))
)]
pub struct ApiDoc;

async fn openapi(doc: web::Data<utoipa::openapi::OpenApi>) -> actix_web::HttpResponse {
    authbench_core::openapi::serve(&doc)
}

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
    .route("/readyz", web::get().to(health::readyz))
    .route("/openapi.json", web::get().to(openapi));
}
