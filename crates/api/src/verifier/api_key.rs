//! `api-key`: an opaque key, looked up in PostgreSQL on every request with its user and
//! scopes (seed 004: "the server looks up the key in the database and checks the
//! permissions"). A revoked key, a role taken away and a disabled user take effect at the
//! next request; the price is one database query per request, and the API server depends
//! on the database: when it does not answer, the request gets 503 (fail closed).

use authbench_core::database::Database;
use authbench_core::database::api_keys::is_well_formed;
use authbench_core::{AuthError, Identity};

pub struct ApiKeyVerifier {
    database: Database,
}

impl ApiKeyVerifier {
    pub fn new(database: Database) -> Self {
        ApiKeyVerifier { database }
    }

    pub async fn verify(&self, key: &str) -> Result<Identity, AuthError> {
        // Anything without a key's shape is refused before it costs a query.
        if !is_well_formed(key) {
            return Err(AuthError::invalid_token("the credential is not an API key"));
        }
        match self.database.lookup_api_key(key).await {
            Ok(Some(owner)) => Ok(Identity {
                sub: owner.sub,
                roles: owner.roles,
                expires_at: (owner.expires_at_ms / 1000).max(0) as u64,
            }),
            Ok(None) => Err(AuthError::invalid_token(
                "the API key is unknown, revoked or expired",
            )),
            Err(e) => Err(AuthError::unavailable(e.to_string())),
        }
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        self.database
            .ping()
            .await
            .map_err(|e| AuthError::unavailable(e.to_string()))
    }
}
