//! The claims of the JWT flow's two token kinds.
//!
//! An access token is an RFC 9068 token (`typ: at+jwt`) for the API's audience; a refresh
//! token has its own `typ` and the auth server itself as audience, so neither can be
//! used as the other: two independent checks refuse it.

use serde::{Deserialize, Serialize};

/// The client id of the first-party login, a public client (no secret), in both flows:
/// the `client_id` claim of tokens from `/login` (RFC 9068 requires one), and the name a
/// user's own client gives at the revocation endpoints.
pub const FIRST_PARTY_CLIENT_ID: &str = "authbench-login";

/// `typ` header of access tokens (RFC 9068 section 2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// `typ` header of refresh tokens (a private value; only the JWT auth server reads them).
pub const REFRESH_TOKEN_TYP: &str = "refresh+jwt";

/// Claims of an access token, the self-contained credential the API server verifies alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub nbf: u64,
    pub jti: String,
    pub client_id: String,
    pub roles: Vec<String>,
    /// Space-separated scopes granted to the client (RFC 9068 section 2.2.3); tokens of
    /// the first-party login carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Claims of a refresh token. It carries no roles: the roles are fetched from the user
/// directory again at each refresh, so a changed role reaches the next access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub nbf: u64,
    pub jti: String,
    pub token_use: String,
    pub client_id: String,
    /// The rotation family: every refresh token descended from one login shares it.
    pub fam: String,
    /// The token's place in its family: 0 at login, one more at each rotation.
    pub generation: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The value of `RefreshClaims::token_use`.
pub const REFRESH_TOKEN_USE: &str = "refresh";

/// `true` for `at+jwt` and its long form `application/at+jwt` (RFC 9068 section 4).
pub fn is_access_typ(typ: Option<&str>) -> bool {
    matches!(typ, Some(t) if t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP)
        || t.eq_ignore_ascii_case("application/at+jwt"))
}

/// The checks every token of this system passes, for one algorithm: a signature by that
/// algorithm only, `exp` and `nbf` within the leeway, the issuer, the audience (the API's
/// for access tokens, the auth server's own for refresh tokens), and the presence of
/// `exp`, `nbf`, `iss`, `aud` and `sub`. Build it once, not per request.
pub fn jwt_validation(
    algorithm: jsonwebtoken::Algorithm,
    issuer: &str,
    audience: &str,
    leeway: std::time::Duration,
) -> jsonwebtoken::Validation {
    let mut v = jsonwebtoken::Validation::new(algorithm);
    v.leeway = leeway.as_secs();
    v.validate_nbf = true;
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    v
}

/// Whether a token with this `exp` is still valid now. RFC 7519 (section 4.1.4) refuses a
/// token from the instant `exp` is reached; jsonwebtoken compares whole seconds with `<`
/// and so accepts it for up to one second longer. This check, run after jsonwebtoken's,
/// makes expiry exact to the millisecond.
pub fn unexpired(exp: u64, leeway: std::time::Duration) -> bool {
    crate::time::now_ms() < exp.saturating_add(leeway.as_secs()).saturating_mul(1000)
}

/// Maps jsonwebtoken's errors to the short `error_description` a client sees.
pub fn describe(error: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind::*;
    match error.kind() {
        ExpiredSignature => "the token has expired",
        ImmatureSignature => "the token is not valid yet (nbf)",
        InvalidIssuer => "the token was issued by an unknown issuer",
        InvalidAudience => "the token is not meant for this audience",
        InvalidSignature => "the token's signature does not match",
        InvalidAlgorithm | MissingAlgorithm => "the token's algorithm is not accepted",
        MissingRequiredClaim(_) => "the token lacks a required claim",
        InvalidSubject => "the token's subject is not accepted",
        _ => "the token is malformed",
    }
}
