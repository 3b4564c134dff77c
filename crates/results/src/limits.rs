//! The CPU quotas a run had, as read back from the cgroup files.

use serde::{Deserialize, Serialize};

/// One limited group, as read back from its files after it was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupLimit {
    pub name: String,
    pub path: String,
    pub pids: Vec<u32>,
    /// CPUs allowed: quota / period, as read back from the cgroup files.
    pub cpus: f64,
    pub period_us: u64,
    /// Periods in which the group hit its quota and waited (cpu.stat `nr_throttled`),
    /// read when the measurement ended.
    pub throttled_periods: Option<u64>,
}
