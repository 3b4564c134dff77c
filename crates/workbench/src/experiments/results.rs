//! The results files: one JSON per experiment, versioned, with the whole method.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use loadgen::RunResult;
use loadgen::cpu::TierCpu;
use serde::{Deserialize, Serialize};

use super::method::Method;

/// Bumped whenever a field changes meaning or goes away.
pub const SCHEMA: &str = "authbench.results/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultsFile {
    pub schema: String,
    pub method: Method,
    pub runs: Vec<FlowRun>,
    /// What the reader should know about this file (e.g. a rate the generator could not keep).
    pub notes: Vec<String>,
}

/// One measured run of one flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlowRun {
    pub flow: String,
    pub algorithm: Option<String>,
    /// `max` for closed loop; the fraction of the maximum (`50%`) for an open-loop point.
    pub label: String,
    /// The asked open-loop rate, requests per second.
    pub target_rate: Option<f64>,
    pub cpu: Vec<TierCpu>,
    /// CPU microseconds one answered request cost in each tier (and `total`).
    pub cpu_us_per_request: BTreeMap<String, f64>,
    pub result: RunResult,
}

impl ResultsFile {
    pub fn new(method: Method) -> ResultsFile {
        ResultsFile {
            schema: SCHEMA.into(),
            method,
            runs: Vec::new(),
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
