//! `GET /healthz` (the process answers) and `GET /readyz` (what this mode depends on
//! answers too: the session auth server, Redis, or the JWKS).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::middleware::Authenticator;

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "The process answers")))]
pub async fn healthz(auth: web::Data<Authenticator>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "mode": auth.verifier.mode()}))
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "What this mode depends on answers"),
        (status = 503, description = "It does not"),
    )
)]
pub async fn readyz(auth: web::Data<Authenticator>) -> HttpResponse {
    match auth.verifier.ready().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "mode": auth.verifier.mode()})),
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "unavailable", "mode": auth.verifier.mode(), "reason": e.to_string()})),
    }
}
