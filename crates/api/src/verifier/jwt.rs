//! `jwt`: the API server verifies the self-contained token alone: signature, lifetime,
//! issuer, audience and kind. No call leaves the process, except for fetching public keys
//! (asymmetric algorithms), which happens once and then only on an unknown `kid`, at most
//! once per configured interval.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use authbench_core::claims::{AccessClaims, describe, is_access_typ, jwt_validation, unexpired};
use authbench_core::{AuthError, Identity};
use jsonwebtoken::jwk::{JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

/// What the API server checks tokens against.
pub struct JwtVerifier {
    keys: KeySource,
    issuer: String,
    audience: String,
    leeway: Duration,
    /// The HS256 checks, built once (asymmetric keys carry their own).
    shared_validation: Validation,
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
    pub key: DecodingKey,
    /// Seconds since the Unix epoch; `None` for the active key.
    pub accepted_until: Option<u64>,
}

/// A key the API server accepts, with the checks for the one algorithm it may be used with.
struct VerifyKey {
    key: DecodingKey,
    validation: Validation,
}

impl JwtVerifier {
    pub fn new(keys: KeySource, issuer: String, audience: String, leeway: Duration) -> Self {
        let shared_validation = jwt_validation(Algorithm::HS256, &issuer, &audience, leeway);
        JwtVerifier {
            keys,
            issuer,
            audience,
            leeway,
            shared_validation,
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let claims = self.verify_claims(token).await?;
        Ok(Identity {
            sub: claims.sub,
            roles: claims.roles,
            expires_at: claims.exp,
        })
    }

    /// The token's claims, once every check passed.
    pub async fn verify_claims(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::invalid_token("the token is malformed"))?;
        if !is_access_typ(header.typ.as_deref()) {
            return Err(AuthError::invalid_token(
                "this is not an access token (typ must be at+jwt)",
            ));
        }
        let claims = match &self.keys {
            KeySource::Shared(keys) => {
                let now = authbench_core::time::now_secs();
                let key = header
                    .kid
                    .as_deref()
                    .and_then(|kid| {
                        keys.iter()
                            .find(|k| k.kid == kid && k.accepted_until.is_none_or(|until| now < until))
                    })
                    .ok_or_else(|| {
                        AuthError::invalid_token("the token names an unknown or retired key (kid)")
                    })?;
                decode(token, &key.key, &self.shared_validation)?
            }
            KeySource::Jwks(cache) => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| AuthError::invalid_token("the token names no key (kid)"))?;
                let key = cache.key(kid, |alg| self.validation(alg)).await?;
                decode(token, &key.key, &key.validation)?
            }
        };
        if !unexpired(claims.exp, self.leeway) {
            return Err(AuthError::invalid_token("the token has expired"));
        }
        Ok(claims)
    }

    pub async fn ready(&self) -> Result<(), AuthError> {
        match &self.keys {
            KeySource::Shared(_) => Ok(()),
            KeySource::Jwks(cache) => cache.ensure_loaded(|alg| self.validation(alg)).await,
        }
    }

    /// The checks for tokens of one algorithm (for keys found in the JWKS).
    fn validation(&self, algorithm: Algorithm) -> Validation {
        jwt_validation(algorithm, &self.issuer, &self.audience, self.leeway)
    }
}

fn decode(token: &str, key: &DecodingKey, validation: &Validation) -> Result<AccessClaims, AuthError> {
    jsonwebtoken::decode::<AccessClaims>(token, key, validation)
        .map(|data| data.claims)
        .map_err(|e| AuthError::invalid_token(describe(&e)))
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
            client: super::introspection::http_client(timeout)?,
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
    async fn key(
        &self,
        kid: &str,
        validation: impl Fn(Algorithm) -> Validation,
    ) -> Result<Arc<VerifyKey>, AuthError> {
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
            if let Err(e) = self.fetch(&validation).await {
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
    async fn ensure_loaded(&self, validation: impl Fn(Algorithm) -> Validation) -> Result<(), AuthError> {
        if !self.snapshot().is_empty() {
            return Ok(());
        }
        let mut last = self.last_fetch.lock().await;
        if !self.snapshot().is_empty() {
            return Ok(());
        }
        *last = Some(Instant::now());
        self.fetch(&validation).await
    }

    async fn fetch(&self, validation: &impl Fn(Algorithm) -> Validation) -> Result<(), AuthError> {
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
            let algorithm = match Algorithm::try_from(alg) {
                Ok(a @ (Algorithm::EdDSA | Algorithm::ES256 | Algorithm::RS256)) => a,
                _ => continue,
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(
                        kid.clone(),
                        Arc::new(VerifyKey {
                            key,
                            validation: validation(algorithm),
                        }),
                    );
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
