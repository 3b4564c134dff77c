//! The authentication layer in front of `/api`: find the credential, have the verifier
//! check it, and put the resulting [`Identity`] into the request for the handlers.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use authbench_core::{AuthError, credential};

use crate::verifier::Verifier;

/// What the authentication layer needs: the verifier and the cookie to look in.
pub struct Authenticator {
    pub verifier: Verifier,
    pub cookie_name: String,
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let auth = req
        .app_data::<web::Data<Authenticator>>()
        .cloned()
        .ok_or_else(|| AuthError::unavailable("the authentication layer is not configured"))?;
    let credential = credential::extract(req.request(), &auth.cookie_name)?;
    let identity = auth.verifier.verify(&credential).await?;
    req.extensions_mut().insert(identity);
    next.call(req).await
}
