//! `workbench faults`: every flow under a constant open-loop load at once, then a
//! dependency goes away for a while and comes back: first Redis, then the session auth
//! server, then PostgreSQL (the database flows'). The dependency is stopped at the network (the link to it refuses connections
//! and drops the open ones, as a stopped process does; its data survives, as with a
//! persistent Redis), so the servers themselves are not touched. Each flow's 100 ms
//! timeline shows what its users saw; [`FaultSummary`] reads time-to-fail, time-to-recover,
//! hangs and unexpected statuses off it.

pub(crate) mod section;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use harness::system::{Dependency, FlowSystem, ServerOptions};
use harness::{RunOptions, begin};
use loadgen::{Mode, RunResult, Stop};
use results::Flow;
use results::Topology;
use results::faults::FaultSummary;
use results::{FlowRun, ResultsFile};

pub const DEFAULT_FLOWS: [Flow; 5] = [
    Flow::Session,
    Flow::SessionRedis,
    Flow::Jwt(authbench_core::settings::SigningAlgorithm::HS256),
    Flow::JwtUserdb,
    Flow::ApiKey,
];

pub const DEFAULT_RATE: f64 = 40.0;
pub const DEFAULT_OUTAGE: Duration = Duration::from_secs(5);
pub const DEFAULT_BEFORE: Duration = Duration::from_secs(2);
pub const DEFAULT_AFTER: Duration = Duration::from_secs(4);

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Open-loop rate of each flow, requests per second. Kept low on purpose: while a
    /// dependency is away each request may hold its connection up to the servers' timeout,
    /// and rate × that time must stay below `--connections`, or the requests would queue in
    /// the generator and hide what the servers answered.
    pub rate: f64,
    /// How long each dependency stays away.
    pub outage: Duration,
    /// Steady load before the outage.
    pub before: Duration,
    /// Load after the dependency returns, to see the recovery.
    pub after: Duration,
    /// Dependencies to take away, in turn: redis, session-auth, postgres.
    pub dependencies: Vec<Dependency>,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(args.rate >= 1.0, "--rate is requests per second per flow");
    let out = args.out.clone();
    let run_args = args.run.clone();
    let flows = run_args.flows_or(&DEFAULT_FLOWS);
    let (redis, mut file) = begin(&run_args, "faults", &["open"]).await?;
    let settings = authbench_core::settings::Settings::load_profile(authbench_core::settings::Profile::Dev)?;
    let timeout = settings.dependency_timeout();
    file.notes.push(format!(
        "each dependency was stopped at the network: the link to it refused connections and \
         dropped open ones for {} ms, then let them through again; the servers' dependency \
         timeout is {} ms; every flow ran open loop at {} req/s at the same time",
        args.outage.as_millis(),
        timeout.as_millis(),
        args.rate
    ));
    let total = args.before + args.outage + args.after;
    for (i, dependency) in args.dependencies.iter().enumerate() {
        println!(
            "[{}/{}] {} away for {:?} under {} req/s per flow ({})",
            i + 1,
            args.dependencies.len(),
            dependency.name(),
            args.outage,
            args.rate,
            flows.iter().map(Flow::to_string).collect::<Vec<_>>().join(", ")
        );
        let options = ServerOptions {
            cuttable_links: true,
            population: 0,
            ..run_args.server_options()
        };
        let mut systems = Vec::new();
        for flow in &flows {
            let system = FlowSystem::start_with(*flow, &redis, options, Topology::single()).await?;
            let users = system.log_in(run_args.connections).await?;
            systems.push((system, users));
        }
        let started = Instant::now();
        let mut runs = tokio::task::JoinSet::new();
        for (index, (system, users)) in systems.iter().enumerate() {
            let plan = system.plan(
                Mode::Open { rate: args.rate },
                run_args.warmup,
                Stop::After(total),
                users,
            )?;
            runs.spawn(async move { (index, loadgen::run(plan).await) });
        }
        // The measured window opens 50 ms (the generator's lead) plus the warm-up after
        // the runs start.
        let window = started + Duration::from_millis(50) + run_args.warmup;
        tokio::time::sleep_until((window + args.before).into()).await;
        let cut_at = Instant::now().saturating_duration_since(window).as_millis() as u64;
        for (system, _) in &systems {
            system.cut(*dependency, linkproxy::Mode::Refuse);
        }
        tokio::time::sleep(args.outage).await;
        let restored_at = Instant::now().saturating_duration_since(window).as_millis() as u64;
        for (system, _) in &systems {
            system.cut(*dependency, linkproxy::Mode::Pass);
        }
        let mut results: Vec<(usize, RunResult)> = Vec::new();
        while let Some(done) = runs.join_next().await {
            let (index, result) = done?;
            results.push((index, result?));
        }
        results.sort_by_key(|(index, _)| *index);
        for (index, result) in results {
            let flow = systems[index].0.flow;
            let summary = summarise(
                &result,
                &flow.to_string(),
                dependency.name(),
                cut_at,
                restored_at,
                timeout,
            );
            println!("      {}", describe(&summary));
            file.faults.push(summary);
            file.runs.push(FlowRun::new(
                flow,
                systems[index].0.topology,
                &format!("{} away", dependency.name()),
                Some(args.rate),
                result,
            ));
        }
    }
    file.method.database = harness::database::described().await;
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// One line for the terminal.
pub fn describe(s: &FaultSummary) -> String {
    let ms = |v: Option<u64>, none: &str| v.map(|v| format!("{v} ms")).unwrap_or_else(|| none.into());
    format!(
        "{:<14} failed after {}, recovered {} after the return; {} × 503, {} other 5xx, {} 4xx, {} \
         without answer, {} hung; slowest answer in the outage {} ms from sending ({} ms from due)",
        s.flow,
        ms(s.time_to_fail_ms, "never"),
        ms(s.time_to_recover_ms, "not"),
        s.answers_503,
        s.other_5xx,
        s.answers_4xx,
        s.no_answer,
        s.hung,
        s.max_service_in_outage_us / 1000,
        s.max_latency_in_outage_us / 1000
    )
}

/// Reads one flow's timeline against the outage window.
pub fn summarise(
    result: &RunResult,
    flow: &str,
    dependency: &str,
    start_ms: u64,
    end_ms: u64,
    timeout: Duration,
) -> FaultSummary {
    let step = loadgen::TIMELINE_STEP_MS;
    let failed = |b: &loadgen::Bucket| b.success < b.responses || b.errors > 0;
    // The bucket holding the outage's start counts: requests due in it may have failed.
    let first_outage_bucket = start_ms / step * step;
    let time_to_fail_ms = result
        .timeline
        .iter()
        .find(|b| b.t_ms >= first_outage_bucket && failed(b))
        .map(|b| b.t_ms.saturating_sub(start_ms));
    // Recovered: from this bucket on, every request succeeded. A bucket that straddles the
    // return counts as recovered at once.
    let time_to_recover_ms = match time_to_fail_ms {
        None => Some(0),
        Some(_) => result
            .timeline
            .iter()
            .enumerate()
            .filter(|(_, b)| b.t_ms + step > end_ms)
            .find(|(i, _)| result.timeline[*i..].iter().all(|b| !failed(b)))
            .map(|(_, b)| b.t_ms.saturating_sub(end_ms)),
    };
    let in_outage = |b: &&loadgen::Bucket| b.t_ms + step > start_ms && b.t_ms < end_ms;
    let max_latency_in_outage_us = result
        .timeline
        .iter()
        .filter(in_outage)
        .map(|b| b.max_us)
        .max()
        .unwrap_or(0);
    let max_service_in_outage_us = result
        .timeline
        .iter()
        .filter(in_outage)
        .map(|b| b.max_service_us)
        .max()
        .unwrap_or(0);
    let count = |pred: &dyn Fn(u16) -> bool| -> u64 {
        result
            .statuses
            .iter()
            .filter(|(s, _)| pred(**s))
            .map(|(_, n)| n)
            .sum()
    };
    let hung_limit = (timeout + Duration::from_secs(1)).as_micros() as u64;
    let slow = result
        .timeline
        .iter()
        .filter(|b| b.max_service_us > hung_limit)
        .map(|b| b.responses)
        .sum::<u64>();
    let hung = slow + result.errors.get("timeout").copied().unwrap_or(0);
    FaultSummary {
        flow: flow.to_string(),
        dependency: dependency.to_string(),
        outage_start_ms: start_ms,
        outage_end_ms: end_ms,
        time_to_fail_ms,
        time_to_recover_ms,
        max_latency_in_outage_us,
        max_service_in_outage_us,
        answers_503: count(&|s| s == 503),
        other_5xx: count(&|s| (500..600).contains(&s) && s != 503),
        answers_4xx: count(&|s| (400..500).contains(&s)),
        no_answer: result.errors.values().sum(),
        hung,
        refused_p99_us: result.refused_service_time.as_ref().map(|l| l.p99_us),
    }
}

/// `workbench faults` in the registry.
pub struct Faults;

impl crate::experiment::Experiment for Faults {
    fn name(&self) -> &'static str {
        "faults"
    }

    fn step(&self) -> Option<&'static str> {
        Some("faults: Redis, the session auth server, then PostgreSQL, away under load")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let mut run = plan.run.clone();
            run.flows = plan.authenticated_flows(&DEFAULT_FLOWS);
            self::run(Options {
                run,
                out: plan.results.clone(),
                rate: DEFAULT_RATE,
                outage: DEFAULT_OUTAGE,
                before: DEFAULT_BEFORE,
                after: DEFAULT_AFTER,
                dependencies: vec![Dependency::Redis, Dependency::SessionAuth, Dependency::Database],
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
