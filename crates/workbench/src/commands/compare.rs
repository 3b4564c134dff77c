//! `workbench compare`: the project's main job. Runs the whole suite with default settings
//! (throughput in rounds, the latency sweep at fractions of those maxima, the same at
//! several link delays, scale-out under CPU quotas, faults, server-side state, login and
//! refresh costs, revocation lag, the generator beside wrk when wrk is installed, the
//! token costs) into
//! `<report>/results/`, then writes the report beside them.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use crate::experiments::flows::Flow;
use crate::experiments::system::Dependency;
use crate::experiments::{
    OutArgs, RunArgs, calibrate, faults, latency, logins, method::rfc3339_now, parse_duration, revocation,
    scale, state, throughput, tokens,
};
use crate::report;

/// The link pass's open-loop rate, as a percentage of each flow's loopback maximum.
const LINK_PASS_FRACTION: f64 = 5.0;

#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Rounds of the throughput experiment (interleaved over the flows).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub rounds: u16,
    /// Open-loop rates of the latency sweep, as percentages of each flow's maximum (75 and
    /// 90 % are left out by default: on 2 shared cores the generator rarely keeps them).
    #[arg(long, value_delimiter = ',', default_value = "25,50")]
    pub fractions: Vec<f64>,
    /// Link delays of the link pass (session, session-redis, jwt-hs256 at 5 % of their
    /// maxima, a load light enough that the delay is all that changes).
    #[arg(long, value_delimiter = ',', default_value = "0,250us,1ms", value_parser = parse_duration)]
    pub link_delays: Vec<Duration>,
    /// Length of each scale-out run (shorter than the others: that experiment has 25 points).
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub scale_duration: Duration,
    /// Skip the scale-out experiment.
    #[arg(long)]
    pub no_scale: bool,
    /// Skip the fault experiment.
    #[arg(long)]
    pub no_faults: bool,
    /// Skip the revocation experiment.
    #[arg(long)]
    pub no_revocation: bool,
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
    let steps = 7
        + usize::from(calibrating)
        + usize::from(!args.no_scale)
        + usize::from(!args.no_faults)
        + usize::from(!args.no_revocation);
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

    step(3, steps, "latency against link delay");
    let mut links = args.run.clone();
    let defaults = [
        Flow::Session,
        Flow::SessionRedis,
        Flow::Jwt(authbench_core::settings::SigningAlgorithm::HS256),
    ];
    links.flows = match args.run.flows.is_empty() {
        true => defaults.to_vec(),
        false => defaults
            .into_iter()
            .filter(|f| args.run.flows.contains(f))
            .collect(),
    };
    links.link_delay = args.link_delays.clone();
    if links.flows.is_empty() {
        println!("(skipping: none of session, session-redis, jwt-hs256 is among the flows)");
    } else {
        latency::sweep(
            latency::LatencyArgs {
                run: links,
                output: output.clone(),
                fractions: vec![LINK_PASS_FRACTION],
                max_from: Some(results.join("throughput.json")),
            },
            "links",
        )
        .await?;
    }

    let mut next = 4;
    if !args.no_scale {
        step(next, steps, "scale-out under CPU quotas");
        let mut run = args.run.clone();
        run.duration = args.scale_duration;
        run.flows = authenticated_flows(&args.run, &scale::DEFAULT_FLOWS);
        scale::run(scale::ScaleArgs {
            run,
            output: output.clone(),
            replicas: scale::DEFAULT_REPLICAS.to_vec(),
            cpu: scale::DEFAULT_CPU,
            period: scale::DEFAULT_PERIOD,
            scenarios: vec![scale::Scenario::Api, scale::Scenario::ApiAuth],
            open_fraction: scale::DEFAULT_OPEN_FRACTION,
        })
        .await?;
        next += 1;
    }
    if !args.no_faults {
        step(
            next,
            steps,
            "faults: Redis, then the session auth server, away under load",
        );
        let mut run = args.run.clone();
        run.flows = authenticated_flows(&args.run, &faults::DEFAULT_FLOWS);
        faults::run(faults::FaultsArgs {
            run,
            output: output.clone(),
            rate: faults::DEFAULT_RATE,
            outage: faults::DEFAULT_OUTAGE,
            before: faults::DEFAULT_BEFORE,
            after: faults::DEFAULT_AFTER,
            dependencies: vec![Dependency::Redis, Dependency::SessionAuth],
        })
        .await?;
        next += 1;
    }
    step(next, steps, "server-side state and token size");
    state::run(state::StateArgs {
        output: output.clone(),
        sessions: state::DEFAULT_SESSIONS.to_vec(),
        roles: state::DEFAULT_ROLES.to_vec(),
        denylist: state::DEFAULT_DENYLIST.to_vec(),
    })
    .await?;
    next += 1;
    step(next, steps, "the cost of a login and of a token refresh");
    let mut run = args.run.clone();
    run.flows = authenticated_flows(&args.run, &logins::DEFAULT_FLOWS);
    logins::run(logins::LoginsArgs {
        run,
        login_connections: logins::DEFAULT_LOGIN_CONNECTIONS,
        output: output.clone(),
    })
    .await?;
    next += 1;
    if !args.no_revocation {
        step(next, steps, "revocation lag: logout and role removal, per flow");
        revocation::run(revocation::RevocationArgs {
            output: output.clone(),
            lifetimes: revocation::DEFAULT_LIFETIMES_MIN.to_vec(),
            seconds_per_minute: 1,
            cache_ttls: revocation::DEFAULT_CACHE_TTLS.to_vec(),
            trials: revocation::DEFAULT_TRIALS,
            interval: revocation::DEFAULT_INTERVAL,
            duration: revocation::DEFAULT_PRICING_DURATION,
            warmup: args.run.warmup,
            connections: args.run.connections,
        })
        .await?;
        next += 1;
    }
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

/// The flows asked for without the baseline (these experiments measure what
/// authentication costs), or `default` when none were asked for.
fn authenticated_flows(run: &RunArgs, default: &[Flow]) -> Vec<Flow> {
    let mut flows = run.flows_or(default);
    flows.retain(|f| *f != Flow::Baseline);
    flows
}

fn step(n: usize, of: usize, what: &str) {
    println!("\n== {n}/{of} {what}");
}
