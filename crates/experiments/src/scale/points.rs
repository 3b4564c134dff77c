//! The scale experiment's points as the report reads them: per scenario and flow, the
//! closed-loop maximum beside its open-loop run, and the series the chart draws.

use report::charts::ScaleSeries;
use results::{FlowRun, ResultsFile};

/// The scale experiment's series names (`api`, `api+auth`, with a delay when one was set),
/// in the order they ran.
pub(super) fn scale_scenarios(file: &ResultsFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for model in &file.models {
        if !out.contains(&model.scenario) {
            out.push(model.scenario.clone());
        }
    }
    out
}

pub(super) fn scale_series(file: &ResultsFile, scenario: &str) -> Vec<ScaleSeries> {
    file.models
        .iter()
        .filter(|m| m.scenario == scenario)
        .map(|m| ScaleSeries {
            flow: m.flow.clone(),
            measured: m
                .points
                .iter()
                .filter_map(|p| Some((p.replicas, p.measured_rps?)))
                .collect(),
            capacity: m.points.iter().map(|p| (p.replicas, p.capacity.rps)).collect(),
            usl: m.usl,
        })
        .collect()
}

/// One measured scale point with its open-loop latency.
#[derive(Debug, Clone)]
pub(super) struct ScalePoint<'a> {
    pub closed: &'a FlowRun,
    pub open: Option<&'a FlowRun>,
    /// CPUs per limited server, when limits were applied.
    pub cpus: Option<f64>,
}

impl ScalePoint<'_> {
    pub fn replicas(&self) -> usize {
        self.closed.topology.map(|t| t.api_replicas).unwrap_or(1)
    }

    pub fn auth_servers(&self) -> usize {
        self.closed.topology.map(|t| t.auth_servers).unwrap_or(1)
    }
}

pub(super) fn scale_points<'a>(file: &'a ResultsFile, scenario: &str) -> Vec<ScalePoint<'a>> {
    let series_of = |r: &FlowRun| match r.link_delay_us() {
        0 => r.scenario.clone().unwrap_or_default(),
        us => format!(
            "{} @ {}",
            r.scenario.clone().unwrap_or_default(),
            results::units::show_us(us)
        ),
    };
    file.runs
        .iter()
        .filter(|r| r.label == "max" && r.scenario.is_some() && series_of(r) == scenario)
        .map(|closed| ScalePoint {
            closed,
            open: file.runs.iter().find(|o| {
                o.label == "open"
                    && o.flow == closed.flow
                    && o.scenario == closed.scenario
                    && o.topology == closed.topology
            }),
            cpus: closed.limits.first().map(|l| l.cpus),
        })
        .collect()
}
