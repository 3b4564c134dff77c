//! `workbench latency`: for each flow, its closed-loop maximum, then open-loop runs at
//! fractions of it, with latency from each request's intended send time. With several
//! `--link-delay` values, each flow runs at the same rates at every delay, so its p50 can
//! be read against the delay.

mod section;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use harness::{RunOptions, begin, measure, start_flow};
use loadgen::Mode;
use results::Flow;
use results::ResultsFile;
use results::Topology;

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Open-loop rates as percentages of each flow's maximum.
    pub fractions: Vec<f64>,
    /// Take each flow's maximum (the median of its rounds) from this throughput results file
    /// instead of measuring it first.
    pub max_from: Option<PathBuf>,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    sweep(args, "latency").await
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
        fractions.iter().all(|f| *f > 0.0 && *f <= 100.0),
        "--fractions are percentages above 0 and at most 100"
    );
    let out = args.out;
    let args = args.run;
    let flows = args.flows_or(&Flow::ALL);
    let (redis, mut file) = begin(&args, experiment, &["closed", "open"]).await?;
    // Each flow's maximum, measured once (at the first delay) unless given.
    let mut max_of: BTreeMap<String, f64> = BTreeMap::new();
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
            let max = match (&maxima, max_of.get(&name)) {
                (_, Some(max)) => *max,
                (Some(file), None) => file
                    .maximum(&name)
                    .with_context(|| format!("the throughput file has no maximum for {flow}"))?,
                (None, None) => {
                    let run = measure(&system, &users, Mode::Closed, &args, "max", &position).await?;
                    let max = run.result.throughput_rps;
                    file.runs.push(run);
                    max
                }
            };
            max_of.insert(name, max);
            for fraction in &fractions {
                let rate = (max * fraction / 100.0).max(1.0);
                let label = format!("{fraction}%");
                let run = measure(&system, &users, Mode::Open { rate }, &args, &label, &position).await?;
                if let Some(schedule) = &run.result.schedule
                    && !schedule.kept_rate
                {
                    file.notes.push(format!(
                        "{} at {label} ({rate:.0} req/s): the rate was not kept ({} of {} sent more than 1 ms \
                         late, {} never sent); its latencies still count from the intended send times",
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
        Some("latency at fractions of each maximum (open loop)")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                run: plan.run.clone(),
                out: plan.results.clone(),
                fractions: plan.fractions.clone(),
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
                max_from: maxima_of(plan),
            };
            sweep(options, "links").await.map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::LinkSections)
    }
}
