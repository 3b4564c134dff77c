//! `POST /logout`: the session is deleted from Redis at once, so the next API call with
//! its id is refused, whichever API server receives it.

use actix_web::{HttpRequest, HttpResponse, web};
use authbench_core::{AuthError, credential};

use crate::startup::State;
use authbench_core::openapi::ErrorBody;

#[utoipa::path(
    post,
    path = "/logout",
    tag = "session",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Logged out; the cookie is removed"),
        (status = 401, description = "No session id sent, or one that is not a live session", body = ErrorBody),
        (status = 403, description = "A cookie request from another site", body = ErrorBody),
        (status = 431, description = "A credential over 8 KB", body = ErrorBody),
        (status = 503, description = "Redis did not answer in time", body = ErrorBody),
    )
)]
pub async fn logout(req: HttpRequest, state: web::Data<State>) -> Result<HttpResponse, AuthError> {
    let session_id = credential::extract(&req, &state.cookie_name)?;
    let ended = state
        .store
        .delete(&session_id)
        .await
        .map_err(|e| AuthError::unavailable(e.to_string()))?;
    let removal = credential::removal_cookie(&state.cookie_name, state.cookie_secure);
    if !ended {
        // Not a live session (never was, expired, or logged out already): a credential
        // that is not valid is refused, as on every other route. The stale cookie goes.
        let mut response = actix_web::ResponseError::error_response(&AuthError::invalid_token(
            "the session is unknown, expired or logged out",
        ));
        let _ = response.add_cookie(&removal);
        return Ok(response);
    }
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}
