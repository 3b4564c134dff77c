//! The project's own compact JWS (RFC 7515) for its tokens: signing at the JWT auth server
//! and the API server's per-request check, each as close to the aws-lc-rs primitive as the
//! format allows.
//!
//! Why not jsonwebtoken on these two paths: its `decode` parses the header twice,
//! deserializes the claims twice (once for the checks, once for the caller) into owned
//! strings, and its aws-lc backend builds the key from raw bytes on every call (an HMAC key
//! schedule per HS256 check, a private-key parse per RS256 signature). Its `CryptoProvider`
//! cannot fix the last part: the provider's factories receive the raw key on every call and
//! return a fresh signer or verifier, so a key prepared once would need a process-wide cache
//! keyed by key bytes. Here a key is prepared once ([`SignKey`], [`VerifyKey`]), a token is
//! split and its alphabet checked in one pass, its parts are decoded into stack buffers,
//! and the claims are read borrowed; the only allocations of a check are the subject and
//! roles handed on as the request's identity.
//!
//! jsonwebtoken still reads and writes JWKs and signs the tokens of the tests' attackers, so
//! every token here is checked against an independent implementation in the tests.

use std::borrow::Cow;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, ParsedPublicKey};
use aws_lc_rs::{hmac, rsa};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::credential::MAX_CREDENTIAL_LEN;
use crate::flows::SigningAlgorithm;

/// Why a token was refused, each with the short `error_description` a client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("the token is malformed")]
    Malformed,
    #[error("this is not an access token (typ must be at+jwt)")]
    NotAccessToken,
    #[error("the token names an unknown or retired key (kid)")]
    UnknownKey,
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    #[error("the token's signature does not match")]
    Signature,
    #[error("the token lacks a required claim")]
    MissingClaim,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token was issued by an unknown issuer")]
    Issuer,
    #[error("the token is not meant for this audience")]
    Audience,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the {0} key is not valid: {1}")]
    Rejected(SigningAlgorithm, String),
    #[error("the private key is not in PEM form")]
    NotPem,
    #[error("an HMAC key cannot be made from a public key")]
    Symmetric,
}

/// The `alg` header value of each algorithm.
pub fn alg_name(algorithm: SigningAlgorithm) -> &'static str {
    match algorithm {
        SigningAlgorithm::HS256 => "HS256",
        SigningAlgorithm::EdDSA => "EdDSA",
        SigningAlgorithm::ES256 => "ES256",
        SigningAlgorithm::RS256 => "RS256",
    }
}

/// A key that signs, parsed once. Made once per process and kept, so the HMAC key's size
/// inline costs nothing per request.
#[allow(clippy::large_enum_variant)]
pub enum SignKey {
    Hmac(hmac::Key),
    Ed25519(signature::Ed25519KeyPair),
    Es256(signature::EcdsaKeyPair, SystemRandom),
    Rs256(signature::RsaKeyPair, SystemRandom),
}

impl SignKey {
    pub fn hs256(secret: &[u8]) -> SignKey {
        SignKey::Hmac(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    /// An asymmetric private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`), or PKCS#1 for RSA
    /// (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(algorithm: SigningAlgorithm, pem: &[u8]) -> Result<SignKey, KeyError> {
        let (label, der) = pem_der(pem).ok_or(KeyError::NotPem)?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| KeyError::Rejected(algorithm, e.to_string());
        Ok(match algorithm {
            SigningAlgorithm::HS256 => return Err(KeyError::Symmetric),
            SigningAlgorithm::EdDSA => SignKey::Ed25519(
                signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(rejected)?,
            ),
            SigningAlgorithm::ES256 => SignKey::Es256(
                signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(rejected)?,
                SystemRandom::new(),
            ),
            SigningAlgorithm::RS256 => {
                let pair = if label == "RSA PRIVATE KEY" {
                    rsa::KeyPair::from_der(&der)
                } else {
                    rsa::KeyPair::from_pkcs8(&der)
                }
                .map_err(rejected)?;
                SignKey::Rs256(pair, SystemRandom::new())
            }
        })
    }

    pub fn algorithm(&self) -> SigningAlgorithm {
        match self {
            SignKey::Hmac(_) => SigningAlgorithm::HS256,
            SignKey::Ed25519(_) => SigningAlgorithm::EdDSA,
            SignKey::Es256(..) => SigningAlgorithm::ES256,
            SignKey::Rs256(..) => SigningAlgorithm::RS256,
        }
    }

    /// A compact JWS of `claims` with the header `{"typ","alg","kid"}`.
    pub fn sign<C: serde::Serialize>(&self, typ: &str, kid: &str, claims: &C) -> Result<String, SignError> {
        #[derive(serde::Serialize)]
        struct Header<'a> {
            typ: &'a str,
            alg: &'a str,
            kid: &'a str,
        }
        let header = serde_json::to_vec(&Header {
            typ,
            alg: alg_name(self.algorithm()),
            kid,
        })?;
        let payload = serde_json::to_vec(claims)?;
        let mut token =
            String::with_capacity((header.len() + payload.len()) * 4 / 3 + 8 + self.signature_len() * 4 / 3);
        URL_SAFE_NO_PAD.encode_string(&header, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let mut buffer = [0u8; 1024];
        let signature = self.sign_input(token.as_bytes(), &mut buffer)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The signature of `input`, written into `buffer`.
    pub fn sign_input<'b>(&self, input: &[u8], buffer: &'b mut [u8; 1024]) -> Result<&'b [u8], SignError> {
        let len = match self {
            SignKey::Hmac(key) => copy_into(hmac::sign(key, input).as_ref(), buffer),
            SignKey::Ed25519(pair) => copy_into(pair.sign(input).as_ref(), buffer),
            SignKey::Es256(pair, rng) => copy_into(
                pair.sign(rng, input).map_err(|_| SignError::Primitive)?.as_ref(),
                buffer,
            ),
            SignKey::Rs256(pair, rng) => {
                let len = pair.public_modulus_len();
                let out = buffer.get_mut(..len).ok_or(SignError::Primitive)?;
                pair.sign(&signature::RSA_PKCS1_SHA256, rng, input, out)
                    .map_err(|_| SignError::Primitive)?;
                len
            }
        };
        Ok(&buffer[..len])
    }

    fn signature_len(&self) -> usize {
        match self {
            SignKey::Hmac(_) => 32,
            SignKey::Ed25519(_) => 64,
            SignKey::Es256(..) => 64,
            SignKey::Rs256(pair, _) => pair.public_modulus_len(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the claims cannot be written as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the signature primitive failed")]
    Primitive,
}

fn copy_into(bytes: &[u8], buffer: &mut [u8; 1024]) -> usize {
    buffer[..bytes.len()].copy_from_slice(bytes);
    bytes.len()
}

/// A key that verifies, parsed once, for exactly one algorithm.
pub struct VerifyKey {
    algorithm: SigningAlgorithm,
    check: Check,
}

/// The HMAC key kept inline: the per-request check follows no pointer to it.
#[allow(clippy::large_enum_variant)]
enum Check {
    Hmac(hmac::Key),
    Public(ParsedPublicKey),
}

impl VerifyKey {
    pub fn hs256(secret: &[u8]) -> VerifyKey {
        VerifyKey {
            algorithm: SigningAlgorithm::HS256,
            check: Check::Hmac(hmac::Key::new(hmac::HMAC_SHA256, secret)),
        }
    }

    /// A public key as a JWK publishes it (`x` for Ed25519, `x`/`y` for P-256, `n`/`e` for
    /// RSA), for `algorithm` only.
    pub fn from_jwk(
        algorithm: SigningAlgorithm,
        jwk: &jsonwebtoken::jwk::Jwk,
    ) -> Result<VerifyKey, KeyError> {
        use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve};
        let bad = |why: &str| KeyError::Rejected(algorithm, why.to_string());
        let b64 = |s: &str| {
            URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| bad("a JWK member is not base64url"))
        };
        let (verification, bytes): (&'static dyn signature::VerificationAlgorithm, Vec<u8>) =
            match (algorithm, &jwk.algorithm) {
                (SigningAlgorithm::EdDSA, AlgorithmParameters::OctetKeyPair(p))
                    if p.curve == EllipticCurve::Ed25519 =>
                {
                    (&signature::ED25519, b64(&p.x)?)
                }
                (SigningAlgorithm::ES256, AlgorithmParameters::EllipticCurve(p))
                    if p.curve == EllipticCurve::P256 =>
                {
                    let mut point = vec![4u8];
                    point.extend(b64(&p.x)?);
                    point.extend(b64(&p.y)?);
                    (&signature::ECDSA_P256_SHA256_FIXED, point)
                }
                (SigningAlgorithm::RS256, AlgorithmParameters::RSA(p)) => (
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    rsa_public_key_der(&b64(&p.n)?, &b64(&p.e)?),
                ),
                _ => return Err(bad("the JWK's key type does not fit the algorithm")),
            };
        let parsed = ParsedPublicKey::new(verification, bytes).map_err(|e| bad(&e.to_string()))?;
        Ok(VerifyKey {
            algorithm,
            check: Check::Public(parsed),
        })
    }

    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    fn verify(&self, input: &[u8], sig: &[u8]) -> bool {
        match &self.check {
            Check::Hmac(key) => hmac::verify(key, input, sig).is_ok(),
            Check::Public(key) => key.verify_sig(input, sig).is_ok(),
        }
    }
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`, DER.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn length(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend(&bytes[skip..]);
        }
    }
    fn integer(out: &mut Vec<u8>, value: &[u8]) {
        let value = &value[value
            .iter()
            .take_while(|b| **b == 0)
            .count()
            .min(value.len().saturating_sub(1))..];
        let pad = value.first().is_some_and(|b| b & 0x80 != 0);
        out.push(0x02);
        length(out, value.len() + pad as usize);
        if pad {
            out.push(0);
        }
        out.extend(value);
    }
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    integer(&mut body, n);
    integer(&mut body, e);
    let mut der = vec![0x30];
    length(&mut der, body.len());
    der.extend(body);
    der
}

/// The DER inside a PEM document, with its label.
fn pem_der(pem: &[u8]) -> Option<(String, Vec<u8>)> {
    use base64::engine::general_purpose::STANDARD;
    let text = std::str::from_utf8(pem).ok()?;
    let begin = text.find("-----BEGIN ")?;
    let rest = &text[begin + "-----BEGIN ".len()..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end = rest.find("-----END ")?;
    let body: String = rest[body_start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some((label, STANDARD.decode(body).ok()?))
}

/// The checks an access token passes besides its signature: issuer, audience, `exp` and
/// `nbf` within the leeway, and exact expiry (RFC 7519 section 4.1.4 refuses a token from
/// the instant `exp` is reached, to the millisecond).
#[derive(Debug, Clone)]
pub struct AccessChecks {
    pub issuer: String,
    pub audience: String,
    pub leeway: Duration,
}

/// An access token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccess {
    pub sub: String,
    pub roles: Vec<String>,
    pub exp: u64,
    pub iat: u64,
    /// The token id, kept inline (no allocation): the denylist looks it up.
    pub jti: Jti,
}

/// A token id of at most [`Jti::MAX`] bytes, kept inline.
#[derive(Clone, PartialEq, Eq)]
pub struct Jti {
    bytes: [u8; Jti::MAX],
    len: u8,
}

impl Jti {
    pub const MAX: usize = 64;

    fn new(value: &str) -> Option<Jti> {
        let mut bytes = [0u8; Jti::MAX];
        bytes.get_mut(..value.len())?.copy_from_slice(value.as_bytes());
        Some(Jti {
            bytes,
            len: value.len() as u8,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Jti {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parts of a compact JWS.
struct Parts<'t> {
    header: &'t str,
    payload: &'t str,
    signature: &'t str,
    /// `header.payload`, what the signature covers.
    signed: &'t str,
}

/// Splits a compact JWS at its two dots. The alphabet is not checked here: every part is
/// base64url-decoded before it is used, and the decoder refuses any other byte.
fn split(token: &str) -> Result<Parts<'_>, JwsError> {
    let first = token.find('.').ok_or(JwsError::Malformed)?;
    let second = first + 1 + token[first + 1..].find('.').ok_or(JwsError::Malformed)?;
    let signature = &token[second + 1..];
    if signature.contains('.') {
        return Err(JwsError::Malformed);
    }
    Ok(Parts {
        header: &token[..first],
        payload: &token[first + 1..second],
        signature,
        signed: &token[..second],
    })
}

/// A header this thread accepted, by its exact base64url text: a server's tokens all carry
/// one of a few headers (one per signing key), so the same bytes parse to the same answer,
/// and the JSON is read once per header rather than once per request.
struct KnownHeader {
    segment: String,
    alg: String,
    kid: Option<String>,
}

/// How many headers a thread keeps: the current key's and the previous keys' during a
/// rotation, with room to spare, so tokens of two keys in turn do not evict each other.
const KNOWN_HEADERS: usize = 4;

/// The last [`KNOWN_HEADERS`] headers this thread accepted; the oldest makes room.
struct KnownHeaders {
    slots: [Option<KnownHeader>; KNOWN_HEADERS],
    next: usize,
}

impl KnownHeaders {
    fn find(&self, segment: &str) -> Option<&KnownHeader> {
        self.slots.iter().flatten().find(|h| h.segment == segment)
    }

    fn remember(&mut self, header: KnownHeader) {
        self.slots[self.next] = Some(header);
        self.next = (self.next + 1) % KNOWN_HEADERS;
    }
}

thread_local! {
    static KNOWN_HEADERS_OF_THREAD: std::cell::RefCell<KnownHeaders> = const {
        std::cell::RefCell::new(KnownHeaders {
            slots: [const { None }; KNOWN_HEADERS],
            next: 0,
        })
    };
}

fn decode<'b>(segment: &str, buffer: &'b mut [u8]) -> Result<&'b [u8], JwsError> {
    let len = URL_SAFE_NO_PAD
        .decode_slice(segment, buffer)
        .map_err(|_| JwsError::Malformed)?;
    Ok(&buffer[..len])
}

/// A JSON string read in place when it has no escapes (every string of this project's
/// tokens), copied only when it has.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(Visit(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Text<'a>,
    #[serde(borrow, default)]
    typ: Option<Text<'a>>,
    #[serde(borrow, default)]
    kid: Option<Text<'a>>,
    /// Critical extensions: this implementation understands none, so a token that lists
    /// any is refused (RFC 7515 section 4.1.11).
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Claims<'a> {
    #[serde(borrow, default)]
    iss: Option<Text<'a>>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(borrow, default)]
    aud: Option<Audience<'a>>,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
    iat: u64,
    #[serde(borrow)]
    jti: Text<'a>,
    #[serde(borrow, rename = "client_id")]
    _client_id: Text<'a>,
    roles: Vec<String>,
}

/// `aud`: one string or an array of them (RFC 7519 section 4.1.3).
enum Audience<'a> {
    One(Text<'a>),
    Many(Vec<Text<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Audience<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Audience<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Audience::One(Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Audience::One(Text(Cow::Owned(v.to_string()))))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<Text<'a>>()? {
                    all.push(one);
                }
                Ok(Audience::Many(all))
            }
        }
        deserializer.deserialize_any(Visit(std::marker::PhantomData))
    }
}

impl Audience<'_> {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(a) => a.0 == audience,
            Audience::Many(all) => all.iter().any(|a| a.0 == audience),
        }
    }
}

/// Checks an access token: its form, `typ` (RFC 9068 `at+jwt`), the key its `kid` names
/// (found by `key`), that the header's `alg` is that key's one algorithm, the signature,
/// and then (only then) the claims. `key` gets the `kid`, if the header has one.
pub fn verify_access<K: AsRef<VerifyKey>>(
    token: &str,
    key: impl FnOnce(Option<&str>) -> Result<K, JwsError>,
    checks: &AccessChecks,
) -> Result<VerifiedAccess, JwsError> {
    if token.len() > MAX_CREDENTIAL_LEN {
        return Err(JwsError::Malformed);
    }
    let parts = split(token)?;
    let key = KNOWN_HEADERS_OF_THREAD.with_borrow_mut(|known| {
        if let Some(header) = known.find(parts.header) {
            let key = key(header.kid.as_deref())?;
            return if header.alg == alg_name(key.as_ref().algorithm) {
                Ok(key)
            } else {
                Err(JwsError::Algorithm)
            };
        }
        let mut header_buffer = [0u8; 512];
        let header = access_header(parts.header, &mut header_buffer)?;
        let key = key(header.kid.as_ref().map(|k| &*k.0))?;
        if header.alg.0 != alg_name(key.as_ref().algorithm) {
            return Err(JwsError::Algorithm);
        }
        known.remember(KnownHeader {
            segment: parts.header.to_string(),
            alg: header.alg.0.into_owned(),
            kid: header.kid.map(|k| k.0.into_owned()),
        });
        Ok(key)
    })?;
    let key = key.as_ref();
    let mut signature_buffer = [0u8; 1024];
    let signature = decode(parts.signature, &mut signature_buffer)?;
    if !key.verify(parts.signed.as_bytes(), signature) {
        return Err(JwsError::Signature);
    }
    let mut payload_buffer = [0u8; MAX_CREDENTIAL_LEN * 3 / 4 + 3];
    let claims: Claims = serde_json::from_slice(decode(parts.payload, &mut payload_buffer)?)
        .map_err(|_| JwsError::Malformed)?;
    let (Some(iss), Some(sub), Some(aud), Some(exp), Some(nbf)) =
        (claims.iss, claims.sub, claims.aud, claims.exp, claims.nbf)
    else {
        return Err(JwsError::MissingClaim);
    };
    let now_ms = crate::time::now_ms();
    let leeway = checks.leeway.as_secs();
    if now_ms >= exp.saturating_add(leeway).saturating_mul(1000) {
        return Err(JwsError::Expired);
    }
    if nbf > (now_ms / 1000).saturating_add(leeway) {
        return Err(JwsError::NotYetValid);
    }
    if iss.0 != checks.issuer {
        return Err(JwsError::Issuer);
    }
    if !aud.contains(&checks.audience) {
        return Err(JwsError::Audience);
    }
    let jti = Jti::new(&claims.jti.0).ok_or(JwsError::Malformed)?;
    Ok(VerifiedAccess {
        sub,
        roles: claims.roles,
        exp,
        iat: claims.iat,
        jti,
    })
}

/// The `kid` of an access token's header, after the checks [`verify_access`] makes on the
/// header first (form, `crit`, `typ`): for a key that has to be fetched before the check.
pub fn peek_kid(token: &str) -> Result<Option<String>, JwsError> {
    if token.len() > MAX_CREDENTIAL_LEN {
        return Err(JwsError::Malformed);
    }
    let parts = split(token)?;
    let mut header_buffer = [0u8; 512];
    let header = access_header(parts.header, &mut header_buffer)?;
    Ok(header.kid.map(|k| k.0.into_owned()))
}

fn access_header<'b>(segment: &str, buffer: &'b mut [u8]) -> Result<Header<'b>, JwsError> {
    let header: Header = serde_json::from_slice(decode(segment, buffer)?).map_err(|_| JwsError::Malformed)?;
    if header.crit.is_some() {
        return Err(JwsError::Malformed);
    }
    if !crate::claims::is_access_typ(header.typ.as_ref().map(|t| &*t.0)) {
        return Err(JwsError::NotAccessToken);
    }
    Ok(header)
}

impl AsRef<VerifyKey> for VerifyKey {
    fn as_ref(&self) -> &VerifyKey {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{AccessClaims, jwt_validation};

    const ISS: &str = "https://auth.test";
    const AUD: &str = "api";

    fn checks() -> AccessChecks {
        AccessChecks {
            issuer: ISS.into(),
            audience: AUD.into(),
            leeway: Duration::from_secs(0),
        }
    }

    fn claims() -> AccessClaims {
        let now = crate::time::now_secs();
        AccessClaims {
            iss: ISS.into(),
            sub: "alice".into(),
            aud: AUD.into(),
            exp: now + 60,
            iat: now,
            nbf: now,
            jti: "abc".into(),
            client_id: "authbench-login".into(),
            roles: vec!["user".into()],
            scope: None,
        }
    }

    fn with_key<'k>(key: &'k VerifyKey) -> impl FnOnce(Option<&str>) -> Result<&'k VerifyKey, JwsError> + 'k {
        move |kid| {
            if kid == Some("k1") {
                Ok(key)
            } else {
                Err(JwsError::UnknownKey)
            }
        }
    }

    #[test]
    fn a_token_signed_here_passes_jsonwebtoken_and_one_signed_there_passes_here() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let mine = SignKey::hs256(secret).sign("at+jwt", "k1", &claims()).unwrap();
        let validation = jwt_validation(jsonwebtoken::Algorithm::HS256, ISS, AUD, Duration::ZERO);
        let theirs = jsonwebtoken::decode::<AccessClaims>(
            &mine,
            &jsonwebtoken::DecodingKey::from_secret(secret),
            &validation,
        )
        .unwrap();
        assert_eq!(theirs.claims, claims());

        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        header.kid = Some("k1".into());
        let theirs = jsonwebtoken::encode(
            &header,
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap();
        let key = VerifyKey::hs256(secret);
        let verified = verify_access(&theirs, with_key(&key), &checks()).unwrap();
        assert_eq!(verified.sub, "alice");
        assert_eq!(verified.roles, vec!["user".to_string()]);
        assert_eq!(verified.jti.as_str(), "abc");
    }

    #[test]
    fn tokens_of_two_keys_in_turn_keep_both_headers_known_and_each_is_checked_with_its_own_key() {
        let (one, two) = (
            b"0123456789abcdef0123456789abcdef",
            b"fedcba9876543210fedcba9876543210",
        );
        let keys = [VerifyKey::hs256(one), VerifyKey::hs256(two)];
        // k1 and k2, and x1-x4 as more names of the first key.
        let lookup = |kid: Option<&str>| match kid {
            Some("k1") => Ok(&keys[0]),
            Some("k2") => Ok(&keys[1]),
            Some(x) if x.starts_with('x') => Ok(&keys[0]),
            _ => Err(JwsError::UnknownKey),
        };
        let first = SignKey::hs256(one).sign("at+jwt", "k1", &claims()).unwrap();
        let second = SignKey::hs256(two).sign("at+jwt", "k2", &claims()).unwrap();
        // The second key's secret under the first key's kid: a known header, a wrong key.
        let crossed = SignKey::hs256(two).sign("at+jwt", "k1", &claims()).unwrap();
        for _ in 0..3 {
            assert!(verify_access(&first, lookup, &checks()).is_ok());
            assert!(verify_access(&second, lookup, &checks()).is_ok());
            assert_eq!(
                verify_access(&crossed, lookup, &checks()).err(),
                Some(JwsError::Signature)
            );
        }
        let header = |token: &str| token.split('.').next().unwrap().to_string();
        KNOWN_HEADERS_OF_THREAD.with_borrow(|known| {
            assert!(known.find(&header(&first)).is_some());
            assert!(known.find(&header(&second)).is_some());
        });
        // More distinct headers than the thread keeps: the oldest go, answers stay right.
        for kid in ["x1", "x2", "x3", "x4"] {
            let other = SignKey::hs256(one).sign("at+jwt", kid, &claims()).unwrap();
            assert!(verify_access(&other, lookup, &checks()).is_ok());
        }
        KNOWN_HEADERS_OF_THREAD.with_borrow(|known| assert!(known.find(&header(&first)).is_none()));
        assert!(verify_access(&first, lookup, &checks()).is_ok());
        assert_eq!(
            verify_access(&crossed, lookup, &checks()).err(),
            Some(JwsError::Signature)
        );
        assert!(verify_access(&second, lookup, &checks()).is_ok());
    }

    #[test]
    fn each_broken_part_gets_its_own_refusal() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let signer = SignKey::hs256(secret);
        let key = VerifyKey::hs256(secret);
        let check = |token: &str| verify_access(token, with_key(&key), &checks()).err();
        let good = signer.sign("at+jwt", "k1", &claims()).unwrap();
        assert_eq!(check(&good), None);
        assert_eq!(check("a.b"), Some(JwsError::Malformed));
        assert_eq!(check(&format!("{good}.x")), Some(JwsError::Malformed));
        assert_eq!(check(&good.replace('.', "=.")), Some(JwsError::Malformed));
        assert_eq!(
            check(&signer.sign("refresh+jwt", "k1", &claims()).unwrap()),
            Some(JwsError::NotAccessToken)
        );
        assert_eq!(
            check(&signer.sign("at+jwt", "k2", &claims()).unwrap()),
            Some(JwsError::UnknownKey)
        );
        let mut tampered = good.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            check(std::str::from_utf8(&tampered).unwrap()),
            Some(JwsError::Signature)
        );
        let mut expired = claims();
        expired.exp = crate::time::now_secs();
        assert_eq!(
            check(&signer.sign("at+jwt", "k1", &expired).unwrap()),
            Some(JwsError::Expired)
        );
        let mut early = claims();
        early.nbf += 30;
        assert_eq!(
            check(&signer.sign("at+jwt", "k1", &early).unwrap()),
            Some(JwsError::NotYetValid)
        );
        let mut other = claims();
        other.iss = "https://elsewhere".into();
        assert_eq!(
            check(&signer.sign("at+jwt", "k1", &other).unwrap()),
            Some(JwsError::Issuer)
        );
        let mut other = claims();
        other.aud = "another-api".into();
        assert_eq!(
            check(&signer.sign("at+jwt", "k1", &other).unwrap()),
            Some(JwsError::Audience)
        );
        let no_sub = serde_json::json!({"iss": ISS, "aud": AUD, "exp": u64::MAX / 2000, "nbf": 0,
            "iat": 0, "jti": "j", "client_id": "c", "roles": []});
        assert_eq!(
            check(&signer.sign("at+jwt", "k1", &no_sub).unwrap()),
            Some(JwsError::MissingClaim)
        );
        let listed = serde_json::json!({"iss": ISS, "sub": "bob", "aud": ["other", AUD],
            "exp": u64::MAX / 2000, "nbf": 0, "iat": 0, "jti": "j", "client_id": "c", "roles": []});
        assert_eq!(check(&signer.sign("at+jwt", "k1", &listed).unwrap()), None);
    }

    #[test]
    fn a_header_naming_another_algorithm_or_a_critical_extension_is_refused() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let key = VerifyKey::hs256(secret);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
        let token_with = |header: &str| {
            let input = format!("{}.{payload}", URL_SAFE_NO_PAD.encode(header));
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
        };
        let check = |header: &str| verify_access(&token_with(header), with_key(&key), &checks()).err();
        assert_eq!(check(r#"{"typ":"at+jwt","alg":"HS256","kid":"k1"}"#), None);
        assert_eq!(
            check(r#"{"typ":"at+jwt","alg":"none","kid":"k1"}"#),
            Some(JwsError::Algorithm)
        );
        assert_eq!(
            check(r#"{"typ":"at+jwt","alg":"HS384","kid":"k1"}"#),
            Some(JwsError::Algorithm)
        );
        assert_eq!(
            check(r#"{"typ":"at+jwt","alg":"HS256","kid":"k1","crit":["exp"]}"#),
            Some(JwsError::Malformed)
        );
        assert_eq!(
            check(r#"{"typ":"at+jwt","alg":"HS256","alg":"none","kid":"k1"}"#),
            Some(JwsError::Malformed),
            "a duplicated member is refused, not read one way here and another elsewhere"
        );
    }

    #[test]
    fn every_asymmetric_key_signs_what_its_jwk_verifies() {
        for algorithm in [
            SigningAlgorithm::EdDSA,
            SigningAlgorithm::ES256,
            SigningAlgorithm::RS256,
        ] {
            let (pem, jwk) = generated(algorithm);
            let signer = SignKey::from_pem(algorithm, pem.as_bytes()).unwrap();
            let key = VerifyKey::from_jwk(algorithm, &jwk).unwrap();
            let token = signer.sign("at+jwt", "k1", &claims()).unwrap();
            assert!(
                verify_access(&token, with_key(&key), &checks()).is_ok(),
                "{algorithm}"
            );
            // jsonwebtoken agrees.
            let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
            let validation = jwt_validation(algorithm.jwt_algorithm(), ISS, AUD, Duration::ZERO);
            assert!(
                jsonwebtoken::decode::<AccessClaims>(&token, &decoding, &validation).is_ok(),
                "{algorithm}"
            );
            // The key verifies only its own algorithm.
            let hs = SignKey::hs256(b"0123456789abcdef0123456789abcdef")
                .sign("at+jwt", "k1", &claims())
                .unwrap();
            assert_eq!(
                verify_access(&hs, with_key(&key), &checks()).err(),
                Some(JwsError::Algorithm),
                "{algorithm}"
            );
        }
    }

    /// A fresh private key as PEM and its public JWK, made by aws-lc-rs and jsonwebtoken.
    fn generated(algorithm: SigningAlgorithm) -> (String, jsonwebtoken::jwk::Jwk) {
        use aws_lc_rs::encoding::AsDer;
        let der: Vec<u8> = match algorithm {
            SigningAlgorithm::EdDSA => signature::Ed25519KeyPair::generate()
                .unwrap()
                .to_pkcs8v1()
                .unwrap()
                .as_ref()
                .to_vec(),
            SigningAlgorithm::ES256 => {
                signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                    .unwrap()
                    .to_pkcs8v1()
                    .unwrap()
                    .as_ref()
                    .to_vec()
            }
            _ => {
                let pair = rsa::KeyPair::generate(rsa::KeySize::Rsa2048).unwrap();
                let der: aws_lc_rs::encoding::Pkcs8V1Der = pair.as_der().unwrap();
                der.as_ref().to_vec()
            }
        };
        use base64::engine::general_purpose::STANDARD;
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der)
        );
        let encoding = match algorithm {
            SigningAlgorithm::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(pem.as_bytes()),
            SigningAlgorithm::ES256 => jsonwebtoken::EncodingKey::from_ec_pem(pem.as_bytes()),
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .unwrap();
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, algorithm.jwt_algorithm()).unwrap();
        (pem, jwk)
    }
}
