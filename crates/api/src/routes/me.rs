//! `GET /api/me`: the identity the API server sees, whichever flow established it.

use actix_web::HttpResponse;
use authbench_core::Identity;

pub async fn me(identity: Identity) -> HttpResponse {
    HttpResponse::Ok().json(identity)
}
