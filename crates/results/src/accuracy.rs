//! `accuracy.json`: load generators against a server whose answer time is known.

use serde::{Deserialize, Serialize};

/// The reference server's answer time as the simplest client sees it: one request at a
/// time over one socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundTrip {
    /// The server's fixed wait before it answers.
    pub delay_us: u64,
    pub samples: usize,
    pub p50_us: u64,
    pub p99_us: u64,
}

/// One tool at one rate against one reference server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyPoint {
    /// `authbench` (the workbench's generator), `oha`, `wrk2`.
    pub tool: String,
    pub delay_us: u64,
    /// Offered requests per second.
    pub rate: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// The reference's round trip at this delay (what p50 and p99 should be).
    pub expected_p50_us: u64,
    pub expected_p99_us: u64,
    /// Share of one CPU the reference server used: above one half it starts to queue, and
    /// the expected figures no longer hold.
    pub server_busy: f64,
    /// Whether p50 and p99 both landed within [`tolerance_us`] of the expected ones.
    pub within: bool,
    /// The generator's own CPU per request and whether it kept its schedule (ours only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_cpu_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<bool>,
    /// Share of the machine's CPU time the hypervisor took for other guests meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal: Option<f64>,
}

impl AccuracyPoint {
    /// Whether the reference server itself queued at this rate (its expected figures then
    /// do not hold, for any tool).
    pub fn server_queued(&self) -> bool {
        self.server_busy > 0.5
    }
}

/// What a generator's percentile may differ from the known answer time: 50 µs, or 10 %
/// when that is more.
pub fn tolerance_us(expected_us: u64) -> u64 {
    (expected_us / 10).max(50)
}

/// Whether `measured` lands on `expected`.
pub fn lands(measured: u64, expected: u64) -> bool {
    measured.abs_diff(expected) <= tolerance_us(expected)
}

/// Everything the accuracy check measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    pub round_trips: Vec<RoundTrip>,
    pub points: Vec<AccuracyPoint>,
    /// Tools that were asked for but not found, with how to get them.
    pub missing_tools: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_is_fifty_microseconds_or_ten_percent() {
        assert_eq!(tolerance_us(100), 50);
        assert_eq!(tolerance_us(2000), 200);
        assert!(lands(140, 100) && !lands(160, 100));
        assert!(lands(2150, 2000) && !lands(2250, 2000));
    }
}
