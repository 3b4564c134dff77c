//! `workbench throughput`: the closed-loop maximum of each flow, with the CPU cost of one
//! request in each tier.

use clap::Args;
use loadgen::Mode;

use super::results::{FlowRun, ResultsFile};
use super::{RunArgs, begin, measure, start_flow};

#[derive(Args, Debug, Clone)]
pub struct ThroughputArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

pub async fn run(args: ThroughputArgs) -> anyhow::Result<ResultsFile> {
    let args = args.run;
    let (redis, mut file) = begin(&args, "throughput", &["closed"]).await?;
    let count = args.flows.len();
    for (i, flow) in args.flows.iter().enumerate() {
        let (system, users) = start_flow(*flow, &redis, &args).await?;
        let position = format!("[{}/{count}]", i + 1);
        let run = measure(&system, &users, Mode::Closed, &args, "max", &position).await?;
        file.runs.push(run);
    }
    if let Some(line) = against_baseline(&file.runs) {
        println!("{line}");
    }
    let path = file.write(&args.out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// Each flow's maximum as a fraction of the baseline's, when the baseline ran.
fn against_baseline(runs: &[FlowRun]) -> Option<String> {
    let baseline = runs.iter().find(|r| r.flow == "baseline")?.result.throughput_rps;
    let parts: Vec<String> = runs
        .iter()
        .filter(|r| r.flow != "baseline")
        .map(|r| format!("{} {:.2}x", r.flow, r.result.throughput_rps / baseline))
        .collect();
    Some(format!(
        "throughput against the no-auth baseline: {}",
        parts.join(", ")
    ))
}
