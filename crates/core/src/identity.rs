//! The one identity type handlers see, whichever flow authenticated the request.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use serde::{Deserialize, Serialize};

use crate::AuthError;

/// Who made the request, as the API server's authentication layer established it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identity {
    /// The user id (`sub`).
    pub sub: String,
    pub roles: Vec<String>,
    /// When the credential stops being valid, in seconds since the Unix epoch.
    pub expires_at: u64,
}

impl Identity {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// `Ok` when the identity holds `role`, else a 403 `insufficient_scope`.
    pub fn require_role(&self, role: &str) -> Result<(), AuthError> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(AuthError::InsufficientScope(role.to_string()))
        }
    }
}

/// Handlers take `Identity` as an argument; the authentication middleware put it in the
/// request's extensions, and the handler takes it out (moved, not copied: a handler takes
/// it once). A route outside that middleware gets 401.
impl FromRequest for Identity {
    type Error = AuthError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            req.extensions_mut()
                .remove::<Identity>()
                .ok_or(AuthError::MissingCredential),
        )
    }
}
