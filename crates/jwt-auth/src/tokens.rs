//! Issuing access and refresh tokens, and checking refresh tokens.

use std::time::Duration;

use authbench_core::AuthError;
use authbench_core::claims::{
    ACCESS_TOKEN_TYP, AccessClaims, REFRESH_TOKEN_TYP, REFRESH_TOKEN_USE, RefreshClaims, describe,
    jwt_validation,
};
use authbench_core::time::now_secs;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Header, Validation};
use rand::RngCore;

use crate::keys::SigningKey;

/// The `client_id` claim of tokens issued to users through `/login` (RFC 9068 requires
/// one; third-party clients get their own through the token endpoint).
pub const FIRST_PARTY_CLIENT_ID: &str = "authbench-login";

/// What a token issuer needs to know.
#[derive(Clone)]
pub struct TokenPolicy {
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub leeway: Duration,
}

/// Signs tokens with the active key.
#[derive(Clone)]
pub struct TokenIssuer {
    key: SigningKey,
    policy: TokenPolicy,
    refresh_validation: Validation,
}

/// A signed token and the moment it expires.
pub struct Issued<C> {
    pub token: String,
    pub claims: C,
}

impl TokenIssuer {
    pub fn new(key: SigningKey, policy: TokenPolicy) -> Self {
        // A refresh token's audience is this server itself, never the API.
        let refresh_validation = jwt_validation(
            key.algorithm.jwt_algorithm(),
            &policy.issuer,
            &policy.issuer,
            policy.leeway,
        );
        TokenIssuer {
            key,
            policy,
            refresh_validation,
        }
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    pub fn policy(&self) -> &TokenPolicy {
        &self.policy
    }

    /// An access token for the API (RFC 9068: `typ: at+jwt`).
    pub fn issue_access(&self, sub: &str, roles: &[String]) -> Result<Issued<AccessClaims>, AuthError> {
        let now = now_secs();
        let claims = AccessClaims {
            iss: self.policy.issuer.clone(),
            sub: sub.to_string(),
            aud: self.policy.audience.clone(),
            exp: now + self.policy.access_ttl.as_secs(),
            iat: now,
            nbf: now,
            jti: new_jti(),
            client_id: FIRST_PARTY_CLIENT_ID.to_string(),
            roles: roles.to_vec(),
        };
        let token = self.sign(ACCESS_TOKEN_TYP, &claims)?;
        Ok(Issued { token, claims })
    }

    /// A refresh token: accepted only by this server's `/refresh`.
    pub fn issue_refresh(&self, sub: &str) -> Result<Issued<RefreshClaims>, AuthError> {
        let now = now_secs();
        let claims = RefreshClaims {
            iss: self.policy.issuer.clone(),
            sub: sub.to_string(),
            aud: self.policy.issuer.clone(),
            exp: now + self.policy.refresh_ttl.as_secs(),
            iat: now,
            nbf: now,
            jti: new_jti(),
            token_use: REFRESH_TOKEN_USE.to_string(),
        };
        let token = self.sign(REFRESH_TOKEN_TYP, &claims)?;
        Ok(Issued { token, claims })
    }

    /// Checks a refresh token: signature, lifetime, issuer, audience and kind.
    pub fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::invalid_token("the refresh token is malformed"))?;
        if header.typ.as_deref() != Some(REFRESH_TOKEN_TYP) {
            return Err(AuthError::invalid_token("this is not a refresh token"));
        }
        let data = jsonwebtoken::decode::<RefreshClaims>(token, &self.key.decoding, &self.refresh_validation)
            .map_err(|e| AuthError::invalid_token(format!("refresh token: {}", describe(&e))))?;
        if data.claims.token_use != REFRESH_TOKEN_USE {
            return Err(AuthError::invalid_token("this is not a refresh token"));
        }
        Ok(data.claims)
    }

    fn sign<C: serde::Serialize>(&self, typ: &str, claims: &C) -> Result<String, AuthError> {
        let mut header = Header::new(self.key.algorithm.jwt_algorithm());
        header.typ = Some(typ.to_string());
        header.kid = Some(self.key.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key.encoding)
            .map_err(|e| AuthError::unavailable(format!("signing failed: {e}")))
    }
}

/// A token id of 128 random bits.
fn new_jti() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
