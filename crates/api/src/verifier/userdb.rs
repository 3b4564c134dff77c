//! `jwt-userdb`: verify the token locally as `jwt` does, then load its user from
//! PostgreSQL on every request (Django REST framework simplejwt's `JWTAuthentication`
//! shape). The roles come from the database, not the token, so a role change takes effect
//! at once; a disabled user is refused; a logout writes a cut-off on the user's row that
//! refuses every token issued before it. One query per request, and the database is a
//! dependency again: when it does not answer, 503.

use authbench_core::database::Database;
use authbench_core::{AuthError, Identity};

use super::JwtVerifier;

pub struct UserDbVerifier {
    jwt: JwtVerifier,
    database: Database,
}

impl UserDbVerifier {
    pub fn new(jwt: JwtVerifier, database: Database) -> Self {
        UserDbVerifier { jwt, database }
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let claims = self.jwt.verify_access(token).await?;
        let user = self
            .database
            .user_for_request(&claims.sub)
            .await
            .map_err(|e| AuthError::unavailable(e.to_string()))?;
        let Some(user) = user else {
            return Err(AuthError::invalid_token("the token's user is unknown"));
        };
        if let Some(reason) = user.refuses(claims.iat) {
            return Err(AuthError::invalid_token(reason));
        }
        Ok(Identity {
            sub: claims.sub,
            roles: user.roles,
            expires_at: claims.exp,
        })
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        self.jwt.ready().await?;
        self.database
            .ping()
            .await
            .map_err(|e| AuthError::unavailable(e.to_string()))
    }
}
