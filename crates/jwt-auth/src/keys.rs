//! Signing keys. Each key has exactly one algorithm, fixed when the key is made; a
//! token's `alg` header never chooses how a key is used.

use std::path::Path;
use std::sync::Arc;

use authbench_core::jws::SignKey;
use authbench_core::settings::SigningAlgorithm;
use aws_lc_rs::encoding::AsDer;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{DecodingKey, EncodingKey};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the private key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the private key is not a valid {alg} key in PEM form: {source}")]
    Parse {
        alg: SigningAlgorithm,
        source: jsonwebtoken::errors::Error,
    },
    #[error("generating a {0} key failed")]
    Generate(SigningAlgorithm),
    #[error("cannot derive the public key: {0}")]
    Public(jsonwebtoken::errors::Error),
    #[error("cannot prepare the key for signing: {0}")]
    Prepare(#[from] authbench_core::jws::KeyError),
}

/// A key that signs tokens, with its id and (for asymmetric keys) its public JWK.
#[derive(Clone)]
pub struct SigningKey {
    pub algorithm: SigningAlgorithm,
    pub kid: String,
    pub encoding: EncodingKey,
    /// Signs, parsed once: what the server's logins and refreshes use.
    pub signer: Arc<SignKey>,
    /// Verifies what this key signed (the auth server checks its own refresh tokens).
    pub decoding: DecodingKey,
    /// The public half as published in the JWKS; `None` for HMAC, which has no public half.
    pub public_jwk: Option<Jwk>,
}

impl SigningKey {
    /// An HMAC-SHA256 key from a shared secret.
    pub fn hs256(secret: &SecretString) -> SigningKey {
        let bytes = secret.expose_secret().as_bytes();
        SigningKey {
            algorithm: SigningAlgorithm::HS256,
            kid: authbench_core::secret::hmac_kid(secret),
            encoding: EncodingKey::from_secret(bytes),
            signer: Arc::new(SignKey::hs256(bytes)),
            decoding: DecodingKey::from_secret(bytes),
            public_jwk: None,
        }
    }

    /// An asymmetric key from a PEM private key (PKCS#8; PKCS#1 also for RSA).
    pub fn from_pem(algorithm: SigningAlgorithm, pem: &[u8]) -> Result<SigningKey, KeyError> {
        let parse = |source| KeyError::Parse {
            alg: algorithm,
            source,
        };
        let encoding = match algorithm {
            SigningAlgorithm::HS256 => return Err(KeyError::Generate(algorithm)),
            SigningAlgorithm::EdDSA => EncodingKey::from_ed_pem(pem).map_err(parse)?,
            SigningAlgorithm::ES256 => EncodingKey::from_ec_pem(pem).map_err(parse)?,
            SigningAlgorithm::RS256 => EncodingKey::from_rsa_pem(pem).map_err(parse)?,
        };
        let mut jwk =
            Jwk::from_encoding_key(&encoding, algorithm.jwt_algorithm()).map_err(KeyError::Public)?;
        // RFC 7638 thumbprint: the same key always gets the same kid, on every replica.
        let kid = jwk.thumbprint(ThumbprintHash::SHA256).map_err(KeyError::Public)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let decoding = DecodingKey::from_jwk(&jwk).map_err(KeyError::Public)?;
        let signer = Arc::new(SignKey::from_pem(algorithm, pem)?);
        Ok(SigningKey {
            algorithm,
            kid,
            encoding,
            signer,
            decoding,
            public_jwk: Some(jwk),
        })
    }

    /// Reads a PEM private key file.
    pub fn from_file(algorithm: SigningAlgorithm, path: &Path) -> Result<SigningKey, KeyError> {
        let pem = std::fs::read(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_pem(algorithm, &pem)
    }

    /// A new random asymmetric key, as a PKCS#8 PEM document (to save or load).
    pub fn generate_pem(algorithm: SigningAlgorithm) -> Result<String, KeyError> {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
        let failed = |_| KeyError::Generate(algorithm);
        let der: Vec<u8> = match algorithm {
            SigningAlgorithm::HS256 => return Err(KeyError::Generate(algorithm)),
            SigningAlgorithm::EdDSA => Ed25519KeyPair::generate()
                .and_then(|k| k.to_pkcs8v1())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            SigningAlgorithm::ES256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .and_then(|k| k.to_pkcs8v1())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            SigningAlgorithm::RS256 => {
                let key =
                    aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(failed)?;
                let der: aws_lc_rs::encoding::Pkcs8V1Der = key.as_der().map_err(failed)?;
                der.as_ref().to_vec()
            }
        };
        Ok(pem_private_key(&der))
    }

    /// A new random asymmetric key.
    pub fn generate(algorithm: SigningAlgorithm) -> Result<SigningKey, KeyError> {
        Self::from_pem(algorithm, Self::generate_pem(algorithm)?.as_bytes())
    }
}

/// The JWKS of a set of keys: the public halves only (HMAC keys are never published).
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> JwkSet {
    JwkSet {
        keys: keys.into_iter().filter_map(|k| k.public_jwk.clone()).collect(),
    }
}

/// A key that no longer signs, accepted until a moment (seconds since the Unix epoch).
#[derive(Clone)]
pub struct Retired {
    pub key: SigningKey,
    pub accepted_until: u64,
}

/// Key rotation: one active key signs; retired keys still verify (and are published)
/// until their grace period ends. Every key has its own `kid` and exactly one algorithm.
#[derive(Clone)]
pub struct KeyRing {
    pub active: SigningKey,
    pub retired: Vec<Retired>,
}

impl KeyRing {
    pub fn single(active: SigningKey) -> KeyRing {
        KeyRing {
            active,
            retired: Vec::new(),
        }
    }

    /// The key named `kid`, if it is the active one or a retired one still in its grace.
    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        if self.active.kid == kid {
            return Some(&self.active);
        }
        let now = authbench_core::time::now_secs();
        self.retired
            .iter()
            .find(|r| r.key.kid == kid && now < r.accepted_until)
            .map(|r| &r.key)
    }

    /// The keys to publish now: the active one and the retired ones still in their grace.
    pub fn published(&self) -> Vec<&SigningKey> {
        let now = authbench_core::time::now_secs();
        std::iter::once(&self.active)
            .chain(
                self.retired
                    .iter()
                    .filter(|r| now < r.accepted_until)
                    .map(|r| &r.key),
            )
            .collect()
    }
}

fn pem_private_key(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_asymmetric_keys_publish_one_jwk_with_a_thumbprint_kid_and_a_fixed_alg() {
        for alg in [
            SigningAlgorithm::EdDSA,
            SigningAlgorithm::ES256,
            SigningAlgorithm::RS256,
        ] {
            let key = SigningKey::generate(alg).unwrap();
            let set = jwks([&key]);
            assert_eq!(set.keys.len(), 1, "{alg}");
            let jwk = &set.keys[0];
            assert_eq!(jwk.common.key_id.as_deref(), Some(key.kid.as_str()));
            assert!(
                jwk.common.key_algorithm.is_some(),
                "{alg}: the JWK names its algorithm"
            );
            assert_eq!(jwk.thumbprint(ThumbprintHash::SHA256).unwrap(), key.kid);
        }
    }

    #[test]
    fn an_hmac_key_is_never_published() {
        let key = SigningKey::hs256(&SecretString::from("k".repeat(32)));
        assert!(jwks([&key]).keys.is_empty());
    }

    #[test]
    fn a_retired_key_is_found_and_published_only_within_its_grace() {
        let now = authbench_core::time::now_secs();
        let key = |s: &str| SigningKey::hs256(&SecretString::from(s.repeat(32)));
        let ring = KeyRing {
            active: key("a"),
            retired: vec![
                Retired {
                    key: key("b"),
                    accepted_until: now + 60,
                },
                Retired {
                    key: key("c"),
                    accepted_until: now - 1,
                },
            ],
        };
        assert!(ring.find(&key("a").kid).is_some());
        assert!(ring.find(&key("b").kid).is_some());
        assert!(ring.find(&key("c").kid).is_none(), "past its grace");
        assert!(ring.find("no-such-kid").is_none());
        assert_eq!(ring.published().len(), 2);
    }

    #[test]
    fn a_pem_of_the_wrong_kind_is_refused() {
        let ed = SigningKey::generate_pem(SigningAlgorithm::EdDSA).unwrap();
        assert!(SigningKey::from_pem(SigningAlgorithm::ES256, ed.as_bytes()).is_err());
    }
}
