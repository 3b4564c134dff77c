//! `workbench latency`: each flow's load-latency curve. For each flow its closed-loop
//! maximum, then open-loop runs at shares of it (10 % to 95 %, and 110 % to show
//! saturation) and at a few absolute rates common to every flow (spaced logarithmically up
//! to the slowest flow's maximum), with latency from each request's intended send time. With
//! several `--link-delay` values, each flow runs at the same rates at every delay, so its p50
//! can be read against the delay.

mod section;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use harness::{RunOptions, begin, measure, start_flow};
use loadgen::Mode;
use results::Flow;
use results::ResultsFile;
use results::Topology;

/// The sweep's default shares of each flow's maximum, in percent.
pub const FRACTIONS: [f64; 7] = [10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 110.0];

/// How many absolute rates every flow runs at by default.
pub const COMMON_RATES: usize = 5;

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Open-loop rates as percentages of each flow's maximum (above 100: past saturation).
    pub fractions: Vec<f64>,
    /// How many absolute rates every flow also runs at: spaced by factors of two, the
    /// highest at 90 % of the slowest flow's maximum (0: none).
    pub common_rates: usize,
    /// Take each flow's maximum (the median of its rounds) from this throughput results file
    /// instead of measuring it first.
    pub max_from: Option<PathBuf>,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    sweep(args, "latency").await
}

/// The label of a run at a common absolute rate (`1200/s`); a share of the maximum is
/// labelled with its percentage (`50%`).
pub fn rate_label(rate: f64) -> String {
    format!("{}/s", rate.round() as u64)
}

/// `count` rates spaced by factors of two, the highest at 90 % of `slowest`, each rounded to
/// two significant digits.
pub fn common_rates(slowest: f64, count: usize) -> Vec<f64> {
    (0..count)
        .map(|i| {
            let rate = slowest * 0.9 / 2f64.powi((count - 1 - i) as i32);
            let digits = 10f64.powi(rate.max(1.0).log10().floor() as i32 - 1);
            ((rate / digits).round() * digits).max(1.0)
        })
        .collect()
}

/// The latency sweep, written as `<experiment>.json` (`latency`, or `links` for the
/// comparison suite's link-delay pass).
pub async fn sweep(args: Options, experiment: &str) -> anyhow::Result<ResultsFile> {
    let maxima = match &args.max_from {
        Some(path) => Some(ResultsFile::read(path)?),
        None => None,
    };
    let fractions = args.fractions.clone();
    anyhow::ensure!(
        fractions.iter().all(|f| *f > 0.0 && *f <= 200.0),
        "--fractions are percentages above 0 and at most 200"
    );
    let out = args.out;
    let common_count = args.common_rates;
    let args = args.run;
    let flows = args.flows_or(&Flow::ALL);
    let (redis, mut file) = begin(&args, experiment, &["closed", "open"]).await?;
    // Each flow's maximum, measured first (on loopback, the first delay) unless given, so
    // that the common rates can follow the slowest.
    let mut max_of: BTreeMap<String, f64> = BTreeMap::new();
    let first_delay = args.link_delay.first().copied().unwrap_or_default();
    let missing: Vec<Flow> = flows
        .iter()
        .copied()
        .filter(|f| maxima.as_ref().and_then(|m| m.maximum(&f.to_string())).is_none())
        .collect();
    if let Some(file) = &maxima {
        for flow in &flows {
            if let Some(max) = file.maximum(&flow.to_string()) {
                max_of.insert(flow.to_string(), max);
            }
        }
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(Flow::to_string).collect();
            println!(
                "(measuring the maxima the throughput file lacks: {})",
                names.join(", ")
            );
        }
    }
    for (i, flow) in missing.iter().enumerate() {
        let topology = Topology {
            link_delay_us: first_delay.as_micros() as u64,
            ..Topology::single()
        };
        let (system, users) = start_flow(*flow, &redis, &args, topology).await?;
        let position = format!("[max {}/{}]", i + 1, missing.len());
        let run = measure(&system, &users, Mode::Closed, &args, "max", &position).await?;
        max_of.insert(flow.to_string(), run.result.throughput_rps);
        file.runs.push(run);
    }
    let slowest = flows
        .iter()
        .filter_map(|f| max_of.get(&f.to_string()))
        .copied()
        .fold(f64::INFINITY, f64::min);
    let common = if slowest.is_finite() {
        common_rates(slowest, common_count)
    } else {
        Vec::new()
    };
    let mut levels: Vec<(String, Option<f64>)> =
        fractions.iter().map(|f| (format!("{f}%"), Some(*f))).collect();
    levels.extend(common.iter().map(|r| (rate_label(*r), None)));

    let count = flows.len() * args.link_delay.len();
    let mut done = 0;
    for delay in &args.link_delay {
        let topology = Topology {
            link_delay_us: delay.as_micros() as u64,
            ..Topology::single()
        };
        for flow in &flows {
            done += 1;
            let (system, users) = start_flow(*flow, &redis, &args, topology).await?;
            let position = format!("[{done}/{count}]");
            let name = flow.to_string();
            let max = *max_of
                .get(&name)
                .with_context(|| format!("no maximum for {flow}"))?;
            for (i, (label, fraction)) in levels.iter().enumerate() {
                let rate = match fraction {
                    Some(f) => (max * f / 100.0).max(1.0),
                    None => common[i - fractions.len()],
                };
                let run = measure(&system, &users, Mode::Open { rate }, &args, label, &position).await?;
                if let Some(schedule) = &run.result.schedule
                    && !schedule.kept_rate
                    && fraction.is_none_or(|f| f <= 100.0)
                {
                    let generator = run
                        .result
                        .generator
                        .as_ref()
                        .map(|g| {
                            format!(
                                "; the generator's own CPU was {:.0} % busy, {} of the late requests \
                                 were late from its own timers",
                                g.busy * 100.0,
                                schedule.late_generator
                            )
                        })
                        .unwrap_or_default();
                    file.notes.push(format!(
                        "{} at {label} ({rate:.0} req/s): the rate was not kept ({} of {} sent more than 1 ms \
                         late, {} never sent){generator}; its latencies still count from the intended send times",
                        run.series(),
                        schedule.late,
                        schedule.intended,
                        schedule.unsent
                    ));
                }
                file.runs.push(run);
            }
        }
    }
    file.method.database = harness::database::described().await;
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// `workbench latency` in the registry.
pub struct Latency;

impl crate::experiment::Experiment for Latency {
    fn name(&self) -> &'static str {
        "latency"
    }

    fn step(&self) -> Option<&'static str> {
        Some("load-latency curves: shares of each maximum and common rates (open loop)")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let mut run_options = plan.run.clone();
            run_options.duration = plan.latency_duration;
            run(Options {
                run: run_options,
                out: plan.results.clone(),
                fractions: plan.fractions.clone(),
                common_rates: plan.common_rates,
                max_from: maxima_of(plan),
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

/// The throughput step's results, when it ran (`--skip throughput` measures each maximum
/// here instead).
fn maxima_of(plan: &crate::experiment::Compare) -> Option<PathBuf> {
    Some(plan.results.join("throughput.json")).filter(|p| p.exists())
}

/// The link-delay pass of `compare`: session, session-redis and jwt-hs256 at a light load
/// ([`LINK_PASS_FRACTION`] of their maxima), at each delay, into `links.json`. It has no
/// command of its own: `workbench latency --link-delay ...` measures the same.
pub struct Links;

/// The link pass's open-loop rate, as a percentage of each flow's loopback maximum.
pub const LINK_PASS_FRACTION: f64 = 5.0;

impl crate::experiment::Experiment for Links {
    fn name(&self) -> &'static str {
        "links"
    }

    fn kind(&self) -> crate::experiment::Kind {
        crate::experiment::Kind::Pass
    }

    fn step(&self) -> Option<&'static str> {
        Some("latency against link delay")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let defaults = [
                Flow::Session,
                Flow::SessionRedis,
                Flow::Jwt(authbench_core::settings::SigningAlgorithm::HS256),
            ];
            let mut run = plan.run.clone();
            run.flows = match plan.run.flows.is_empty() {
                true => defaults.to_vec(),
                false => defaults
                    .into_iter()
                    .filter(|f| plan.run.flows.contains(f))
                    .collect(),
            };
            run.link_delay = plan.link_delays.clone();
            if run.flows.is_empty() {
                println!("(skipping: none of session, session-redis, jwt-hs256 is among the flows)");
                return Ok(());
            }
            let options = Options {
                run,
                out: plan.results.clone(),
                fractions: vec![LINK_PASS_FRACTION],
                common_rates: 0,
                max_from: maxima_of(plan),
            };
            sweep(options, "links").await.map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::LinkSections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_rates_double_up_to_nine_tenths_of_the_slowest_maximum() {
        assert_eq!(
            common_rates(4450.0, 5),
            vec![250.0, 500.0, 1000.0, 2000.0, 4000.0]
        );
        assert_eq!(common_rates(20_000.0, 1), vec![18_000.0]);
        assert!(common_rates(20_000.0, 0).is_empty());
        assert_eq!(rate_label(1000.0), "1000/s");
    }
}
