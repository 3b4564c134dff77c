//! What `workbench failover` records: for each trial (a primary killed under a durability
//! setting, or a single Redis restarted with or without its append-only file) the store it
//! ran on, when the event came, and how many acknowledged writes held afterwards, counted
//! from the client's side. Each flow's timeline is a [`crate::FlowRun`] labelled with the
//! trial, read as a [`crate::faults::FaultSummary`] whose `dependency` is the trial's label.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FailoverResults {
    pub trials: Vec<FailoverTrial>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailoverTrial {
    /// Unique within the file; the runs' label is `<label> away` and the fault summaries'
    /// dependency is the label.
    pub label: String,
    /// `primary killed` or `restart`.
    pub scenario: String,
    /// The store's shape and timings (Sentinel's down-after among them).
    pub store: String,
    /// What the writes that matter waited for, or the single Redis's persistence.
    pub durability: String,
    /// When the event came, from the start of the measured window.
    pub event_ms: u64,
    /// From the kill to the moment the sentinels named a new primary that answered as one
    /// (a restart: to the moment the restarted Redis answered).
    pub back_after_ms: Option<u64>,
    /// Acknowledged writes and whether they held, per kind.
    pub writes: Vec<WriteCount>,
}

/// Writes of one kind made during a trial, and what became of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WriteCount {
    /// `session login`, `session logout`, `access-token revocation`,
    /// `refresh-family revocation`.
    pub kind: String,
    pub attempted: u64,
    /// Answered with success.
    pub acknowledged: u64,
    /// Answered with an error (503 and the like): never acknowledged, so never owed.
    pub refused: u64,
    /// Acknowledged, and undone afterwards: a login whose session is gone, or a revoked
    /// credential accepted again.
    pub lost: u64,
    /// Acknowledged, but not checkable afterwards (the check itself failed).
    #[serde(default)]
    pub unchecked: u64,
    /// The last answer each unchecked write's check got (`503`, or the client's error).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked_answers: Vec<String>,
    /// Median and 99th percentile of the acknowledged writes' answer time, in µs: what
    /// waiting for a replica costs the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_us: Option<u64>,
}

impl FailoverTrial {
    pub fn lost(&self) -> u64 {
        self.writes.iter().map(|w| w.lost).sum()
    }

    pub fn acknowledged(&self) -> u64 {
        self.writes.iter().map(|w| w.acknowledged).sum()
    }
}
