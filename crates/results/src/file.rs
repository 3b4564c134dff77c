//! The results files: one JSON per experiment, versioned, with the whole method.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use loadgen::RunResult;
use loadgen::cpu::TierCpu;
use serde::{Deserialize, Serialize};

use crate::calibrate::Calibration;
use crate::faults::FaultSummary;
use crate::flow::Flow;
use crate::limits::GroupLimit;
use crate::method::Method;
use crate::revocation::RevocationResults;
use crate::scale::ScaleModel;
use crate::state::StateResults;
use crate::topology::Topology;
use crate::units::show_us;

/// Bumped whenever a field changes meaning or goes away.
pub const SCHEMA: &str = "authbench.results/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultsFile {
    pub schema: String,
    pub method: Method,
    pub runs: Vec<FlowRun>,
    /// Per-operation costs (`workbench tokens`, or criterion's estimates read by `report`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub costs: Vec<OpCost>,
    /// The capacity model and USL fit per flow and scenario (`workbench scale`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ScaleModel>,
    /// What each flow saw while a dependency was away (`workbench faults`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultSummary>,
    /// Acknowledged writes across a failover or a restart (`workbench failover`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<crate::failover::FailoverResults>,
    /// Server-side state and credential sizes (`workbench state`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StateResults>,
    /// Revocation lag per flow and event (`workbench revocation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<RevocationResults>,
    /// The generator beside wrk (`workbench calibrate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    /// Generators against a server whose answer time is known (`workbench accuracy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<crate::accuracy::Accuracy>,
    /// What the reader should know about this file (e.g. a rate the generator could not keep).
    pub notes: Vec<String>,
}

/// The time of one token operation for one algorithm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpCost {
    pub algorithm: String,
    /// `issue`, `verify`, `raw_sign`, `raw_verify`, `raw_verify_parse_key`.
    pub op: String,
    pub median_ns: f64,
    /// The spread: fastest and slowest sample (criterion: its 95 % confidence interval
    /// of the median).
    pub low_ns: f64,
    pub high_ns: f64,
    /// `workbench tokens` or `criterion`.
    pub source: String,
}

/// One measured run of one flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowRun {
    pub flow: String,
    pub algorithm: Option<String>,
    /// `max` for closed loop; the fraction of the maximum (`50%`) for an open-loop point.
    pub label: String,
    /// Which round of a repeated experiment (1 when it ran once).
    #[serde(default = "first_round")]
    pub round: usize,
    /// How many servers ran and the link delay between them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<Topology>,
    /// The scale experiment's scenario: `api` (API replicas only) or `api+auth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The CPU quotas in force, read back from the cgroup files, with throttling counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<GroupLimit>,
    /// Share of its CPU quota each limited tier used; for the (unlimited) generator, the
    /// cores it used.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub utilisation: BTreeMap<String, f64>,
    /// The asked open-loop rate, requests per second.
    pub target_rate: Option<f64>,
    pub cpu: Vec<TierCpu>,
    /// CPU microseconds one answered request cost in each tier (and `total`).
    pub cpu_us_per_request: BTreeMap<String, f64>,
    /// The CPUs each tier's threads were allowed, read back from the kernel after the run
    /// (`0`, `1`, `0-1`); the generator's are its own threads'.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cpus: BTreeMap<String, String>,
    /// Share of the machine's CPU time the hypervisor took for other guests during the run
    /// (`steal` in `/proc/stat`): on a shared virtual machine, what no placement prevents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal: Option<f64>,
    pub result: RunResult,
}

impl FlowRun {
    /// A run of `flow` with nothing metered beside the load itself (no CPU, limits or
    /// scenario yet; round 1).
    pub fn new(
        flow: Flow,
        topology: Topology,
        label: &str,
        target_rate: Option<f64>,
        result: RunResult,
    ) -> FlowRun {
        FlowRun {
            flow: flow.to_string(),
            algorithm: flow.algorithm().map(|a| a.to_string()),
            label: label.to_string(),
            round: 1,
            topology: Some(topology),
            scenario: None,
            limits: Vec::new(),
            utilisation: BTreeMap::new(),
            target_rate,
            cpu: Vec::new(),
            cpu_us_per_request: BTreeMap::new(),
            cpus: BTreeMap::new(),
            steal: None,
            result,
        }
    }

    /// The one-way link delay of the run, in microseconds (0 on plain loopback).
    pub fn link_delay_us(&self) -> u64 {
        self.topology.map(|t| t.link_delay_us).unwrap_or(0)
    }

    /// The flow's name, with the link delay when there was one.
    pub fn series(&self) -> String {
        match self.link_delay_us() {
            0 => self.flow.clone(),
            us => format!("{} @ {}", self.flow, show_us(us)),
        }
    }
}

impl ResultsFile {
    pub fn new(method: Method) -> ResultsFile {
        ResultsFile {
            schema: SCHEMA.into(),
            method,
            runs: Vec::new(),
            costs: Vec::new(),
            models: Vec::new(),
            faults: Vec::new(),
            failover: None,
            state: None,
            revocation: None,
            calibration: None,
            accuracy: None,
            notes: Vec::new(),
        }
    }

    /// Writes `<dir>/<experiment>.json` and returns its path.
    pub fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{}.json", self.method.experiment));
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Each flow's closed-loop maxima (one per round), in the order the flows first ran;
    /// runs with a link delay form their own series (`session @ 1.00ms`). Scale runs are
    /// left out (they have their own figures).
    pub fn maxima(&self) -> Vec<(String, Vec<f64>)> {
        let mut out: Vec<(String, Vec<f64>)> = Vec::new();
        for run in self
            .runs
            .iter()
            .filter(|r| r.label == "max" && r.scenario.is_none())
        {
            let series = run.series();
            match out.iter_mut().find(|(flow, _)| *flow == series) {
                Some((_, rates)) => rates.push(run.result.throughput_rps),
                None => out.push((series, vec![run.result.throughput_rps])),
            }
        }
        out
    }

    /// The median of a flow's closed-loop maxima.
    pub fn maximum(&self, flow: &str) -> Option<f64> {
        self.maxima()
            .into_iter()
            .find(|(f, _)| f == flow)
            .map(|(_, rates)| median(&rates))
    }

    pub fn read(path: &Path) -> anyhow::Result<ResultsFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let file: ResultsFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a results file", path.display()))?;
        anyhow::ensure!(
            file.schema == SCHEMA,
            "{} has schema {}, this workbench reads {SCHEMA}",
            path.display(),
            file.schema
        );
        Ok(file)
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn first_round() -> usize {
    1
}

/// CPU µs per answered request, per tier and in total.
pub fn cpu_per_request(cpu: &[TierCpu], responses: u64) -> BTreeMap<String, f64> {
    let mut per = BTreeMap::new();
    if responses == 0 {
        return per;
    }
    let mut total = 0.0;
    for tier in cpu {
        if let Some(ms) = tier.cpu_ms {
            let us = ms * 1000.0 / responses as f64;
            total += us;
            per.insert(tier.name.clone(), us);
        }
    }
    per.insert("total".into(), total);
    per
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
