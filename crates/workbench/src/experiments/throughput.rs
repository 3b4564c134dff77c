//! `workbench throughput`: the closed-loop maximum of each flow, with the CPU cost of one
//! request in each tier.

use clap::Args;
use loadgen::Mode;

use super::results::{FlowRun, ResultsFile};
use super::system::FlowSystem;
use super::{RunArgs, measure, redis};

#[derive(Args, Debug, Clone)]
pub struct ThroughputArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

pub async fn run(args: ThroughputArgs) -> anyhow::Result<ResultsFile> {
    let args = args.run;
    let (redis, redis_described) = redis().await?;
    let mut file = ResultsFile::new(args.method("throughput", &["closed"], &redis_described));
    warn_if_debug(&mut file);
    let count = args.flows.len();
    for (i, flow) in args.flows.iter().enumerate() {
        let system = FlowSystem::start(*flow, &redis, args.server_options()).await?;
        let users = system.log_in(args.connections).await?;
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

pub fn warn_if_debug(file: &mut ResultsFile) {
    if cfg!(debug_assertions) {
        let note = "measured with a debug build: these numbers are not comparable with release \
                    figures (run with `cargo run --release -p workbench -- ...`)";
        eprintln!("warning: {note}");
        file.notes.push(note.into());
    }
}
