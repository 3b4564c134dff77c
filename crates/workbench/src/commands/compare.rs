//! `workbench compare`: the project's main job. Runs the whole suite with default settings
//! (throughput in rounds, the latency sweep at fractions of those maxima, the generator
//! beside wrk when wrk is installed, the token costs) into `<report>/results/`, then writes
//! the report beside them.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::experiments::{OutArgs, RunArgs, calibrate, latency, method::rfc3339_now, throughput, tokens};
use crate::report;

#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Rounds of the throughput experiment (interleaved over the flows).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub rounds: u16,
    /// Open-loop rates of the latency sweep, as percentages of each flow's maximum.
    #[arg(long, value_delimiter = ',', default_value = "25,50,75,90")]
    pub fractions: Vec<f64>,
    /// Skip the calibration against wrk.
    #[arg(long)]
    pub no_calibrate: bool,
    /// Folder the report (and its results/ folder) is written to (default:
    /// reports/<date-time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub async fn run(args: CompareArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| report::default_folder(&rfc3339_now()));
    let results = out.join("results");
    let output = OutArgs { out: results.clone() };
    let wrk = redis_locator::find_on_path("wrk");
    let calibrating = !args.no_calibrate && wrk.is_some();
    let steps = if calibrating { 5 } else { 4 };
    println!(
        "workbench compare: {} flows, {} connections, {} rounds; results and report in {}",
        args.run.flows.len(),
        args.run.connections,
        args.rounds,
        out.display()
    );

    step(1, steps, "maximum throughput per flow (closed loop)");
    throughput::run(throughput::ThroughputArgs {
        run: args.run.clone(),
        output: output.clone(),
        rounds: args.rounds,
    })
    .await?;

    step(2, steps, "latency at fractions of each maximum (open loop)");
    latency::run(latency::LatencyArgs {
        run: args.run.clone(),
        output: output.clone(),
        fractions: args.fractions.clone(),
        max_from: Some(results.join("throughput.json")),
    })
    .await?;

    let mut next = 3;
    if calibrating {
        step(next, steps, "the load generator beside wrk");
        calibrate::run(calibrate::CalibrateArgs {
            run: args.run.clone(),
            output: output.clone(),
            wrk_threads: 2,
        })
        .await?;
        next += 1;
    } else if !args.no_calibrate {
        println!("(skipping the calibration: wrk is not on PATH; `apt-get install wrk` adds it)");
    }

    step(next, steps, "token verification cost per algorithm (in-process)");
    tokens::run(tokens::TokensArgs {
        samples: tokens::SAMPLES,
        sample_time: tokens::SAMPLE_TIME,
        output: output.clone(),
    })
    .await?;

    step(next + 1, steps, "report");
    let readme = report::run(report::ReportArgs {
        results,
        out: Some(out),
        criterion: None,
    })
    .await?;
    println!(
        "done in {:.1} min: open {}",
        started.elapsed().as_secs_f64() / 60.0,
        readme.display()
    );
    Ok(())
}

fn step(n: usize, of: usize, what: &str) {
    println!("\n== {n}/{of} {what}");
}
