//! Issuing access and refresh tokens, and checking refresh tokens.

use std::time::Duration;

use authbench_core::AuthError;
use authbench_core::claims::{
    ACCESS_TOKEN_TYP, AccessClaims, REFRESH_TOKEN_TYP, REFRESH_TOKEN_USE, RefreshClaims, describe,
    is_access_typ, jwt_validation, unexpired,
};
use authbench_core::time::now_secs;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Validation;
use rand::RngCore;

use crate::keys::{KeyRing, SigningKey};

pub use authbench_core::claims::FIRST_PARTY_CLIENT_ID;

/// What a token issuer needs to know.
#[derive(Clone)]
pub struct TokenPolicy {
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub leeway: Duration,
}

/// Signs tokens with the active key; verifies its own tokens with any key of the ring.
#[derive(Clone)]
pub struct TokenIssuer {
    ring: KeyRing,
    policy: TokenPolicy,
    refresh_validation: Validation,
    access_validation: Validation,
}

/// A signed token and the moment it expires.
pub struct Issued<C> {
    pub token: String,
    pub claims: C,
}

impl TokenIssuer {
    pub fn new(key: SigningKey, policy: TokenPolicy) -> Self {
        Self::with_ring(KeyRing::single(key), policy)
    }

    /// An issuer with retired keys beside the active one (key rotation). Every key of the
    /// ring has the active key's algorithm.
    pub fn with_ring(ring: KeyRing, policy: TokenPolicy) -> Self {
        let key = &ring.active;
        // A refresh token's audience is this server itself, never the API.
        let refresh_validation = jwt_validation(
            key.algorithm.jwt_algorithm(),
            &policy.issuer,
            &policy.issuer,
            policy.leeway,
        );
        let access_validation = jwt_validation(
            key.algorithm.jwt_algorithm(),
            &policy.issuer,
            &policy.audience,
            policy.leeway,
        );
        TokenIssuer {
            ring,
            policy,
            refresh_validation,
            access_validation,
        }
    }

    /// The active key, which signs.
    pub fn key(&self) -> &SigningKey {
        &self.ring.active
    }

    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// The key a token of this server names in its `kid`, if it is still accepted.
    fn key_for(&self, header: &jsonwebtoken::Header) -> Result<&SigningKey, AuthError> {
        header
            .kid
            .as_deref()
            .and_then(|kid| self.ring.find(kid))
            .ok_or_else(|| AuthError::invalid_token("the token names an unknown or retired key (kid)"))
    }

    pub fn policy(&self) -> &TokenPolicy {
        &self.policy
    }

    /// An access token for the API (RFC 9068: `typ: at+jwt`) from the first-party login.
    pub fn issue_access(&self, sub: &str, roles: &[String]) -> Result<Issued<AccessClaims>, AuthError> {
        self.issue_access_for(sub, roles, FIRST_PARTY_CLIENT_ID, None)
    }

    /// An access token for the API issued to `client_id`, with the granted `scope`.
    pub fn issue_access_for(
        &self,
        sub: &str,
        roles: &[String],
        client_id: &str,
        scope: Option<&str>,
    ) -> Result<Issued<AccessClaims>, AuthError> {
        let now = now_secs();
        let claims = AccessClaims {
            iss: self.policy.issuer.clone(),
            sub: sub.to_string(),
            aud: self.policy.audience.clone(),
            exp: now + self.policy.access_ttl.as_secs(),
            iat: now,
            nbf: now,
            jti: new_jti(),
            client_id: client_id.to_string(),
            roles: roles.to_vec(),
            scope: scope.map(str::to_string),
        };
        let token = self.sign(ACCESS_TOKEN_TYP, &claims)?;
        Ok(Issued { token, claims })
    }

    /// A refresh token: accepted only by this server. `previous` is the token it replaces
    /// (rotation): the new one joins that token's family one generation later; without
    /// one, it starts a new family.
    pub fn issue_refresh(
        &self,
        sub: &str,
        client_id: &str,
        scope: Option<&str>,
        previous: Option<&RefreshClaims>,
    ) -> Result<Issued<RefreshClaims>, AuthError> {
        let now = now_secs();
        let (fam, generation) = match previous {
            Some(p) => (p.fam.clone(), p.generation + 1),
            None => (new_jti(), 0),
        };
        let claims = RefreshClaims {
            iss: self.policy.issuer.clone(),
            sub: sub.to_string(),
            aud: self.policy.issuer.clone(),
            exp: now + self.policy.refresh_ttl.as_secs(),
            iat: now,
            nbf: now,
            jti: new_jti(),
            token_use: REFRESH_TOKEN_USE.to_string(),
            client_id: client_id.to_string(),
            fam,
            generation,
            scope: scope.map(str::to_string),
        };
        let token = self.sign(REFRESH_TOKEN_TYP, &claims)?;
        Ok(Issued { token, claims })
    }

    /// Checks an access token this server issued, as the API would (for revocation and
    /// introspection).
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::invalid_token("the token is malformed"))?;
        if !is_access_typ(header.typ.as_deref()) {
            return Err(AuthError::invalid_token("this is not an access token"));
        }
        let key = self.key_for(&header)?;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &self.access_validation)
            .map(|data| data.claims)
            .map_err(|e| AuthError::invalid_token(describe(&e)))?;
        if !unexpired(claims.exp, self.policy.leeway) {
            return Err(AuthError::invalid_token("the token has expired"));
        }
        Ok(claims)
    }

    /// Checks a refresh token: signature, lifetime, issuer, audience and kind.
    pub fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::invalid_token("the refresh token is malformed"))?;
        if header.typ.as_deref() != Some(REFRESH_TOKEN_TYP) {
            return Err(AuthError::invalid_token("this is not a refresh token"));
        }
        let key = self.key_for(&header)?;
        let data = jsonwebtoken::decode::<RefreshClaims>(token, &key.decoding, &self.refresh_validation)
            .map_err(|e| AuthError::invalid_token(format!("refresh token: {}", describe(&e))))?;
        if data.claims.token_use != REFRESH_TOKEN_USE {
            return Err(AuthError::invalid_token("this is not a refresh token"));
        }
        if !unexpired(data.claims.exp, self.policy.leeway) {
            return Err(AuthError::invalid_token("refresh token: the token has expired"));
        }
        Ok(data.claims)
    }

    fn sign<C: serde::Serialize>(&self, typ: &str, claims: &C) -> Result<String, AuthError> {
        let key = &self.ring.active;
        key.signer
            .sign(typ, &key.kid, claims)
            .map_err(|e| AuthError::unavailable(format!("signing failed: {e}")))
    }
}

/// A token id of 128 random bits.
fn new_jti() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
