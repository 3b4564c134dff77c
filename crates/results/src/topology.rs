//! How many of each server a run had, and the delay on the links between them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How many of each server a flow runs, and the delay on the links between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    pub api_replicas: usize,
    /// Session auth servers (the JWT flows and the baseline always run one at most: the
    /// JWT auth server does nothing per request).
    pub auth_servers: usize,
    /// One-way delay on the API→auth, auth→Redis and API→Redis links, in microseconds
    /// (0: loopback, no delay link at all).
    pub link_delay_us: u64,
    /// Primaries of the Redis Cluster the servers used (1: one Redis, no cluster).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub shards: usize,
}

fn one() -> usize {
    1
}

/// Whether `n` is 1, the default left out of results files.
pub fn is_one(n: &usize) -> bool {
    *n == 1
}

impl Topology {
    /// One of each, on loopback.
    pub fn single() -> Topology {
        Topology {
            api_replicas: 1,
            auth_servers: 1,
            link_delay_us: 0,
            shards: 1,
        }
    }

    pub fn link_delay(&self) -> Duration {
        Duration::from_micros(self.link_delay_us)
    }
}
