//! `GET /healthz` (the process answers) and `GET /readyz` (what this mode depends on
//! answers too: the session auth server, Redis, or the JWKS).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::middleware::Authenticator;

pub async fn healthz(auth: web::Data<Authenticator>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "mode": auth.verifier.mode()}))
}

pub async fn readyz(auth: web::Data<Authenticator>) -> HttpResponse {
    match auth.verifier.ready().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "mode": auth.verifier.mode()})),
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "unavailable", "mode": auth.verifier.mode(), "reason": e.to_string()})),
    }
}
