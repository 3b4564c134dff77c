//! `scale.json`'s models: the capacity model and the USL fit per flow and scenario.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The capacity model's answer for one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub rps: f64,
    /// The tier that bounds it.
    pub bound: String,
}

/// CPU µs per request of each tier (`api`, `auth`, `redis`, `generator`).
pub type Costs = BTreeMap<String, f64>;

/// The fitted law.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Usl {
    /// Throughput of one replica, requests per second.
    pub lambda: f64,
    /// Contention: the share of the work that serialises.
    pub sigma: f64,
    /// Coherency: the pairwise crosstalk cost.
    pub kappa: f64,
}

impl Usl {
    pub fn at(&self, n: f64) -> f64 {
        self.lambda * n / (1.0 + self.sigma * (n - 1.0) + self.kappa * n * (n - 1.0))
    }

    /// The size where throughput peaks, when κ > 0: √((1−σ)/κ).
    pub fn peak(&self) -> Option<f64> {
        (self.kappa > 0.0).then(|| ((1.0 - self.sigma) / self.kappa).sqrt())
    }
}

/// One size, measured and modelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPoint {
    pub replicas: usize,
    pub auth_servers: usize,
    /// Redis Cluster primaries (1: one Redis).
    #[serde(default = "one", skip_serializing_if = "crate::topology::is_one")]
    pub shards: usize,
    /// None for an extrapolated size.
    pub measured_rps: Option<f64>,
    pub capacity: Capacity,
    pub usl_rps: Option<f64>,
}

fn one() -> usize {
    1
}

/// Both models for one flow and scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleModel {
    pub flow: String,
    pub scenario: String,
    /// The CPU costs the capacity model uses: per tier, its cost at the point where it was
    /// busiest.
    pub costs_us: Costs,
    /// Each tier's cost per request at the first and the last measured point: how far the
    /// costs moved as the load spread over more processes.
    #[serde(default)]
    pub cost_range_us: BTreeMap<String, (f64, f64)>,
    pub cpus_per_server: f64,
    /// CPUs per Redis process, where it differs from `cpus_per_server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_cpus: Option<f64>,
    pub cores: f64,
    pub points: Vec<ModelPoint>,
    pub usl: Option<Usl>,
    /// Largest |model − measured| / measured over the measured points.
    pub capacity_error: Option<f64>,
    pub usl_error: Option<f64>,
    /// Throughput at N / (N × throughput at the first size), per measured size.
    pub efficiency: Vec<(usize, f64)>,
    /// Both models at larger sizes, under `assumptions`.
    pub extrapolated: Vec<ModelPoint>,
    pub assumptions: Vec<String>,
}
