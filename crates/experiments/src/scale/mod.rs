//! `workbench scale`: throughput against the number of API replicas, each server process
//! held to a fixed CPU quota (cgroups) so that "one server" is a fixed amount of capacity.
//! Two scenarios: `api` adds API replicas while the auth server and Redis stay one each;
//! `api+auth` adds a session auth server with every API replica while Redis stays one.
//! Each point: the closed-loop maximum, then an open-loop run at a fixed rate (a share of
//! the first point's maximum), with the CPU each tier used against its quota. Each series
//! ends with the capacity model and the USL fit ([`super::model`]).

mod points;
mod saturation;
mod section;

pub use saturation::{SATURATED, saturated};

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use harness::limits::{CpuLimits, GroupLimit};
use harness::model::{self, Budget, Costs, Measured};
use harness::system::FlowSystem;
use harness::{RunOptions, begin, measure, start_flow};
use loadgen::Mode;
use results::Flow;
use results::Topology;
use results::{FlowRun, ResultsFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// API replicas grow; one auth server, one Redis.
    Api,
    /// API replicas and session auth servers grow together; one Redis.
    ApiAuth,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Api => "api",
            Scenario::ApiAuth => "api+auth",
        }
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api" => Ok(Scenario::Api),
            "api+auth" => Ok(Scenario::ApiAuth),
            other => Err(format!("unknown scenario `{other}`: api or api+auth")),
        }
    }
}

pub const DEFAULT_FLOWS: [Flow; 4] = [
    Flow::Session,
    Flow::SessionRedis,
    Flow::Jwt(authbench_core::settings::SigningAlgorithm::HS256),
    Flow::Jwt(authbench_core::settings::SigningAlgorithm::ES256),
];

pub const DEFAULT_REPLICAS: [usize; 5] = [1, 2, 4, 6, 8];
pub const DEFAULT_CPU: f64 = 0.1;
pub const DEFAULT_PERIOD: Duration = Duration::from_millis(10);
pub const DEFAULT_OPEN_FRACTION: f64 = 50.0;

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// API replica counts to measure.
    pub replicas: Vec<usize>,
    /// CPUs each server process (API replica, auth server, Redis) may use.
    pub cpu: f64,
    /// The quota's accounting period: shorter periods throttle in smaller slices.
    pub period: Duration,
    /// Scenarios: api (API replicas only), api+auth (API replicas and session auth servers).
    pub scenarios: Vec<Scenario>,
    /// The open-loop rate of every point, as a percentage of the series' first maximum.
    pub open_fraction: f64,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(
        args.cpu > 0.0 && args.cpu <= 4.0,
        "--cpu is CPUs per server, above 0 (e.g. 0.1)"
    );
    anyhow::ensure!(
        !args.replicas.is_empty() && args.replicas.iter().all(|n| *n >= 1 && *n <= 64),
        "--replicas are counts from 1 to 64"
    );
    anyhow::ensure!(
        args.open_fraction > 0.0 && args.open_fraction <= 100.0,
        "--open-fraction is a percentage"
    );
    let out = args.out.clone();
    let mut run_args = args.run.clone();
    // Its quotas already fix each server's CPU, and its api+auth points need more than the
    // servers' share of a small machine: the generator is placed only when asked.
    run_args.placement = Some(run_args.placement.unwrap_or(harness::placement::Ask::Off));
    let flows = run_args.flows_or(&DEFAULT_FLOWS);
    let (redis, mut file) = begin(&run_args, "scale", &["closed", "open"]).await?;
    let cores = file.method.machine.cores as f64;

    // Redis is one server like the others: limited for the whole experiment.
    let mut redis_limits = CpuLimits::open();
    let limited = match &mut redis_limits {
        Ok(limits) => {
            if let Some(pid) = redis.pid() {
                limits
                    .limit("redis", &[pid], args.cpu, args.period)
                    .map_err(|e| anyhow::anyhow!("cannot limit Redis: {e}"))?;
            } else {
                file.notes.push(
                    "Redis was not started by the workbench (REDIS_URL or a container), so it ran \
                     without a CPU quota and unmetered"
                        .into(),
                );
            }
            file.method.cpu_limits = format!(
                "{} CPU per server process (API replica, auth server, Redis), {} ms period; the \
                 load generator unlimited; {}",
                args.cpu,
                args.period.as_millis(),
                limits.describe()
            );
            true
        }
        Err(reason) => {
            let note = format!(
                "CPU limits could not be applied, so every server ran UNLIMITED and the points do \
                 not mean a fixed capacity per server: {reason}"
            );
            eprintln!("warning: {note}");
            file.notes.push(note);
            file.method.cpu_limits = format!("none: {reason}");
            false
        }
    };

    let mut series = Vec::new();
    for flow in &flows {
        for scenario in &args.scenarios {
            if *scenario == Scenario::ApiAuth && *flow != Flow::Session {
                continue;
            }
            series.push((*flow, *scenario));
        }
    }
    if args.scenarios.contains(&Scenario::ApiAuth) && !flows.contains(&Flow::Session) {
        file.notes.push(
            "api+auth only changes the session flow (the only one whose auth server works on every \
             request); none of the flows asked for is it"
                .into(),
        );
    }
    let total = series.len() * args.replicas.len() * run_args.link_delay.len();
    let mut done = 0;
    for delay in &run_args.link_delay {
        for (flow, scenario) in &series {
            let mut measured = Vec::new();
            let mut costs: Vec<(Costs, model::Utilisation)> = Vec::new();
            let mut open_rate = None;
            for &replicas in &args.replicas {
                done += 1;
                let topology = Topology {
                    api_replicas: replicas,
                    auth_servers: if *scenario == Scenario::ApiAuth {
                        replicas
                    } else {
                        1
                    },
                    link_delay_us: delay.as_micros() as u64,
                };
                let (system, users) = start_flow(*flow, &redis, &run_args, topology).await?;
                let mut point_limits = if limited {
                    Some(limit_servers(&system, args.cpu, args.period)?)
                } else {
                    None
                };
                let position = format!("[{done}/{total}] {} x{replicas}", scenario.name());
                let mut closed = measure(&system, &users, Mode::Closed, &run_args, "max", &position).await?;
                let rate =
                    *open_rate.get_or_insert(closed.result.throughput_rps * args.open_fraction / 100.0);
                let label = "open";
                let mut open = measure(
                    &system,
                    &users,
                    Mode::Open { rate: rate.max(1.0) },
                    &run_args,
                    label,
                    &position,
                )
                .await?;
                let mut limits_now: Vec<GroupLimit> =
                    point_limits.as_ref().map(CpuLimits::report).unwrap_or_default();
                if let Ok(r) = &redis_limits {
                    limits_now.extend(r.report());
                }
                for run in [&mut closed, &mut open] {
                    run.scenario = Some(scenario.name().to_string());
                    run.limits = limits_now.clone();
                    run.utilisation = utilisation(run, if limited { Some(args.cpu) } else { None });
                }
                println!(
                    "      {} x{replicas}: saturated first: {}",
                    flow,
                    saturated(&closed, cores, if limited { Some(args.cpu) } else { None })
                );
                let util = closed
                    .utilisation
                    .iter()
                    .filter(|_| limited)
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                costs.push((tier_costs(&closed), util));
                measured.push(Measured {
                    replicas,
                    auth_servers: system.topology.auth_servers,
                    throughput: closed.result.throughput_rps,
                });
                file.runs.push(closed);
                file.runs.push(open);
                drop(system);
                if let Some(limits) = point_limits.as_mut() {
                    limits.release();
                }
            }
            let budget = Budget {
                cpus_per_server: args.cpu,
                cores,
                auth_grows: *scenario == Scenario::ApiAuth,
            };
            let mut built = model::build(&flow.to_string(), scenario.name(), &costs, &budget, &measured);
            if !delay.is_zero() {
                built.scenario = format!(
                    "{} @ {}",
                    scenario.name(),
                    results::units::show_us(delay.as_micros() as u64)
                );
            }
            println!(
                "      {flow} {}: capacity model within {:.0} %, USL within {:.0} % of the measured points",
                built.scenario,
                built.capacity_error.unwrap_or(f64::NAN) * 100.0,
                built.usl_error.unwrap_or(f64::NAN) * 100.0
            );
            file.models.push(built);
        }
    }
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// One group per API replica and per auth server, each with `cpus`.
fn limit_servers(system: &FlowSystem, cpus: f64, period: Duration) -> anyhow::Result<CpuLimits> {
    let mut limits = CpuLimits::open().map_err(anyhow::Error::msg)?;
    for (i, pid) in system.api_pids().into_iter().enumerate() {
        limits
            .limit(&format!("api-{i}"), &[pid], cpus, period)
            .map_err(anyhow::Error::msg)?;
    }
    for (i, pid) in system.auth_pids().into_iter().enumerate() {
        limits
            .limit(&format!("auth-{i}"), &[pid], cpus, period)
            .map_err(anyhow::Error::msg)?;
    }
    Ok(limits)
}

/// The report's tier name for a metered process.
pub fn tier_name(process: &str) -> &str {
    match process {
        "session-auth" | "jwt-auth" => "auth",
        other => other,
    }
}

/// CPU µs per request by tier (`api`, `auth`, `redis`, `generator`).
fn tier_costs(run: &FlowRun) -> Costs {
    run.cpu_us_per_request
        .iter()
        .filter(|(name, _)| name.as_str() != "total")
        .map(|(name, us)| (tier_name(name).to_string(), *us))
        .collect()
}

/// Each limited tier's CPU use as a share of its quotas (all its processes together); the
/// generator's in cores.
fn utilisation(run: &FlowRun, cpus: Option<f64>) -> std::collections::BTreeMap<String, f64> {
    run.cpu
        .iter()
        .filter_map(|tier| {
            let used = tier.cores?;
            let name = tier_name(&tier.name).to_string();
            match (name.as_str(), cpus) {
                ("generator", _) | (_, None) => Some((name, used)),
                (_, Some(q)) => Some((name, used / (q * tier.pids.len().max(1) as f64))),
            }
        })
        .collect()
}

/// `workbench scale` in the registry.
pub struct Scale;

impl crate::experiment::Experiment for Scale {
    fn name(&self) -> &'static str {
        "scale"
    }

    fn step(&self) -> Option<&'static str> {
        Some("scale-out under CPU quotas")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let mut run = plan.run.clone();
            run.duration = plan.scale_duration;
            run.flows = plan.authenticated_flows(&DEFAULT_FLOWS);
            self::run(Options {
                run,
                out: plan.results.clone(),
                replicas: DEFAULT_REPLICAS.to_vec(),
                cpu: DEFAULT_CPU,
                period: DEFAULT_PERIOD,
                scenarios: vec![Scenario::Api, Scenario::ApiAuth],
                open_fraction: DEFAULT_OPEN_FRACTION,
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
