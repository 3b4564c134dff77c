//! `faults.json`: what each flow's users saw while a dependency was away.

use serde::{Deserialize, Serialize};

/// What one flow's users saw while one dependency was away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSummary {
    pub flow: String,
    pub dependency: String,
    /// The outage, from the start of the measured window.
    pub outage_start_ms: u64,
    pub outage_end_ms: u64,
    /// From the outage's start to the first 100 ms in which a request failed (none: it
    /// never failed).
    pub time_to_fail_ms: Option<u64>,
    /// From the outage's end to the first 100 ms from which every request succeeded (none:
    /// it never recovered within the run).
    pub time_to_recover_ms: Option<u64>,
    /// Slowest answer among requests due during the outage, from their intended send time
    /// (with the wait for a free connection: what users saw).
    pub max_latency_in_outage_us: u64,
    /// The same from the actual send time: how long the servers took to answer.
    pub max_service_in_outage_us: u64,
    pub answers_503: u64,
    /// 5xx answers other than 503.
    pub other_5xx: u64,
    /// 4xx answers (a session the outage lost would show here).
    pub answers_4xx: u64,
    /// Requests that got no HTTP answer at all (connect, closed, protocol, timeout).
    pub no_answer: u64,
    /// Requests the servers may have held longer than their dependency timeout plus one
    /// second (from the actual send time): every answer in a 100 ms slot whose slowest
    /// answer took that long, an upper bound; plus requests with no answer within the
    /// generator's 10 s. Zero means no request hung.
    pub hung: u64,
    /// The 99th percentile of the 5xx answers' time from sending, over the run (they come
    /// only while the dependency is away): how fast a refusal came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_p99_us: Option<u64>,
}
