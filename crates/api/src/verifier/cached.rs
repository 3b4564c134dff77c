//! `session-cached`: the `session` flow with a short-lived cache of positive introspection
//! answers in the API server. Within the cache's lifetime a session id costs no hop; the
//! price is revocation lag: a logout or role change reaches this server up to one cache
//! lifetime late. Refusals are never cached, so a new login is seen at once.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use authbench_core::{AuthError, Identity};

use super::IntrospectionVerifier;

/// At most this many sessions are cached; past it, stale entries go, then all.
const MAX_ENTRIES: usize = 100_000;

pub struct CachedIntrospectionVerifier {
    inner: IntrospectionVerifier,
    ttl: Duration,
    entries: RwLock<HashMap<String, (Identity, Instant)>>,
}

impl CachedIntrospectionVerifier {
    pub fn new(inner: IntrospectionVerifier, ttl: Duration) -> Self {
        CachedIntrospectionVerifier {
            inner,
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub async fn verify(&self, session_id: &str) -> Result<Identity, AuthError> {
        if let Some(identity) = self.cached(session_id) {
            return Ok(identity);
        }
        let identity = self.inner.verify(session_id).await?;
        let mut entries = match self.entries.write() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        };
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(session_id.to_string(), (identity.clone(), Instant::now()));
        Ok(identity)
    }

    fn cached(&self, session_id: &str) -> Option<Identity> {
        let entries = match self.entries.read() {
            Ok(entries) => entries,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (identity, at) = entries.get(session_id)?;
        (at.elapsed() < self.ttl).then(|| identity.clone())
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        self.inner.ready().await
    }
}
