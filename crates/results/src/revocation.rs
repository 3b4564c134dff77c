//! `revocation.json`: how long a logout or a role removal took to reach the API, per flow.

use serde::{Deserialize, Serialize};

/// What the revocation experiment found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevocationResults {
    pub seconds_per_minute: u64,
    pub interval_ms: f64,
    pub arms: Vec<RevocationArm>,
}

/// One flow, with one token lifetime or cache lifetime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevocationArm {
    /// The flow's name as the throughput runs of this file carry it.
    pub flow: String,
    /// `jwt-hs256 (5 min tokens)`, `session-cached-250ms`.
    pub label: String,
    pub access_lifetime_min: Option<u64>,
    pub cache_ttl_ms: Option<u64>,
    /// Real-system seconds per measured second (60 / seconds_per_minute for plain JWT).
    pub scale: f64,
    pub trials: Vec<RevocationTrial>,
}

impl RevocationArm {
    /// The lags of every trial of `event` that saw a denial, scaled to the real system, ms.
    /// A plain-JWT lag is scaled by its own token's life: a token lives a login's time less
    /// than its nominal lifetime (its `iat` is the second it was issued in), and the lag
    /// keeps its share of that life.
    pub fn scaled_lags_ms(&self, event: Option<&str>) -> Vec<f64> {
        self.trials
            .iter()
            .filter(|t| event.is_none_or(|e| t.event == e))
            .filter_map(|t| {
                let scale = match (t.lifetime_ms, self.access_lifetime_min) {
                    (Some(life), Some(min)) if life > 0.0 => min as f64 * 60_000.0 / life,
                    _ => self.scale,
                };
                t.lag_ms.map(|l| l * scale)
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevocationTrial {
    /// `logout` or `role-removed`.
    pub event: String,
    /// From t0 to the first request the API denied; `None`: none was denied in time.
    pub lag_ms: Option<f64>,
    /// The longest lag the flow's design allows from this t0: 0, the cache lifetime, or
    /// the access token's remaining life.
    pub bound_ms: f64,
    /// Requests the API still granted after t0.
    pub granted_after: u64,
    /// Plain JWT: how long the access token lived from the end of the login to its `exp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_ms: Option<f64>,
    /// A request granted again after the first denial (should never happen).
    pub regranted: bool,
}
