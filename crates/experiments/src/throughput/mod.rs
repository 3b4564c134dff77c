//! `workbench throughput`: the closed-loop maximum of each flow, with the CPU cost of one
//! request in each tier, optionally in several rounds so the spread between runs shows.

mod section;

use std::path::PathBuf;

use harness::{RunOptions, begin, measure, start_flow};
use loadgen::Mode;
use results::Flow;
use results::Topology;
use results::{ResultsFile, median};

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Rounds over all flows. Rounds are interleaved (every flow once, then again), so a
    /// drift of the machine spreads over all flows instead of favouring one.
    pub rounds: u16,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    let rounds = usize::from(args.rounds);
    let out = args.out;
    let args = args.run;
    // Every flow, and the reference floor beside the JWT flows.
    let every: Vec<Flow> = Flow::ALL.into_iter().chain(Flow::REFERENCE).collect();
    let flows = args.flows_or(&every);
    let (redis, mut file) = begin(&args, "throughput", &["closed"]).await?;
    file.method.rounds = rounds;
    let total = flows.len() * rounds * args.link_delay.len();
    let mut done = 0;
    for delay in &args.link_delay {
        let topology = Topology {
            link_delay_us: delay.as_micros() as u64,
            ..Topology::single()
        };
        for round in 1..=rounds {
            for flow in &flows {
                done += 1;
                let (system, users) = start_flow(*flow, &redis, &args, topology).await?;
                let position = format!("[{done}/{total}]");
                let mut run = measure(&system, &users, Mode::Closed, &args, "max", &position).await?;
                run.round = round;
                file.runs.push(run);
            }
        }
    }
    if let Some(line) = against_baseline(&file) {
        println!("{line}");
    }
    file.method.database = harness::database::described().await;
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// Each flow's maximum (median of its rounds) as a fraction of the baseline's.
fn against_baseline(file: &ResultsFile) -> Option<String> {
    let baseline = file.maximum("baseline")?;
    let parts: Vec<String> = file
        .maxima()
        .iter()
        .filter(|(flow, _)| flow != "baseline")
        .map(|(flow, rates)| format!("{flow} {:.2}x", median(rates) / baseline))
        .collect();
    Some(format!(
        "throughput against the no-auth baseline: {}",
        parts.join(", ")
    ))
}

/// `workbench throughput` in the registry.
pub struct Throughput;

impl crate::experiment::Experiment for Throughput {
    fn name(&self) -> &'static str {
        "throughput"
    }

    fn step(&self) -> Option<&'static str> {
        Some("maximum throughput per flow (closed loop)")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                run: plan.run.clone(),
                out: plan.results.clone(),
                rounds: plan.rounds,
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
