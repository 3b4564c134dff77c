//! `session-redis`: the API server reads the session from Redis itself, skipping the auth
//! server (the common shortcut; it ties every API server to the session store).

use authbench_core::session_store::SessionStore;
use authbench_core::{AuthError, Identity};

use super::inactive_session;

pub struct RedisSessionVerifier {
    store: SessionStore,
}

impl RedisSessionVerifier {
    pub fn new(store: SessionStore) -> Self {
        RedisSessionVerifier { store }
    }

    pub async fn verify(&self, session_id: &str) -> Result<Identity, AuthError> {
        match self.store.touch(session_id).await {
            Ok(Some(record)) => Ok(Identity {
                sub: record.sub,
                roles: record.roles,
                expires_at: record.expires_at_ms / 1000,
            }),
            Ok(None) => Err(inactive_session()),
            Err(e) => Err(AuthError::unavailable(e.to_string())),
        }
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        self.store
            .ping()
            .await
            .map_err(|e| AuthError::unavailable(e.to_string()))
    }
}
