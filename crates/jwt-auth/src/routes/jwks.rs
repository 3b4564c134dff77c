//! `GET /.well-known/jwks.json`: the public keys the API server verifies with: the active
//! key and the retired ones still in their grace period. Empty for HS256, whose keys are
//! shared secrets and never published.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::keys;
use crate::startup::State;

#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "jwt",
    responses((status = 200, description = "The public keys (RFC 7517), each with kid and alg; empty for HS256"))
)]
pub async fn jwks(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(keys::jwks(state.issuer.ring().published()))
}
