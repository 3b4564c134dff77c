//! The names of what the workbench compares: the API server's modes (how a credential is
//! checked) and the JWT signing algorithms. Settings, the CLI and result files all use
//! these names.

use serde::Deserialize;

/// How the API server checks a credential. Handlers never see which one ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApiMode {
    /// Ask the session auth server's `/introspect` on every request (the design note's
    /// Session process, steps 4-5).
    Session,
    /// Read the session from Redis directly (the common shortcut).
    SessionRedis,
    /// Verify the self-contained token locally (the design note's step 4 for JWT).
    Jwt,
    /// Like `session`, but keep each positive answer for a short, configured time
    /// (`api.introspection_cache_ttl_ms`): fewer hops, and a logout or role change that
    /// reaches this server up to that long late.
    SessionCached,
    /// Like `jwt`, then ask Redis whether the token (its `jti`) or every token of its user
    /// issued before a cut-off was revoked: the usual hybrid, one Redis read per request.
    JwtDenylist,
    /// An opaque API key, looked up in PostgreSQL on every request with its user and
    /// scopes (seed 004's API-key flow). Needs `database`.
    ApiKey,
    /// Like `jwt`, then the user and roles loaded from PostgreSQL on every request (Django
    /// REST framework simplejwt's shape): role changes, a disabled user and a logout's
    /// cut-off take effect at once. Needs `database`.
    JwtUserdb,
}

impl ApiMode {
    pub const ALL: [ApiMode; 7] = [
        ApiMode::Session,
        ApiMode::SessionRedis,
        ApiMode::Jwt,
        ApiMode::SessionCached,
        ApiMode::JwtDenylist,
        ApiMode::ApiKey,
        ApiMode::JwtUserdb,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiMode::Session => "session",
            ApiMode::SessionRedis => "session-redis",
            ApiMode::Jwt => "jwt",
            ApiMode::SessionCached => "session-cached",
            ApiMode::JwtDenylist => "jwt-denylist",
            ApiMode::ApiKey => "api-key",
            ApiMode::JwtUserdb => "jwt-userdb",
        }
    }

    /// `true` when the API server reads the user database on every request.
    pub fn needs_database(self) -> bool {
        matches!(self, ApiMode::ApiKey | ApiMode::JwtUserdb)
    }

    /// `true` when the credential is a session id (else a JWT access token or an API key).
    pub fn takes_session_ids(self) -> bool {
        matches!(
            self,
            ApiMode::Session | ApiMode::SessionRedis | ApiMode::SessionCached
        )
    }
}

impl std::fmt::Display for ApiMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApiMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiMode::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| {
            format!("unknown API mode `{s}`: use session, session-redis, session-cached, jwt, jwt-denylist, api-key or jwt-userdb")
        })
    }
}

/// The HTTP version the API server speaks to the session auth server on its introspection
/// hop: HTTP/1.1 on pooled keep-alive connections (the default, what most deployments run),
/// or HTTP/2 without TLS (h2c, prior knowledge), every request multiplexed on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntrospectionHttp {
    #[default]
    Http1,
    Http2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum SigningAlgorithm {
    HS256,
    EdDSA,
    ES256,
    RS256,
}

impl SigningAlgorithm {
    pub const ALL: [SigningAlgorithm; 4] = [
        SigningAlgorithm::HS256,
        SigningAlgorithm::EdDSA,
        SigningAlgorithm::ES256,
        SigningAlgorithm::RS256,
    ];

    pub fn jwt_algorithm(self) -> jsonwebtoken::Algorithm {
        match self {
            SigningAlgorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            SigningAlgorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            SigningAlgorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            SigningAlgorithm::RS256 => jsonwebtoken::Algorithm::RS256,
        }
    }

    pub fn is_symmetric(self) -> bool {
        self == SigningAlgorithm::HS256
    }
}

impl std::fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self)
    }
}

impl std::str::FromStr for SigningAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SigningAlgorithm::ALL
            .into_iter()
            .find(|a| a.to_string().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown algorithm `{s}`: use HS256, EdDSA, ES256 or RS256"))
    }
}
