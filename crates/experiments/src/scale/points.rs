//! The scale experiment's points as the report reads them: per scenario and flow, the
//! closed-loop maximum beside its open-loop run, and the series the chart draws.

use report::charts::ScaleSeries;
use results::scale::ModelPoint;
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

/// Whether a series grows by Redis Cluster shards (`api+auth+redis`), not API replicas.
pub(super) fn grows_by_shards(scenario: &str) -> bool {
    scenario.starts_with("api+auth+redis")
}

/// A model point's size: its shards or its API replicas, as its series grows.
pub(super) fn size_of(point: &ModelPoint, scenario: &str) -> usize {
    if grows_by_shards(scenario) {
        point.shards
    } else {
        point.replicas
    }
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
                .filter_map(|p| Some((size_of(p, scenario), p.measured_rps?)))
                .collect(),
            capacity: m
                .points
                .iter()
                .map(|p| (size_of(p, scenario), p.capacity.rps))
                .collect(),
            usl: m.usl,
        })
        .collect()
}

/// One measured scale point with its open-loop latency.
#[derive(Debug, Clone)]
pub(super) struct ScalePoint<'a> {
    pub closed: &'a FlowRun,
    pub open: Option<&'a FlowRun>,
}

impl ScalePoint<'_> {
    pub fn replicas(&self) -> usize {
        self.closed.topology.map(|t| t.api_replicas).unwrap_or(1)
    }

    pub fn auth_servers(&self) -> usize {
        self.closed.topology.map(|t| t.auth_servers).unwrap_or(1)
    }

    pub fn shards(&self) -> usize {
        self.closed.topology.map(|t| t.shards).unwrap_or(1)
    }

    /// What its series grows by: shards, or API replicas.
    pub fn size(&self) -> usize {
        if self.closed.scenario.as_deref().is_some_and(grows_by_shards) {
            self.shards()
        } else {
            self.replicas()
        }
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
        })
        .collect()
}
