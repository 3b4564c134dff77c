//! `jwt`: the API server verifies the self-contained token alone: signature, lifetime,
//! issuer, audience and kind. No call leaves the process, except for fetching public keys
//! (asymmetric algorithms), which happens once and then only on an unknown `kid`, at most
//! once per configured interval.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use authbench_core::flows::SigningAlgorithm;
use authbench_core::jws::{self, AccessChecks, JwsError, VerifiedAccess, VerifyKey};
use authbench_core::{AuthError, Identity};
use jsonwebtoken::jwk::{JwkSet, PublicKeyUse};

/// What the API server checks tokens against.
pub struct JwtVerifier {
    keys: KeySource,
    checks: AccessChecks,
}

/// Where the verification keys come from.
pub enum KeySource {
    /// HS256: the secrets shared with the JWT auth server, the active one and any retired
    /// ones, each found by its `kid`.
    Shared(Vec<SharedKey>),
    /// EdDSA, ES256, RS256: public keys from the auth server's JWKS.
    Jwks(JwksCache),
}

/// An HMAC key the API server accepts, until a moment for a retired one.
pub struct SharedKey {
    pub kid: String,
    pub key: VerifyKey,
    /// Seconds since the Unix epoch; `None` for the active key.
    pub accepted_until: Option<u64>,
}

impl JwtVerifier {
    pub fn new(keys: KeySource, issuer: String, audience: String, leeway: Duration) -> Self {
        JwtVerifier {
            keys,
            checks: AccessChecks {
                issuer,
                audience,
                leeway,
            },
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let verified = self.verify_access(token).await?;
        Ok(Identity {
            sub: verified.sub,
            roles: verified.roles,
            expires_at: verified.exp,
        })
    }

    /// What the token says, once every check passed (see [`jws::verify_access`]).
    pub async fn verify_access(&self, token: &str) -> Result<VerifiedAccess, AuthError> {
        let refused = |e: JwsError| AuthError::invalid_token(e.to_string());
        match &self.keys {
            KeySource::Shared(keys) => {
                let find = |kid: Option<&str>| {
                    let now = authbench_core::time::now_secs();
                    kid.and_then(|kid| {
                        keys.iter()
                            .find(|k| k.kid == kid && k.accepted_until.is_none_or(|until| now < until))
                    })
                    .map(|k| &k.key)
                    .ok_or(JwsError::UnknownKey)
                };
                jws::verify_access(token, find, &self.checks).map_err(refused)
            }
            KeySource::Jwks(cache) => {
                // The key may have to be fetched (an await), so the `kid` is read first; the
                // check itself then reads the header again, which costs well under a
                // microsecond beside any asymmetric signature.
                let kid = jws::peek_kid(token).map_err(refused)?;
                let kid = kid.ok_or_else(|| AuthError::invalid_token("the token names no key (kid)"))?;
                let key = cache.key(&kid).await?;
                jws::verify_access(token, |_| Ok::<_, JwsError>(key), &self.checks).map_err(refused)
            }
        }
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        match &self.keys {
            KeySource::Shared(_) => Ok(()),
            KeySource::Jwks(cache) => cache.ensure_loaded().await,
        }
    }
}

/// The auth server's public keys, fetched from its JWKS and kept by `kid` for the JWKS's
/// max-age; then fetched again, so a key the auth server retired stops being accepted.
pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    keys: RwLock<Arc<HashMap<String, Arc<VerifyKey>>>>,
    /// When the keys were last fetched successfully.
    fetched_at: RwLock<Option<Instant>>,
    /// When a fetch was last tried.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    min_refetch_interval: Duration,
    max_age: Duration,
}

impl JwksCache {
    pub fn new(
        url: String,
        timeout: Duration,
        min_refetch_interval: Duration,
        max_age: Duration,
    ) -> Result<Self, reqwest::Error> {
        Ok(JwksCache {
            url,
            client: jwks_client(timeout)?,
            keys: RwLock::new(Arc::new(HashMap::new())),
            fetched_at: RwLock::new(None),
            last_fetch: tokio::sync::Mutex::new(None),
            min_refetch_interval,
            max_age,
        })
    }

    fn snapshot(&self) -> Arc<HashMap<String, Arc<VerifyKey>>> {
        match self.keys.read() {
            Ok(keys) => keys.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether the keys were fetched less than the max-age ago.
    fn fresh(&self) -> bool {
        let fetched_at = match self.fetched_at.read() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        };
        fetched_at.is_some_and(|t| t.elapsed() < self.max_age)
    }

    /// The key named `kid`. An unknown `kid` triggers one re-fetch, unless one happened
    /// less than the configured interval ago (so a stream of forged `kid`s cannot turn
    /// the API server into a load generator against the auth server). Keys older than the
    /// max-age are fetched again (at most once a second); while that fails, the keys
    /// already known keep working.
    async fn key(&self, kid: &str) -> Result<Arc<VerifyKey>, AuthError> {
        if self.fresh()
            && let Some(key) = self.snapshot().get(kid)
        {
            return Ok(key.clone());
        }
        let mut last = self.last_fetch.lock().await;
        // Another request may have fetched while this one waited.
        if self.fresh()
            && let Some(key) = self.snapshot().get(kid)
        {
            return Ok(key.clone());
        }
        // With no key at all every request fails anyway, and stale keys should be renewed
        // soon, so retry sooner: at most once a second, so the flow recovers quickly once
        // the auth server answers again.
        let interval = if self.snapshot().is_empty() || !self.fresh() {
            self.min_refetch_interval.min(Duration::from_secs(1))
        } else {
            self.min_refetch_interval
        };
        let recently = last.is_some_and(|t| t.elapsed() < interval);
        if !recently {
            *last = Some(Instant::now());
            if let Err(e) = self.fetch().await {
                if self.snapshot().is_empty() {
                    return Err(e);
                }
                tracing::warn!(error = %e, "JWKS re-fetch failed; keeping the keys already known");
            }
        } else if self.snapshot().is_empty() {
            return Err(AuthError::unavailable(
                "the JWT auth server's keys are not available yet",
            ));
        }
        self.snapshot()
            .get(kid)
            .cloned()
            .ok_or_else(|| AuthError::invalid_token("the token names an unknown key (kid)"))
    }

    /// Fetches the keys if none are known yet.
    async fn ensure_loaded(&self) -> Result<(), AuthError> {
        if !self.snapshot().is_empty() {
            return Ok(());
        }
        let mut last = self.last_fetch.lock().await;
        if !self.snapshot().is_empty() {
            return Ok(());
        }
        *last = Some(Instant::now());
        self.fetch().await
    }

    async fn fetch(&self) -> Result<(), AuthError> {
        let unavailable = |e: reqwest::Error| {
            AuthError::unavailable(format!("cannot fetch the JWKS from the JWT auth server: {e}"))
        };
        let set: JwkSet = self
            .client
            .get(&self.url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let (Some(kid), Some(alg)) = (&jwk.common.key_id, jwk.common.key_algorithm) else {
                continue;
            };
            if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
                continue;
            }
            // Only the asymmetric algorithms the auth server issues; a symmetric key in a
            // JWKS would invite algorithm confusion.
            let algorithm = match jsonwebtoken::Algorithm::try_from(alg) {
                Ok(jsonwebtoken::Algorithm::EdDSA) => SigningAlgorithm::EdDSA,
                Ok(jsonwebtoken::Algorithm::ES256) => SigningAlgorithm::ES256,
                Ok(jsonwebtoken::Algorithm::RS256) => SigningAlgorithm::RS256,
                _ => continue,
            };
            match VerifyKey::from_jwk(algorithm, jwk) {
                Ok(key) => {
                    keys.insert(kid.clone(), Arc::new(key));
                }
                Err(e) => tracing::warn!(kid, error = %e, "skipping a JWK that cannot be used"),
            }
        }
        tracing::info!(keys = keys.len(), url = %self.url, "JWKS fetched");
        let keys = Arc::new(keys);
        match self.keys.write() {
            Ok(mut guard) => *guard = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
        match self.fetched_at.write() {
            Ok(mut guard) => *guard = Some(Instant::now()),
            Err(poisoned) => *poisoned.into_inner() = Some(Instant::now()),
        }
        Ok(())
    }
}

/// The pooled HTTP/1.1 keep-alive client that fetches the JWKS (rarely: on an unknown kid
/// or when the keys grow old).
fn jwks_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_idle_timeout(authbench_core::server::CLIENT_POOL_IDLE)
        .tcp_nodelay(true)
        .no_proxy()
        .build()
}
