//! `GET /healthz` (the process answers) and `GET /readyz` (Redis answers too).

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
    responses((status = 200, description = "Redis answers"), (status = 503, description = "Redis does not"))
)]
pub async fn readyz(state: web::Data<State>) -> HttpResponse {
    authbench_core::server::redis_readiness(state.store.ping().await)
}
