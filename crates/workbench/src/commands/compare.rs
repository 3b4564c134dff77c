//! `workbench compare`: the project's main job. Runs every entry of the experiments'
//! registry that has a `compare` step, in the registry's order, with default settings
//! (throughput in rounds, the latency sweep at fractions of those maxima, scale-out under
//! CPU quotas, the same sweep at several link delays, faults, server-side state, login and
//! refresh costs, revocation lag, the token costs, the generator beside wrk when wrk is
//! installed) into `<report>/results/`, then writes the report beside them.

use std::path::PathBuf;
use std::time::Instant;

use experiments::{Compare, REGISTRY};

/// What `compare` is asked: the plan every step reads, and where the report goes.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub plan: Compare,
    pub out: PathBuf,
}

pub async fn run(options: CompareOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let plan = &options.plan;
    for name in &plan.skip {
        anyhow::ensure!(
            experiments::find(name).is_some_and(|e| e.step().is_some()),
            "--skip {name}: no such step; the steps are {}",
            steps().map(|e| e.name()).collect::<Vec<_>>().join(", ")
        );
    }
    let mut chosen = Vec::new();
    for experiment in steps().filter(|e| !plan.skip.iter().any(|s| s == e.name())) {
        match experiment.unavailable() {
            Some(reason) => println!("(skipping {}: {reason})", experiment.name()),
            None => chosen.push(experiment),
        }
    }
    let flows = match plan.run.flows.len() {
        0 => "each experiment's default flows".to_string(),
        n => format!("{n} flows"),
    };
    println!(
        "workbench compare: {flows}, {} connections, {} rounds; results and report in {}",
        plan.run.connections,
        plan.rounds,
        options.out.display()
    );
    let total = chosen.len() + 1;
    for (i, experiment) in chosen.iter().enumerate() {
        println!("\n== {}/{total} {}", i + 1, experiment.step().unwrap_or_default());
        experiment.compare(plan).await?;
    }
    println!("\n== {total}/{total} report");
    let readme = experiments::write_report(&report::ReportOptions {
        results: plan.results.clone(),
        out: Some(options.out.clone()),
        criterion: None,
    })?;
    println!(
        "done in {:.1} min: open {}",
        started.elapsed().as_secs_f64() / 60.0,
        readme.display()
    );
    Ok(())
}

/// The registry's entries that `compare` runs.
fn steps() -> impl Iterator<Item = &'static dyn experiments::Experiment> {
    REGISTRY.iter().copied().filter(|e| e.step().is_some())
}
