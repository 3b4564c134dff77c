//! `workbench scale`: throughput against the number of API replicas, each server process
//! held to a fixed CPU quota (cgroups) so that "one server" is a fixed amount of capacity.
//! Three scenarios: `api` adds API replicas while the auth server and Redis stay one each;
//! `api+auth` adds a session auth server with every API replica while Redis stays one;
//! `api+auth+redis` grows the session store too: each point is a Redis Cluster of 1 to 4
//! shards (private `redis-server` processes, each with its own quota), with a fixed number
//! of API replicas and auth servers per shard.
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

use anyhow::Context;
use harness::limits::{CpuLimits, GroupLimit};
use harness::model::{self, Budget, Costs, Measured};
use harness::system::{FlowSystem, Store};
use harness::{RunOptions, begin, measure};
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
    /// Redis Cluster shards grow, each with its API replicas and auth servers.
    ApiAuthRedis,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Api => "api",
            Scenario::ApiAuth => "api+auth",
            Scenario::ApiAuthRedis => "api+auth+redis",
        }
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api" => Ok(Scenario::Api),
            "api+auth" => Ok(Scenario::ApiAuth),
            "api+auth+redis" => Ok(Scenario::ApiAuthRedis),
            other => Err(format!(
                "unknown scenario `{other}`: api, api+auth or api+auth+redis"
            )),
        }
    }
}

pub const DEFAULT_FLOWS: [Flow; 5] = [
    Flow::Session,
    Flow::SessionRedis,
    Flow::Jwt(authbench_core::settings::SigningAlgorithm::HS256),
    Flow::Jwt(authbench_core::settings::SigningAlgorithm::ES256),
    // The seeds' API key: every replica asks the one PostgreSQL on every request.
    Flow::ApiKey,
];

pub const DEFAULT_REPLICAS: [usize; 5] = [1, 2, 4, 6, 8];
pub const DEFAULT_CPU: f64 = 0.1;
pub const DEFAULT_PERIOD: Duration = Duration::from_millis(10);
pub const DEFAULT_OPEN_FRACTION: f64 = 50.0;
pub const DEFAULT_SHARDS: [usize; 4] = [1, 2, 3, 4];

/// How the `api+auth+redis` scenario grows: per shard, its servers, and the quotas.
#[derive(Debug, Clone)]
pub struct ShardOptions {
    /// Shard counts to measure.
    pub shards: Vec<usize>,
    /// API replicas and session auth servers that come with each shard.
    pub per_shard: model::PerShard,
    /// CPUs of each API replica and auth server in this scenario.
    pub server_cpu: f64,
    /// CPUs of each Redis shard.
    pub shard_cpu: f64,
}

impl Default for ShardOptions {
    /// Chosen so that 4 shards fit a 2-core machine with the generator beside them: 4 ×
    /// (0.02 + 2 × 0.05 + 2 × 0.05) = 0.88 CPU of quotas. A shard's quota is the smallest,
    /// so the store is the tier that runs out and the points show whether it scales.
    fn default() -> Self {
        ShardOptions {
            shards: DEFAULT_SHARDS.to_vec(),
            per_shard: model::PerShard { api: 2, auth: 2 },
            server_cpu: 0.05,
            shard_cpu: 0.02,
        }
    }
}

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// API replica counts to measure.
    pub replicas: Vec<usize>,
    /// CPUs each server process (API replica, auth server, Redis, PostgreSQL) may use.
    pub cpu: f64,
    /// The quota's accounting period: shorter periods throttle in smaller slices.
    pub period: Duration,
    /// Scenarios: api (API replicas only), api+auth (API replicas and session auth servers).
    pub scenarios: Vec<Scenario>,
    /// The open-loop rate of every point, as a percentage of the series' first maximum.
    pub open_fraction: f64,
    /// The `api+auth+redis` scenario's sizes and quotas.
    pub sharded: ShardOptions,
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
                "{} CPU per server process (API replica, auth server, Redis, PostgreSQL with its \
                 backends), {} ms period; the load generator unlimited; {}",
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

    let sharded = &args.sharded;
    if args.scenarios.contains(&Scenario::ApiAuthRedis) {
        anyhow::ensure!(
            !sharded.shards.is_empty() && sharded.shards.iter().all(|n| (1..=16).contains(n)),
            "--shards are counts from 1 to 16"
        );
        anyhow::ensure!(
            sharded.per_shard.api >= 1 && sharded.per_shard.auth >= 1,
            "each shard needs at least one API replica and one auth server"
        );
        anyhow::ensure!(
            sharded.server_cpu > 0.0 && sharded.shard_cpu > 0.0,
            "the quotas are CPUs above 0"
        );
    }
    let mut series = Vec::new();
    for flow in &flows {
        for scenario in &args.scenarios {
            if *scenario != Scenario::Api && *flow != Flow::Session {
                continue;
            }
            series.push((*flow, *scenario));
        }
    }
    if args.scenarios.iter().any(|s| *s != Scenario::Api) && !flows.contains(&Flow::Session) {
        file.notes.push(
            "api+auth and api+auth+redis only change the session flow (the only one whose auth \
             server works on every request); none of the flows asked for is it"
                .into(),
        );
    }
    if limited && series.iter().any(|(_, s)| *s == Scenario::ApiAuthRedis) {
        file.method.cpu_limits.push_str(&format!(
            "; api+auth+redis: {} CPU per API replica and auth server, {} CPU per Redis shard, {} \
             ms period",
            sharded.server_cpu,
            sharded.shard_cpu,
            sharded_period(sharded, args.period).as_millis()
        ));
    }
    let sizes = |scenario: Scenario| match scenario {
        Scenario::ApiAuthRedis => sharded.shards.clone(),
        _ => args.replicas.clone(),
    };
    let total: usize = series.iter().map(|(_, s)| sizes(*s).len()).sum::<usize>() * run_args.link_delay.len();
    let redis_path = redis_locator::find_on_path("redis-server");
    let mut done = 0;
    for delay in &run_args.link_delay {
        for (flow, scenario) in &series {
            let mut measured = Vec::new();
            let mut costs: Vec<(Costs, model::Utilisation)> = Vec::new();
            let mut open_rate = None;
            let by_shards = *scenario == Scenario::ApiAuthRedis;
            if by_shards && !delay.is_zero() {
                file.notes.push(format!(
                    "api+auth+redis was left out at {}: its shards are reached directly, without a \
                     delay link",
                    results::units::show_us(delay.as_micros() as u64)
                ));
                continue;
            }
            for n in sizes(*scenario) {
                done += 1;
                let topology = Topology {
                    api_replicas: if by_shards { n * sharded.per_shard.api } else { n },
                    auth_servers: match scenario {
                        Scenario::Api => 1,
                        Scenario::ApiAuth => n,
                        Scenario::ApiAuthRedis => n * sharded.per_shard.auth,
                    },
                    link_delay_us: delay.as_micros() as u64,
                    shards: if by_shards { n } else { 1 },
                };
                // The cluster of this point, when it has one; stopped after it.
                let cluster = if by_shards {
                    let path = redis_path
                        .as_deref()
                        .context("api+auth+redis needs redis-server on PATH for its cluster")?;
                    let options = redis_locator::ClusterOptions {
                        shards: n,
                        ..Default::default()
                    };
                    Some(redis_locator::ClusterTopology::start(path, options).await?)
                } else {
                    None
                };
                let store = match &cluster {
                    Some(cluster) => Store::Cluster(cluster),
                    None => Store::Single(&redis),
                };
                // The virtual users grow with the shards, as the traffic a larger store is
                // built for would: a fixed few could not keep more servers busy through
                // the quotas' throttling pauses.
                // Each virtual user is a user of its own, so that the sessions spread over
                // the slots as a real population's would (a user's keys share one slot).
                let mut run_args = run_args.clone();
                let mut options = run_args.server_options();
                if by_shards {
                    run_args.connections *= n;
                    options.population = run_args.connections;
                }
                let system = FlowSystem::start_on(*flow, store, options, topology).await?;
                let users = system.log_in(run_args.connections).await?;
                if limited && flow.needs_database() {
                    // Each replica opens its pool's connections as the load first asks for
                    // them; a pool is opened once, when a server starts, not under the quota
                    // of every point (at 0.1 CPU, backends that start together miss the
                    // connect timeout, are abandoned and started again, and the database
                    // does nothing else). So a warm-up with PostgreSQL unlimited first.
                    let warm = system.plan(
                        Mode::Closed,
                        Duration::ZERO,
                        loadgen::Stop::After(run_args.warmup),
                        &users,
                    )?;
                    loadgen::run(warm).await?;
                }
                let quotas = match (&cluster, limited) {
                    (_, false) => None,
                    (Some(cluster), true) => Some(limit_point(
                        &system,
                        &cluster.pids().into_iter().flatten().collect::<Vec<_>>(),
                        sharded.server_cpu,
                        sharded.shard_cpu,
                        sharded_period(sharded, args.period),
                    )?),
                    (None, true) => Some(limit_point(&system, &[], args.cpu, 0.0, args.period)?),
                };
                let unit = if by_shards { " shard(s)" } else { "" };
                let position = format!("[{done}/{total}] {} x{n}{unit}", scenario.name());
                let mut closed = measure(&system, &users, Mode::Closed, &run_args, "max", &position).await?;
                let rate =
                    *open_rate.get_or_insert(closed.result.throughput_rps * args.open_fraction / 100.0);
                let mut open = measure(
                    &system,
                    &users,
                    Mode::Open { rate: rate.max(1.0) },
                    &run_args,
                    "open",
                    &position,
                )
                .await?;
                let mut limits_now: Vec<GroupLimit> =
                    quotas.as_ref().map(CpuLimits::report).unwrap_or_default();
                if cluster.is_none()
                    && let Ok(r) = &redis_limits
                {
                    limits_now.extend(r.report());
                }
                for run in [&mut closed, &mut open] {
                    run.scenario = Some(scenario.name().to_string());
                    run.limits = limits_now.clone();
                    run.utilisation = utilisation(run);
                }
                println!(
                    "      {flow} x{n}{unit}: saturated first: {}",
                    saturated(&closed, cores)
                );
                let util = closed
                    .utilisation
                    .iter()
                    .filter(|_| limited)
                    .map(|(k, v)| (k.clone(), *v))
                    .collect();
                costs.push((tier_costs(&closed), util));
                measured.push(Measured {
                    replicas: system.topology.api_replicas,
                    auth_servers: system.topology.auth_servers,
                    shards: system.topology.shards,
                    throughput: closed.result.throughput_rps,
                });
                file.runs.push(closed);
                file.runs.push(open);
                drop(system);
                if let Some(mut quotas) = quotas {
                    quotas.release();
                }
                drop(cluster);
            }
            let budget = Budget {
                cpus_per_server: if by_shards { sharded.server_cpu } else { args.cpu },
                redis_cpus: if by_shards { sharded.shard_cpu } else { args.cpu },
                cores,
                auth_grows: *scenario != Scenario::Api,
                per_shard: by_shards.then_some(sharded.per_shard),
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
    file.method.database = harness::database::described().await;
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// One group per API replica and per auth server, each with `cpus`, one per Redis shard in
/// `shards`, each with `shard_cpus`, and one for PostgreSQL (a database flow), with `cpus`.
fn limit_point(
    system: &FlowSystem,
    shards: &[u32],
    cpus: f64,
    shard_cpus: f64,
    period: Duration,
) -> anyhow::Result<CpuLimits> {
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
    for (i, pid) in shards.iter().enumerate() {
        limits
            .limit(&format!("redis-{i}"), &[*pid], shard_cpus, period)
            .map_err(anyhow::Error::msg)?;
    }
    // PostgreSQL, for a database flow, is one server with the API replicas' quota: the
    // postmaster (whose later backends are born in its group) and every process it runs now.
    if let Some(postmaster) = system.postgres_pid() {
        limits
            .limit("postgres", &[postmaster], cpus, period)
            .map_err(|e| anyhow::anyhow!("cannot limit PostgreSQL: {e}"))?;
        limits.join("postgres", &system.postgres_pids());
    }
    Ok(limits)
}

/// The quota period of the `api+auth+redis` scenario: the one asked for, lengthened so that
/// the smallest quota is at least the 1 ms the kernel accepts.
fn sharded_period(sharded: &ShardOptions, period: Duration) -> Duration {
    let smallest = sharded.server_cpu.min(sharded.shard_cpu);
    period.max(Duration::from_secs_f64(0.001 / smallest))
}

/// The report's tier name for a metered process.
pub fn tier_name(process: &str) -> &str {
    match process {
        "session-auth" | "jwt-auth" => "auth",
        other => other,
    }
}

/// CPU µs per request by tier (`api`, `auth`, `redis`, `generator`).
pub(crate) fn tier_costs(run: &FlowRun) -> Costs {
    run.cpu_us_per_request
        .iter()
        .filter(|(name, _)| name.as_str() != "total")
        .map(|(name, us)| (tier_name(name).to_string(), *us))
        .collect()
}

/// Each limited tier's CPU use as a share of its quotas (the groups its processes are
/// in, together); the generator's in cores, and so is every tier of a run without limits.
fn utilisation(run: &FlowRun) -> std::collections::BTreeMap<String, f64> {
    run.cpu
        .iter()
        .filter_map(|tier| {
            let used = tier.cores?;
            let name = tier_name(&tier.name).to_string();
            let quota: f64 = run
                .limits
                .iter()
                .filter(|l| l.pids.iter().any(|p| tier.pids.contains(p)))
                .map(|l| l.cpus)
                .sum();
            if name == "generator" || quota <= 0.0 {
                Some((name, used))
            } else {
                Some((name, used / quota))
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
                scenarios: vec![Scenario::Api, Scenario::ApiAuth, Scenario::ApiAuthRedis],
                open_fraction: DEFAULT_OPEN_FRACTION,
                sharded: ShardOptions::default(),
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
