//! The flows an experiment can measure: the no-auth baseline and each way a request is
//! authenticated.

use std::fmt;
use std::str::FromStr;

pub use authbench_core::settings::{ApiMode, SigningAlgorithm};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// `GET /public/departments` on the API server: the same work with no authentication.
    Baseline,
    /// The API server asks the session auth server, which asks Redis (steps 3-6).
    Session,
    /// The API server reads the session from Redis itself.
    SessionRedis,
    /// The API server verifies a signed token alone (steps 3-4).
    Jwt(SigningAlgorithm),
    /// `session`, with positive introspection answers kept this many milliseconds in the
    /// API server.
    SessionCached(u64),
    /// HS256 verified locally, then one Redis read of the denylist.
    JwtDenylist,
    /// The practical limit: a minimal actix-web + jsonwebtoken server with the API server's
    /// HS256 checks and answer (`crates/jwt-floor`), so a report shows how far the API
    /// server's JWT route is from it. Not in [`Flow::ALL`]: a reference, not an architecture.
    JwtFloor,
    /// `session` with the introspection hop over HTTP/2 without TLS (h2c) instead of
    /// HTTP/1.1: the same architecture, another wire. Not in [`Flow::ALL`].
    SessionH2,
    /// An opaque API key looked up in PostgreSQL on every request (seed 004).
    ApiKey,
    /// HS256 verified locally, then the user loaded from PostgreSQL (the simplejwt shape).
    JwtUserdb,
}

/// The introspection cache lifetime of `session-cached` when none is named (the settings'
/// default).
pub const DEFAULT_CACHE_TTL_MS: u64 = 1000;

impl Flow {
    /// Every flow, in the order reports show them: what the throughput and latency
    /// experiments measure by default, and every name `--flows` takes (`session-cached-<ttl>`
    /// names another cache lifetime).
    pub const ALL: [Flow; 11] = [
        Flow::Baseline,
        Flow::Session,
        Flow::SessionRedis,
        Flow::SessionCached(DEFAULT_CACHE_TTL_MS),
        Flow::Jwt(SigningAlgorithm::HS256),
        Flow::Jwt(SigningAlgorithm::EdDSA),
        Flow::Jwt(SigningAlgorithm::ES256),
        Flow::Jwt(SigningAlgorithm::RS256),
        Flow::JwtDenylist,
        Flow::JwtUserdb,
        Flow::ApiKey,
    ];

    /// The reference flows, measured beside [`Flow::ALL`] where an experiment says so: the
    /// practical limit of a JWT check (`jwt-floor`) and the session hop over HTTP/2
    /// (`session-h2`).
    pub const REFERENCE: [Flow; 2] = [Flow::JwtFloor, Flow::SessionH2];

    /// The API server's mode for this flow (the baseline runs on a `jwt` server).
    pub fn api_mode(self) -> ApiMode {
        match self {
            Flow::Baseline | Flow::Jwt(_) | Flow::JwtFloor => ApiMode::Jwt,
            Flow::Session | Flow::SessionH2 => ApiMode::Session,
            Flow::SessionRedis => ApiMode::SessionRedis,
            Flow::SessionCached(_) => ApiMode::SessionCached,
            Flow::JwtDenylist => ApiMode::JwtDenylist,
            Flow::ApiKey => ApiMode::ApiKey,
            Flow::JwtUserdb => ApiMode::JwtUserdb,
        }
    }

    pub fn algorithm(self) -> Option<SigningAlgorithm> {
        match self {
            Flow::Jwt(alg) => Some(alg),
            Flow::JwtDenylist | Flow::JwtFloor | Flow::JwtUserdb => Some(SigningAlgorithm::HS256),
            _ => None,
        }
    }

    /// `true` when the flow's auth server is the session auth server.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            Flow::Session | Flow::SessionH2 | Flow::SessionRedis | Flow::SessionCached(_)
        )
    }

    /// `true` when the flow's auth server is the JWT auth server (which also issues the
    /// `api-key` flow's keys).
    pub fn is_jwt(self) -> bool {
        matches!(
            self,
            Flow::Jwt(_) | Flow::JwtDenylist | Flow::JwtFloor | Flow::JwtUserdb | Flow::ApiKey
        )
    }

    /// `true` when the API server reads PostgreSQL on every request.
    pub fn needs_database(self) -> bool {
        matches!(self, Flow::ApiKey | Flow::JwtUserdb)
    }

    pub fn path(self) -> &'static str {
        match self {
            Flow::Baseline => "/public/departments",
            _ => "/api/departments",
        }
    }

    /// `true` for the JWT flows that verify a public-key signature (EdDSA, ES256, RS256).
    pub fn is_public_key(self) -> bool {
        matches!(self, Flow::Jwt(alg) if alg != SigningAlgorithm::HS256)
    }

    /// One-way crossings of a server-to-server link per request: API→auth→Redis and back
    /// is 4, API→Redis (or PostgreSQL) and back is 2, a local check crosses none. `session-cached` counts
    /// its cache hits, which cross none (a miss crosses 4).
    pub fn link_crossings(self) -> u32 {
        match self {
            Flow::Session | Flow::SessionH2 => 4,
            Flow::SessionRedis | Flow::JwtDenylist | Flow::ApiKey | Flow::JwtUserdb => 2,
            Flow::Baseline | Flow::Jwt(_) | Flow::SessionCached(_) | Flow::JwtFloor => 0,
        }
    }

    /// `true` when the API server's check depends on Redis, directly or through the
    /// session auth server.
    pub fn needs_redis(self) -> bool {
        self.is_session() || self == Flow::JwtDenylist
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flow::Baseline => f.write_str("baseline"),
            Flow::Session => f.write_str("session"),
            Flow::SessionRedis => f.write_str("session-redis"),
            Flow::Jwt(alg) => write!(f, "jwt-{}", alg.to_string().to_ascii_lowercase()),
            Flow::SessionCached(DEFAULT_CACHE_TTL_MS) => f.write_str("session-cached"),
            Flow::SessionCached(ms) if ms % 1000 == 0 => write!(f, "session-cached-{}s", ms / 1000),
            Flow::SessionCached(ms) => write!(f, "session-cached-{ms}ms"),
            Flow::JwtDenylist => f.write_str("jwt-denylist"),
            Flow::JwtFloor => f.write_str("jwt-floor"),
            Flow::SessionH2 => f.write_str("session-h2"),
            Flow::ApiKey => f.write_str("api-key"),
            Flow::JwtUserdb => f.write_str("jwt-userdb"),
        }
    }
}

impl FromStr for Flow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        if wanted == "jwt" {
            return Ok(Flow::Jwt(SigningAlgorithm::HS256));
        }
        if let Some(ttl) = wanted.strip_prefix("session-cached-") {
            let ttl = crate::units::parse_duration(ttl)?;
            return Ok(Flow::SessionCached(ttl.as_millis().max(1) as u64));
        }
        Flow::ALL
            .into_iter()
            .chain(Flow::REFERENCE)
            .find(|f| f.to_string() == wanted)
            .ok_or_else(|| {
                let names: Vec<String> = Flow::ALL
                    .iter()
                    .chain(&Flow::REFERENCE)
                    .map(Flow::to_string)
                    .collect();
                format!(
                    "unknown flow `{s}`: choose from {} (session-cached-<ttl>, e.g. \
                     session-cached-250ms, sets the cache lifetime)",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_reads_back_from_its_name() {
        for flow in Flow::ALL
            .into_iter()
            .chain(Flow::REFERENCE)
            .chain([Flow::SessionCached(250), Flow::SessionCached(5000)])
        {
            assert_eq!(flow.to_string().parse::<Flow>().unwrap(), flow);
        }
        assert_eq!(
            "session-cached-5s".parse::<Flow>().unwrap(),
            Flow::SessionCached(5000)
        );
        assert_eq!("jwt".parse::<Flow>().unwrap(), Flow::Jwt(SigningAlgorithm::HS256));
        assert!(
            "kerberos"
                .parse::<Flow>()
                .unwrap_err()
                .contains("baseline, session")
        );
    }
}
