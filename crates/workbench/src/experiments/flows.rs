//! The flows an experiment can measure: the no-auth baseline and each way a request is
//! authenticated.

use std::fmt;
use std::str::FromStr;

use authbench_core::settings::{ApiMode, SigningAlgorithm};

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
}

impl Flow {
    /// Every flow, in the order reports show them.
    pub const ALL: [Flow; 7] = [
        Flow::Baseline,
        Flow::Session,
        Flow::SessionRedis,
        Flow::Jwt(SigningAlgorithm::HS256),
        Flow::Jwt(SigningAlgorithm::EdDSA),
        Flow::Jwt(SigningAlgorithm::ES256),
        Flow::Jwt(SigningAlgorithm::RS256),
    ];

    /// The API server's mode for this flow (the baseline runs on a `jwt` server).
    pub fn api_mode(self) -> ApiMode {
        match self {
            Flow::Baseline | Flow::Jwt(_) => ApiMode::Jwt,
            Flow::Session => ApiMode::Session,
            Flow::SessionRedis => ApiMode::SessionRedis,
        }
    }

    pub fn algorithm(self) -> Option<SigningAlgorithm> {
        match self {
            Flow::Jwt(alg) => Some(alg),
            _ => None,
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Flow::Baseline => "/public/departments",
            _ => "/api/departments",
        }
    }

    pub fn needs_redis(self) -> bool {
        matches!(self, Flow::Session | Flow::SessionRedis)
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flow::Baseline => f.write_str("baseline"),
            Flow::Session => f.write_str("session"),
            Flow::SessionRedis => f.write_str("session-redis"),
            Flow::Jwt(alg) => write!(f, "jwt-{}", alg.to_string().to_ascii_lowercase()),
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
        Flow::ALL
            .into_iter()
            .find(|f| f.to_string() == wanted)
            .ok_or_else(|| {
                let names: Vec<String> = Flow::ALL.iter().map(Flow::to_string).collect();
                format!("unknown flow `{s}`: choose from {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_reads_back_from_its_name() {
        for flow in Flow::ALL {
            assert_eq!(flow.to_string().parse::<Flow>().unwrap(), flow);
        }
        assert_eq!("jwt".parse::<Flow>().unwrap(), Flow::Jwt(SigningAlgorithm::HS256));
        assert!(
            "kerberos"
                .parse::<Flow>()
                .unwrap_err()
                .contains("baseline, session")
        );
    }
}
