//! `workbench failover`: what a session store's failover or restart costs each flow's users,
//! and which acknowledged writes it undoes.
//!
//! Each trial runs every flow under a constant open-loop load at once, with a client of its
//! own ([`writes`]) making the writes that matter (session logins and logouts, revocations
//! of access tokens and refresh-token families, role changes) and keeping those
//! acknowledged. Then:
//!
//! - **primary killed**: a Sentinel topology (a primary, two replicas, three sentinels, all
//!   private `redis-server` processes) loses its primary to `SIGKILL`; the servers follow
//!   the sentinels to the replica they promote. Once with the writes acknowledged by the
//!   primary alone (asynchronous replication), once with `WAIT 1`.
//! - **restart**: a single Redis is killed with `SIGKILL` and started again at once on the
//!   same port and folder, without and with its append-only file.
//!
//! Afterwards every acknowledged write is checked as a user would meet it. Each flow's
//! 100 ms timeline is read like a fault's ([`crate::faults::summarise`]), from the event to
//! the moment the store was back.

mod section;
pub mod writes;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use authbench_core::settings::SigningAlgorithm;
use harness::system::{FlowSystem, Store};
use harness::{RunOptions, Users};
use loadgen::{Mode, RunResult, Stop};
use redis_locator::{Persistence, SentinelOptions, SentinelTopology};
use results::failover::{FailoverResults, FailoverTrial};
use results::{Flow, FlowRun, ResultsFile, Topology};

pub const DEFAULT_FLOWS: [Flow; 4] = [
    Flow::Session,
    Flow::SessionRedis,
    Flow::Jwt(SigningAlgorithm::HS256),
    Flow::JwtDenylist,
];

pub const DEFAULT_RATE: f64 = 40.0;
pub const DEFAULT_BEFORE: Duration = Duration::from_secs(2);
pub const DEFAULT_AFTER: Duration = Duration::from_secs(6);
/// Sentinel's `down-after-milliseconds` in these trials (its own default is 30 s).
pub const DEFAULT_DOWN_AFTER: Duration = Duration::from_millis(1000);
/// The append-only file's fsync policy of the trials that keep one (Redis's default).
const FSYNC: &str = "everysec";

/// One trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trial {
    /// The primary of a Sentinel topology killed; the writes that matter wait for
    /// `wait_replicas` replicas.
    PrimaryKill { wait_replicas: u32 },
    /// A single Redis killed and started again, keeping its data as `persistence` says.
    Restart { persistence: Persistence },
}

impl Trial {
    /// Every trial `compare` runs.
    pub const DEFAULT: [Trial; 4] = [
        Trial::PrimaryKill { wait_replicas: 0 },
        Trial::PrimaryKill { wait_replicas: 1 },
        Trial::Restart {
            persistence: Persistence::None,
        },
        Trial::Restart {
            persistence: Persistence::AppendOnly { fsync: FSYNC },
        },
    ];

    /// Unique within a results file.
    pub fn label(&self) -> String {
        match self {
            Trial::PrimaryKill { wait_replicas: 0 } => "primary killed, asynchronous".into(),
            Trial::PrimaryKill { wait_replicas } => format!("primary killed, WAIT {wait_replicas}"),
            Trial::Restart {
                persistence: Persistence::None,
            } => "restart, no persistence".into(),
            Trial::Restart {
                persistence: Persistence::AppendOnly { fsync },
            } => format!("restart, AOF {fsync}"),
        }
    }
}

impl std::str::FromStr for Trial {
    type Err = String;
    /// `kill`, `kill-wait`, `restart`, `restart-aof`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "kill" => Ok(Trial::PrimaryKill { wait_replicas: 0 }),
            "kill-wait" => Ok(Trial::PrimaryKill { wait_replicas: 1 }),
            "restart" => Ok(Trial::Restart {
                persistence: Persistence::None,
            }),
            "restart-aof" => Ok(Trial::Restart {
                persistence: Persistence::AppendOnly { fsync: FSYNC },
            }),
            "restart-aof-always" => Ok(Trial::Restart {
                persistence: Persistence::AppendOnly { fsync: "always" },
            }),
            other => Err(format!(
                "unknown trial `{other}`: kill, kill-wait, restart, restart-aof or restart-aof-always"
            )),
        }
    }
}

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub run: RunOptions,
    pub out: PathBuf,
    /// Open-loop rate of each flow, requests per second.
    pub rate: f64,
    /// Steady load before the event.
    pub before: Duration,
    /// Load after the event: long enough for down-after, the election and the recovery.
    pub after: Duration,
    pub down_after: Duration,
    pub trials: Vec<Trial>,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(args.rate >= 1.0, "--rate is requests per second per flow");
    let path = redis_locator::find_on_path("redis-server")
        .context("the failover experiment starts its own Redis processes: install redis-server")?;
    let flows = args.run.flows_or(&DEFAULT_FLOWS);
    anyhow::ensure!(
        flows.iter().all(|f| *f != Flow::Baseline),
        "the baseline has no store to fail over"
    );
    let placement = harness::placement::apply(args.run.placement.unwrap_or_default());
    let settings = authbench_core::settings::Settings::load_profile(authbench_core::settings::Profile::Dev)?;
    let timeout = settings.dependency_timeout();
    let sentinel = SentinelOptions {
        down_after: args.down_after,
        persistence: Persistence::AppendOnly { fsync: FSYNC },
        ..SentinelOptions::default()
    };
    let mut file = ResultsFile::new(args.run.method(
        "failover",
        &["open"],
        &format!(
            "private redis-server processes started per trial: {}",
            sentinel.describe()
        ),
    ));
    file.method.placement = Some(placement);
    if cfg!(debug_assertions) {
        file.notes.push("measured with a debug build".into());
    }
    file.notes.push(format!(
        "every flow ran open loop at {} req/s at the same time while a client of the workbench made \
         session logins, logouts and revocations and kept those acknowledged; {} ms of load before \
         the event and {} ms after; the servers' dependency timeout is {} ms; Sentinel's \
         down-after is {} ms (its default is 30 s). A kill -9 leaves the page cache intact, so an \
         append-only file fsynced every second and one fsynced at every write differ only when the \
         operating system itself crashes, which these trials cannot do",
        args.rate,
        args.before.as_millis(),
        args.after.as_millis(),
        timeout.as_millis(),
        args.down_after.as_millis(),
    ));
    let mut trials = Vec::new();
    for (i, trial) in args.trials.iter().enumerate() {
        println!("[{}/{}] {}", i + 1, args.trials.len(), trial.label());
        let outcome = run_trial(&path, *trial, &sentinel, &flows, &args, timeout).await?;
        for (flow, topology, result) in outcome.runs {
            let summary = crate::faults::summarise(
                &result,
                &flow.to_string(),
                &outcome.trial.label,
                outcome.trial.event_ms,
                outcome.trial.event_ms + outcome.trial.back_after_ms.unwrap_or(0),
                timeout,
            );
            println!("      {}", crate::faults::describe(&summary));
            file.faults.push(summary);
            file.runs.push(FlowRun::new(
                flow,
                topology,
                &format!("{} away", outcome.trial.label),
                Some(args.rate),
                result,
            ));
        }
        println!("      {}", describe(&outcome.trial));
        trials.push(outcome.trial);
    }
    file.failover = Some(FailoverResults { trials });
    let written = file.write(&args.out)?;
    println!("results: {}", written.display());
    Ok(file)
}

/// One line for the terminal.
pub fn describe(trial: &FailoverTrial) -> String {
    let writes: Vec<String> = trial
        .writes
        .iter()
        .map(|w| format!("{}: {} acknowledged, {} lost", w.kind, w.acknowledged, w.lost))
        .collect();
    format!(
        "store back after {}; {}",
        trial
            .back_after_ms
            .map_or_else(|| "never".to_string(), |ms| format!("{ms} ms")),
        writes.join("; ")
    )
}

struct TrialOutcome {
    trial: FailoverTrial,
    runs: Vec<(Flow, Topology, RunResult)>,
}

async fn run_trial(
    path: &std::path::Path,
    trial: Trial,
    sentinel: &SentinelOptions,
    flows: &[Flow],
    args: &Options,
    timeout: Duration,
) -> anyhow::Result<TrialOutcome> {
    let (options, wait_replicas) = match trial {
        Trial::PrimaryKill { wait_replicas } => (sentinel.clone(), wait_replicas),
        Trial::Restart { persistence } => (
            SentinelOptions {
                replicas: 0,
                sentinels: 0,
                persistence,
                ..sentinel.clone()
            },
            0,
        ),
    };
    let mut topology = SentinelTopology::start(path, options.clone()).await?;
    let single_url = format!("redis://{}", topology.data_addresses()[0]);
    let store = match trial {
        Trial::PrimaryKill { .. } => Store::Sentinel {
            topology: &topology,
            wait_replicas,
        },
        Trial::Restart { .. } => Store::Url(&single_url),
    };
    let mut systems: Vec<(FlowSystem, Users)> = Vec::new();
    for flow in flows {
        let system =
            FlowSystem::start_on(*flow, store, args.run.server_options(), Topology::single()).await?;
        let users = system.log_in(args.run.connections).await?;
        systems.push((system, users));
    }
    let denylist = systems.iter().find(|(s, _)| s.flow == Flow::JwtDenylist);
    let roles = match denylist {
        Some((system, _)) => Some(writes::RoleTarget {
            redis: authbench_core::redis_conn::RedisLink::from_settings(
                &authbench_core::settings::RedisSettings {
                    url: single_url.clone(),
                    key_prefix: system.key_prefix.clone(),
                    sentinel: matches!(trial, Trial::PrimaryKill { .. }).then(|| {
                        authbench_core::settings::SentinelSettings {
                            master_name: topology.master_name().to_string(),
                            addresses: topology.sentinel_addresses(),
                        }
                    }),
                    cluster: None,
                    durability: authbench_core::settings::DurabilitySettings {
                        wait_replicas,
                        ..Default::default()
                    },
                },
                timeout,
            )?,
            key_prefix: system.key_prefix.clone(),
            timeout,
            // The harness gives access tokens an hour (no token expires during a run),
            // plus the configuration's leeway.
            token_lifetime: Duration::from_secs(3600 + 30),
        }),
        None => None,
    };
    let endpoints = writes::Endpoints {
        roles,
        session: systems
            .iter()
            .find(|(s, _)| s.flow == Flow::Session)
            .and_then(|(s, _)| {
                Some((
                    s.auth_url()?.to_string(),
                    format!("{}{}", s.api_url(), s.flow.path()),
                ))
            }),
        jwt: systems
            .iter()
            .find(|(s, _)| s.flow == Flow::JwtDenylist)
            .and_then(|(s, _)| {
                Some((
                    s.auth_url()?.to_string(),
                    format!("{}{}", s.api_url(), s.flow.path()),
                ))
            }),
    };

    let total = args.before + args.after;
    let started = Instant::now();
    let mut runs = tokio::task::JoinSet::new();
    for (index, (system, users)) in systems.iter().enumerate() {
        let plan = system.plan(
            Mode::Open { rate: args.rate },
            args.run.warmup,
            Stop::After(total),
            users,
        )?;
        runs.spawn(async move { (index, loadgen::run(plan).await) });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let stop_roles = Arc::new(AtomicBool::new(false));
    let writer = {
        let (endpoints, stop, stop_roles) = (endpoints.clone(), stop.clone(), stop_roles.clone());
        tokio::spawn(async move { writes::write_until(&endpoints, stop, stop_roles).await })
    };
    let window = started + Duration::from_millis(50) + args.run.warmup;
    tokio::time::sleep_until((window + args.before).into()).await;
    stop_roles.store(true, Ordering::Release);
    let event = Instant::now();
    let event_ms = event.saturating_duration_since(window).as_millis() as u64;
    let back = match trial {
        Trial::PrimaryKill { .. } => {
            let old = topology.kill_primary().await.context("no primary to kill")?;
            topology
                .wait_for_new_primary(&old, args.after)
                .await
                .map(|_| event.elapsed())
        }
        Trial::Restart { .. } => {
            let addr = topology.data_addresses()[0].clone();
            topology.kill(&addr);
            topology.restart(&addr)?;
            answers_within(&addr, args.after).await.then(|| event.elapsed())
        }
    };
    let mut results: Vec<(usize, RunResult)> = Vec::new();
    while let Some(done) = runs.join_next().await {
        let (index, result) = done?;
        results.push((index, result?));
    }
    stop.store(true, Ordering::Release);
    let ledgers = writer.await?;
    // A write is checked once its flow answers again; one still refused after the settle
    // time is counted as unchecked, never as held.
    let writes = writes::check_all(&endpoints, ledgers, timeout * 30).await;
    results.sort_by_key(|(index, _)| *index);
    let runs = results
        .into_iter()
        .map(|(index, result)| (systems[index].0.flow, systems[index].0.topology, result))
        .collect();
    let description = match trial {
        Trial::PrimaryKill { .. } => options.describe(),
        Trial::Restart { persistence } => format!("one redis-server, {}", persistence.describe()),
    };
    let durability = match trial {
        Trial::PrimaryKill { wait_replicas } => authbench_core::settings::DurabilitySettings {
            wait_replicas,
            ..Default::default()
        }
        .durability()
        .describe(),
        Trial::Restart { persistence } => persistence.describe(),
    };
    drop(systems);
    drop(topology);
    Ok(TrialOutcome {
        trial: FailoverTrial {
            label: trial.label(),
            scenario: match trial {
                Trial::PrimaryKill { .. } => "primary killed".into(),
                Trial::Restart { .. } => "restart".into(),
            },
            store: description,
            durability,
            event_ms,
            back_after_ms: back.map(|d| d.as_millis() as u64),
            writes,
        },
        runs,
    })
}

/// Whether the Redis at `addr` answers a PING within `within`.
async fn answers_within(addr: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let Ok(client) = redis::Client::open(format!("redis://{addr}")) else {
        return false;
    };
    while Instant::now() < deadline {
        if let Ok(mut conn) = client.get_multiplexed_async_connection().await
            && redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// `workbench failover` in the registry.
pub struct Failover;

impl crate::experiment::Experiment for Failover {
    fn name(&self) -> &'static str {
        "failover"
    }

    fn step(&self) -> Option<&'static str> {
        Some("failover: the primary killed under Sentinel, a single Redis restarted")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let mut run = plan.run.clone();
            run.flows = plan.authenticated_flows(&DEFAULT_FLOWS);
            self::run(Options {
                run,
                out: plan.results.clone(),
                rate: DEFAULT_RATE,
                before: DEFAULT_BEFORE,
                after: DEFAULT_AFTER,
                down_after: DEFAULT_DOWN_AFTER,
                trials: Trial::DEFAULT.to_vec(),
            })
            .await
            .map(drop)
        })
    }

    fn unavailable(&self) -> Option<String> {
        redis_locator::find_on_path("redis-server")
            .is_none()
            .then(|| "redis-server is not on PATH; `apt-get install redis-server` adds it".into())
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
