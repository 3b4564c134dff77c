//! `jwt-denylist`: verify the token locally as `jwt` does, then ask Redis whether it was
//! revoked (its `jti`, or every token of its user before a role change). Revocation takes
//! effect at once, for one Redis read per request, and the API server depends on Redis
//! again: when Redis does not answer, the request gets 503 (fail closed).

use authbench_core::denylist::Denylist;
use authbench_core::{AuthError, Identity};

use super::JwtVerifier;

pub struct DenylistVerifier {
    jwt: JwtVerifier,
    denylist: Denylist,
}

impl DenylistVerifier {
    pub fn new(jwt: JwtVerifier, denylist: Denylist) -> Self {
        DenylistVerifier { jwt, denylist }
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let claims = self.jwt.verify_access(token).await?;
        let revoked = self
            .denylist
            .is_revoked(claims.jti.as_str(), &claims.sub, claims.iat)
            .await
            .map_err(|e| AuthError::unavailable(e.to_string()))?;
        if revoked {
            return Err(AuthError::invalid_token("the token was revoked"));
        }
        Ok(Identity {
            sub: claims.sub,
            roles: claims.roles,
            expires_at: claims.exp,
        })
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        self.jwt.ready().await?;
        self.denylist
            .ping()
            .await
            .map_err(|e| AuthError::unavailable(e.to_string()))
    }
}
