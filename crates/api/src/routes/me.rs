//! `GET /api/me`: the identity the API server sees, whichever flow established it.

use actix_web::HttpResponse;
use authbench_core::Identity;
use authbench_core::openapi::ErrorBody;

#[utoipa::path(
    get,
    path = "/api/me",
    tag = "api",
    security(("bearer" = []), ("session_cookie" = []), ("token_cookie" = [])),
    responses(
        (status = 200, description = "Who the API server sees", body = Identity),
        (status = 401, description = "No credential, or one that is not valid (RFC 6750 challenge)", body = ErrorBody),
        (status = 431, description = "A credential over 8 KB", body = ErrorBody),
        (status = 503, description = "What this mode depends on did not answer in time", body = ErrorBody),
    )
)]
pub async fn me(identity: Identity) -> HttpResponse {
    HttpResponse::Ok().json(identity)
}
