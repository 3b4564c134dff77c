//! `workbench latency`: for each flow, its closed-loop maximum, then open-loop runs at
//! fractions of it, with latency from each request's intended send time. With several
//! `--link-delay` values, each flow runs at the same rates at every delay, so its p50 can
//! be read against the delay.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use loadgen::Mode;

use super::flows::Flow;
use super::results::ResultsFile;
use super::system::Topology;
use super::{OutArgs, RunArgs, begin, measure, start_flow};

#[derive(Args, Debug, Clone)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// Open-loop rates as percentages of each flow's maximum.
    #[arg(long, value_delimiter = ',', default_value = "25,50,75,90")]
    pub fractions: Vec<f64>,
    /// Take each flow's maximum (the median of its rounds) from this throughput results file
    /// instead of measuring it first.
    #[arg(long)]
    pub max_from: Option<PathBuf>,
}

pub async fn run(args: LatencyArgs) -> anyhow::Result<ResultsFile> {
    sweep(args, "latency").await
}

/// The latency sweep, written as `<experiment>.json` (`latency`, or `links` for the
/// comparison suite's link-delay pass).
pub async fn sweep(args: LatencyArgs, experiment: &str) -> anyhow::Result<ResultsFile> {
    let maxima = match &args.max_from {
        Some(path) => Some(ResultsFile::read(path)?),
        None => None,
    };
    let fractions = args.fractions.clone();
    anyhow::ensure!(
        fractions.iter().all(|f| *f > 0.0 && *f <= 100.0),
        "--fractions are percentages above 0 and at most 100"
    );
    let out = args.output.out;
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
