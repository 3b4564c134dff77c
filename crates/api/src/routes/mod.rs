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

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::middleware::authenticate;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Resources, not bare routes: a method a path does not take is 405, not 404.
    cfg.service(
        web::scope("/api")
            .wrap(from_fn(authenticate))
            .service(web::resource("/me").get(me::me))
            .service(
                web::resource("/departments")
                    .get(departments::list)
                    .post(departments::create),
            ),
    )
    .service(web::resource("/public/departments").get(departments::list_public))
    .service(web::resource("/healthz").get(health::healthz))
    .service(web::resource("/readyz").get(health::readyz))
    .service(web::resource("/openapi.json").get(authbench_core::openapi::document));
}
