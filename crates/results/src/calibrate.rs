//! `calibrate.json`: wrk's figures beside the generator's, against the same endpoint.

use serde::{Deserialize, Serialize};

/// What `wrk --latency` printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrkResult {
    pub requests_per_sec: f64,
    pub p50_us: u64,
    pub p75_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub output: String,
}

/// The wrk figures beside ours.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Calibration {
    pub wrk: WrkResult,
    /// Our best maximum over wrk's.
    pub ratio: f64,
}
