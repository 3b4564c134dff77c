//! Rules for the two shared secrets (the HMAC key and the introspection credential).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::Profile;

/// Shortest secret accepted outside the dev profile: 256 bits, the HS256 output size
/// (RFC 7518 section 3.2 asks for a key at least as long as the hash).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "{name} is not set. Set it (e.g. `export {env}=$(head -c 48 /dev/urandom | base64)`), \
         or run with APP_PROFILE=dev to have a random one generated"
    )]
    Missing { name: &'static str, env: &'static str },
    #[error(
        "{name} is only {len} bytes long; at least {MIN_SECRET_BYTES} are required \
         (a short HMAC secret can be brute-forced offline from any token)"
    )]
    TooShort { name: &'static str, len: usize },
    #[error("{name} is not set in the configuration file")]
    NotConfigured { name: &'static str },
}

/// Returns the configured secret when it is long enough. In the dev profile a missing or
/// short secret is replaced by a random one, and the log says so; elsewhere it is an error.
pub fn require(
    name: &'static str,
    env: &'static str,
    configured: Option<&SecretString>,
    profile: Profile,
) -> Result<SecretString, SecretError> {
    let problem = match configured {
        Some(s) if s.expose_secret().len() >= MIN_SECRET_BYTES => return Ok(s.clone()),
        Some(s) => SecretError::TooShort {
            name,
            len: s.expose_secret().len(),
        },
        None => SecretError::Missing { name, env },
    };
    match profile {
        Profile::Production => Err(problem),
        Profile::Dev => {
            tracing::warn!(
                "{problem}; dev profile: using a random {name} for this process only. \
                 Other processes will not share it; set {env} to share one."
            );
            Ok(random_secret())
        }
    }
}

/// The `kid` of an HMAC key: a truncated SHA-256 of the secret, which names it without
/// revealing it (the secret has 256 bits or more). The auth server and the API server
/// derive the same one.
pub fn hmac_kid(secret: &SecretString) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.expose_secret().as_bytes());
    format!("hs256-{}", URL_SAFE_NO_PAD.encode(&digest.as_ref()[..9]))
}

/// A secret that must be configured and long enough in every profile (a retired key's
/// secret: there is nothing to generate in its place).
pub fn require_configured(
    name: &'static str,
    configured: Option<&SecretString>,
) -> Result<SecretString, SecretError> {
    match configured {
        Some(s) if s.expose_secret().len() >= MIN_SECRET_BYTES => Ok(s.clone()),
        Some(s) => Err(SecretError::TooShort {
            name,
            len: s.expose_secret().len(),
        }),
        None => Err(SecretError::NotConfigured { name }),
    }
}

/// A new random secret of 48 bytes (384 bits), base64url-encoded.
pub fn random_secret() -> SecretString {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// A random identifier of 64 bits, hex-encoded (not a secret: for names and prefixes).
pub fn random_id() -> String {
    format!("{:016x}", rand::rng().next_u64())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_secret_is_refused_outside_dev() {
        let short = SecretString::from("too-short");
        let err = require("jwt.secret", "APP_JWT__SECRET", Some(&short), Profile::Production);
        assert!(matches!(err, Err(SecretError::TooShort { len: 9, .. })));
    }

    #[test]
    fn a_missing_secret_is_refused_outside_dev_and_the_message_says_how_to_set_it() {
        let err = require("jwt.secret", "APP_JWT__SECRET", None, Profile::Production).unwrap_err();
        assert!(err.to_string().contains("APP_JWT__SECRET"));
    }

    #[test]
    fn the_dev_profile_generates_a_long_random_secret() {
        let a = require("jwt.secret", "APP_JWT__SECRET", None, Profile::Dev).unwrap();
        let b = require("jwt.secret", "APP_JWT__SECRET", None, Profile::Dev).unwrap();
        assert!(a.expose_secret().len() >= MIN_SECRET_BYTES);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }

    #[test]
    fn a_long_enough_secret_is_kept_as_configured() {
        let s = SecretString::from("x".repeat(MIN_SECRET_BYTES));
        let got = require("jwt.secret", "APP_JWT__SECRET", Some(&s), Profile::Production).unwrap();
        assert_eq!(got.expose_secret(), s.expose_secret());
    }
}
