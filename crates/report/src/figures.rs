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
        for tier in ["api", "auth", "redis", "postgres", "generator"] {
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

/// The design note's steps, each with the key its share of a [`Stack`] is filed under in
/// [`note_steps`] and its legend: 3 and 6 (the request in and the answer out, the no-auth
/// route's work), 4 (the API server checks: over a hop, or locally with a signature), 5 (the
/// auth server and Redis, the session flow's far side of the hop).
pub const NOTE_STEPS: [(&str, &str); 7] = [
    ("route", "3, 6: request in, answer out (the no-auth route)"),
    ("hop", "4: the API server's side of the hop"),
    ("signature", "4: the signature alone (raw primitive)"),
    ("check", "4: the rest of the local check"),
    ("auth", "5: the auth server"),
    ("redis", "5: Redis"),
    ("postgres", "5: PostgreSQL (the database flows' lookup)"),
];

/// Each flow's CPU per request split into the note's steps: the no-auth route's API
/// server cost is steps 3 and 6 for every flow; what the flow's API server spends above it
/// is step 4, split for a JWT flow into the signature (the raw primitive's verify, from the
/// tokens experiment's `costs`) and the rest of the check; the auth server and Redis are
/// step 5. The generator is left out. Empty without a baseline stack.
pub fn note_steps(stacks: &[Stack], costs: &[results::OpCost]) -> Vec<Stack> {
    let Some(route) = stacks
        .iter()
        .find(|s| s.flow == "baseline")
        .and_then(|s| s.tier("api"))
    else {
        return Vec::new();
    };
    let signature = |flow: &results::Flow| -> Option<f64> {
        let alg = flow.algorithm()?.to_string();
        costs
            .iter()
            .find(|c| c.algorithm == alg && c.op == "raw_verify")
            .map(|c| c.median_ns / 1000.0)
    };
    stacks
        .iter()
        .filter_map(|stack| {
            let flow: results::Flow = stack.flow.parse().ok()?;
            let api = stack.tier("api")?;
            let above = (api - route).max(0.0);
            let mut steps = vec![("route".to_string(), api.min(route))];
            if flow != results::Flow::Baseline {
                match (flow.is_jwt(), signature(&flow)) {
                    (true, Some(sig)) => {
                        steps.push(("signature".into(), sig.min(above)));
                        steps.push(("check".into(), (above - sig).max(0.0)));
                    }
                    (true, None) => steps.push(("check".into(), above)),
                    (false, _) => steps.push(("hop".into(), above)),
                }
            }
            for far in ["auth", "redis", "postgres"] {
                if let Some(us) = stack.tier(far).filter(|us| *us > 0.0) {
                    steps.push((far.to_string(), us));
                }
            }
            Some(Stack {
                flow: stack.flow.clone(),
                tiers: steps,
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(flow: &str, tiers: &[(&str, f64)]) -> Stack {
        Stack {
            flow: flow.into(),
            tiers: tiers.iter().map(|(t, us)| (t.to_string(), *us)).collect(),
        }
    }

    fn raw_verify(algorithm: &str, ns: f64) -> results::OpCost {
        results::OpCost {
            algorithm: algorithm.into(),
            op: "raw_verify".into(),
            median_ns: ns,
            low_ns: ns,
            high_ns: ns,
            source: "workbench tokens".into(),
        }
    }

    #[test]
    fn the_note_steps_split_each_flow_against_the_no_auth_route_and_leave_the_generator_out() {
        let stacks = [
            stack("baseline", &[("api", 8.0), ("generator", 9.0)]),
            stack(
                "session",
                &[("api", 21.0), ("auth", 15.0), ("redis", 7.0), ("generator", 9.0)],
            ),
            stack("jwt-hs256", &[("api", 10.0), ("auth", 0.0), ("generator", 9.0)]),
            stack("jwt-es256", &[("api", 9.0), ("generator", 9.0)]),
        ];
        let costs = [raw_verify("HS256", 500.0), raw_verify("ES256", 50_000.0)];
        let steps = note_steps(&stacks, &costs);
        let of = |flow: &str| steps.iter().find(|s| s.flow == flow).unwrap().tiers.clone();
        let pairs = |v: &[(&str, f64)]| -> Vec<(String, f64)> {
            v.iter().map(|(k, us)| (k.to_string(), *us)).collect()
        };

        assert_eq!(of("baseline"), pairs(&[("route", 8.0)]));
        assert_eq!(
            of("session"),
            pairs(&[("route", 8.0), ("hop", 13.0), ("auth", 15.0), ("redis", 7.0)])
        );
        // The auth server's zero is left out; the signature comes from the tokens run.
        assert_eq!(
            of("jwt-hs256"),
            pairs(&[("route", 8.0), ("signature", 0.5), ("check", 1.5)])
        );
        // A signature dearer than the whole check above the route (runs on other days)
        // is capped at it, and no part is negative.
        assert_eq!(
            of("jwt-es256"),
            pairs(&[("route", 8.0), ("signature", 1.0), ("check", 0.0)])
        );
        // The total is the servers' CPU: the generator's 9 µs are not in it.
        assert_eq!(steps[1].total(), 43.0);
    }

    #[test]
    fn without_a_baseline_there_are_no_steps_and_without_tokens_the_check_is_whole() {
        assert!(note_steps(&[stack("session", &[("api", 21.0)])], &[]).is_empty());
        let steps = note_steps(
            &[
                stack("baseline", &[("api", 8.0)]),
                stack("jwt-hs256", &[("api", 10.0)]),
            ],
            &[],
        );
        assert_eq!(
            steps[1].tiers,
            vec![("route".to_string(), 8.0), ("check".to_string(), 2.0)]
        );
    }
}
