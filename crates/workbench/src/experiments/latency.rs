//! `workbench latency`: for each flow, its closed-loop maximum, then open-loop runs at
//! fractions of it, with latency from each request's intended send time.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use loadgen::Mode;

use super::results::ResultsFile;
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
    let (redis, mut file) = begin(&args, "latency", &["closed", "open"]).await?;
    let count = args.flows.len();
    for (i, flow) in args.flows.iter().enumerate() {
        let (system, users) = start_flow(*flow, &redis, &args).await?;
        let position = format!("[{}/{count}]", i + 1);
        let max = match &maxima {
            Some(file) => file
                .maximum(&flow.to_string())
                .with_context(|| format!("the throughput file has no maximum for {flow}"))?,
            None => {
                let run = measure(&system, &users, Mode::Closed, &args, "max", &position).await?;
                let max = run.result.throughput_rps;
                file.runs.push(run);
                max
            }
        };
        for fraction in &fractions {
            let rate = (max * fraction / 100.0).max(1.0);
            let label = format!("{fraction}%");
            let run = measure(&system, &users, Mode::Open { rate }, &args, &label, &position).await?;
            if let Some(schedule) = &run.result.schedule
                && !schedule.kept_rate
            {
                file.notes.push(format!(
                    "{flow} at {label} ({rate:.0} req/s): the rate was not kept ({} of {} sent more than 1 ms \
                     late, {} never sent); its latencies still count from the intended send times",
                    schedule.late, schedule.intended, schedule.unsent
                ));
            }
            file.runs.push(run);
        }
    }
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}
