//! `GET /healthz` (the process answers) and `GET /readyz` (Redis answers too, and the user
//! database when there is one).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::startup::State;

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "The process answers")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses((status = 200, description = "Redis and the user database (if any) answer"), (status = 503, description = "One of them does not"))
)]
pub async fn readyz(state: web::Data<State>) -> HttpResponse {
    let database = match state.users.database() {
        Some(db) => Some(db.ping().await),
        None => None,
    };
    authbench_core::server::readiness(state.store.ping().await, database)
}
