//! The figures a report shows, derived from results files only: what the charts draw and
//! what the text says come from the same numbers.

use loadgen::RunResult;

use results::{FlowRun, ResultsFile, median};

/// One flow's closed-loop maximum: the median of its rounds, with the slowest and fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub flow: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub rounds: usize,
}

impl Bar {
    /// (fastest - slowest) / median, the run-to-run spread.
    pub fn spread(&self) -> f64 {
        if self.value > 0.0 {
            (self.high - self.low) / self.value
        } else {
            0.0
        }
    }
}

pub fn throughput_bars(file: &ResultsFile) -> Vec<Bar> {
    file.maxima()
        .into_iter()
        .map(|(flow, rates)| Bar {
            value: median(&rates),
            low: rates.iter().copied().fold(f64::INFINITY, f64::min),
            high: rates.iter().copied().fold(0.0, f64::max),
            rounds: rates.len(),
            flow,
        })
        .collect()
}

/// One flow's CPU µs per request by tier (`api`, `auth`, `redis`, `generator`), medians
/// over its rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub flow: String,
    pub tiers: Vec<(String, f64)>,
}

impl Stack {
    pub fn total(&self) -> f64 {
        self.tiers.iter().map(|(_, us)| us).sum()
    }

    pub fn tier(&self, name: &str) -> Option<f64> {
        self.tiers.iter().find(|(t, _)| t == name).map(|(_, us)| *us)
    }
}

/// The report's tier name for a metered process.
fn tier_of(name: &str) -> &str {
    match name {
        "session-auth" | "jwt-auth" => "auth",
        other => other,
    }
}

/// One stack per flow from the runs labelled `label` (`max` for the throughput runs,
/// `login` and `refresh` for the login runs), flows in the order they first ran; runs
/// with a link delay and scale runs are left out.
pub fn cpu_stacks(file: &ResultsFile, label: &str) -> Vec<Stack> {
    let runs_of: Vec<&FlowRun> = file
        .runs
        .iter()
        .filter(|r| r.label == label && r.link_delay_us() == 0 && r.scenario.is_none())
        .collect();
    let mut flows: Vec<&str> = Vec::new();
    for run in &runs_of {
        if !flows.contains(&run.flow.as_str()) {
            flows.push(&run.flow);
        }
    }
    let mut stacks = Vec::new();
    for flow in flows {
        let runs: Vec<&&FlowRun> = runs_of.iter().filter(|r| r.flow == flow).collect();
        let mut tiers = Vec::new();
        for tier in ["api", "auth", "redis", "generator"] {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| {
                    r.cpu_us_per_request
                        .iter()
                        .find(|(name, _)| tier_of(name) == tier)
                        .map(|(_, us)| *us)
                })
                .collect();
            if !values.is_empty() {
                tiers.push((tier.to_string(), median(&values)));
            }
        }
        stacks.push(Stack {
            flow: flow.to_string(),
            tiers,
        });
    }
    stacks
}

/// One flow's percentile curve at one load level.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub flow: String,
    pub rate: f64,
    pub kept: bool,
    pub points: Vec<(f64, u64)>,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl Curve {
    fn of(run: &FlowRun) -> Curve {
        let r: &RunResult = &run.result;
        Curve {
            flow: run.series(),
            rate: run.target_rate.unwrap_or(r.throughput_rps),
            kept: r.schedule.as_ref().is_none_or(|s| s.kept_rate),
            points: r.percentiles.clone(),
            p50_us: r.latency.p50_us,
            p99_us: r.latency.p99_us,
            max_us: r.latency.max_us,
        }
    }
}

/// The open-loop load levels of a latency file, in the order they ran (`25%`, `50%` ...).
pub fn load_levels(file: &ResultsFile) -> Vec<String> {
    let mut levels: Vec<String> = Vec::new();
    for run in file.runs.iter().filter(|r| r.target_rate.is_some()) {
        if !levels.contains(&run.label) {
            levels.push(run.label.clone());
        }
    }
    levels
}

pub fn latency_curves(file: &ResultsFile, level: &str) -> Vec<Curve> {
    file.runs
        .iter()
        .filter(|r| r.label == level && r.target_rate.is_some())
        .map(Curve::of)
        .collect()
}

/// One algorithm's verify costs.
#[derive(Debug, Clone, PartialEq)]
pub struct CostGroup {
    pub algorithm: String,
    pub bars: Vec<CostBar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostBar {
    pub op: String,
    pub median_ns: f64,
    pub low_ns: f64,
    pub high_ns: f64,
}

impl CostGroup {
    pub fn get(&self, op: &str) -> Option<&CostBar> {
        self.bars.iter().find(|b| b.op == op)
    }
}

/// Verify and raw verify costs per algorithm from `source` (`workbench tokens` or
/// `criterion`), algorithms in the order they appear.
pub fn cost_groups(file: &ResultsFile, source: &str) -> Vec<CostGroup> {
    let mut groups: Vec<CostGroup> = Vec::new();
    for cost in file.costs.iter().filter(|c| c.source == source) {
        let bar = CostBar {
            op: cost.op.clone(),
            median_ns: cost.median_ns,
            low_ns: cost.low_ns,
            high_ns: cost.high_ns,
        };
        match groups.iter_mut().find(|g| g.algorithm == cost.algorithm) {
            Some(group) => group.bars.push(bar),
            None => groups.push(CostGroup {
                algorithm: cost.algorithm.clone(),
                bars: vec![bar],
            }),
        }
    }
    groups
}

/// How steady a run's answers per 100 ms were: the coefficient of variation of the
/// timeline's full buckets.
pub fn timeline_cv(result: &RunResult) -> Option<f64> {
    let counts: Vec<f64> = result
        .timeline
        .iter()
        .take(result.timeline.len().saturating_sub(1))
        .map(|b| b.responses as f64)
        .collect();
    if counts.len() < 3 {
        return None;
    }
    let mean = counts.iter().sum::<f64>() / counts.len() as f64;
    if mean == 0.0 {
        return None;
    }
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / counts.len() as f64;
    Some(var.sqrt() / mean)
}

/// The scale experiment's series names (`api`, `api+auth`, with a delay when one was set),
/// in the order they ran.
pub fn scale_scenarios(file: &ResultsFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for model in &file.models {
        if !out.contains(&model.scenario) {
            out.push(model.scenario.clone());
        }
    }
    out
}

pub fn scale_series(file: &ResultsFile, scenario: &str) -> Vec<ScaleSeries> {
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
pub struct ScalePoint<'a> {
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

pub fn scale_points<'a>(file: &'a ResultsFile, scenario: &str) -> Vec<ScalePoint<'a>> {
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

/// p50 against link delay per flow, at the lowest open-loop load level of `file`; only
/// flows measured at two delays or more.
pub fn delay_series(file: &ResultsFile) -> Vec<DelaySeries> {
    let Some(level) = load_levels(file).into_iter().next() else {
        return Vec::new();
    };
    let mut out: Vec<DelaySeries> = Vec::new();
    for run in file
        .runs
        .iter()
        .filter(|r| r.label == level && r.target_rate.is_some())
    {
        let point = (
            run.link_delay_us(),
            run.result.latency.p50_us,
            run.result.latency.p99_us,
        );
        match out.iter_mut().find(|s| s.flow == run.flow) {
            Some(series) => series.points.push(point),
            None => out.push(DelaySeries {
                flow: run.flow.clone(),
                points: vec![point],
            }),
        }
    }
    for series in &mut out {
        series.points.sort();
        series.points.dedup_by_key(|p| p.0);
    }
    out.retain(|s| s.points.len() >= 2);
    out
}

/// The dependencies a faults file took away, in order.
pub fn fault_dependencies(file: &ResultsFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &file.faults {
        if !out.contains(&f.dependency) {
            out.push(f.dependency.clone());
        }
    }
    out
}

pub fn fault_series(file: &ResultsFile, dependency: &str) -> Vec<FaultSeries> {
    let label = format!("{dependency} away");
    file.runs
        .iter()
        .filter(|r| r.label == label)
        .map(|r| FaultSeries {
            flow: r.flow.clone(),
            points: r
                .result
                .timeline
                .iter()
                .filter(|b| b.responses + b.errors > 0)
                .map(|b| {
                    let share = b.success as f64 * 100.0 / (b.responses + b.errors) as f64;
                    (b.t_ms as f64 / 1000.0, share, b.max_us as f64 / 1000.0)
                })
                .collect(),
        })
        .collect()
}

/// Each revocation arm that was priced: its lags beside its flow's closed-loop maximum.
pub fn revocation_points(file: &ResultsFile) -> Vec<RevocationPoint> {
    let Some(revocation) = &file.revocation else {
        return Vec::new();
    };
    revocation
        .arms
        .iter()
        .filter_map(|arm| {
            let rates: Vec<f64> = file
                .runs
                .iter()
                .filter(|r| r.flow == arm.flow && r.label == "max")
                .map(|r| r.result.throughput_rps)
                .collect();
            let lags = arm.scaled_lags_ms(None);
            if rates.is_empty() || lags.is_empty() {
                return None;
            }
            Some(RevocationPoint {
                flow: arm.flow.clone(),
                label: arm.label.clone(),
                rps: median(&rates),
                median_ms: median(&lags),
                min_ms: lags.iter().copied().fold(f64::INFINITY, f64::min),
                max_ms: lags.iter().copied().fold(0.0, f64::max),
            })
        })
        .collect()
}

/// One flow's scale series: the measured maxima and both models at the measured sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleSeries {
    pub flow: String,
    /// (replicas, measured req/s)
    pub measured: Vec<(usize, f64)>,
    /// (replicas, capacity model req/s)
    pub capacity: Vec<(usize, f64)>,
    pub usl: Option<results::scale::Usl>,
}

/// One flow's p50 against the one-way link delay.
#[derive(Debug, Clone, PartialEq)]
pub struct DelaySeries {
    pub flow: String,
    /// (one-way delay µs, p50 µs, p99 µs)
    pub points: Vec<(u64, u64, u64)>,
}

/// One flow's timeline during a fault: (seconds into the window, share of requests that
/// succeeded in %, slowest answer from its due time in ms).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSeries {
    pub flow: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// One flow's revocation lag beside the requests per second it sustains.
#[derive(Debug, Clone)]
pub struct RevocationPoint {
    pub flow: String,
    pub label: String,
    /// Closed-loop maximum of the flow, requests per second.
    pub rps: f64,
    /// Lags scaled to the real system, ms: median, shortest, longest over every trial.
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}
