//! `GET /healthz` and `GET /readyz`: this server depends on nothing else, so alive is ready.

use actix_web::HttpResponse;
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}
