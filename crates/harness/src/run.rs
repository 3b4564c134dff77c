//! What every load experiment does: the options they share, finding Redis, starting a
//! flow and logging its users in, and one measured run with CPU metered per tier.

use std::time::Duration;

use anyhow::Context;
use loadgen::cpu::CpuMeter;
use loadgen::{Mode, Plan, Stop};
use results::units::show_us;
use results::{Flow, FlowRun, Method, ResultsFile, Topology, cpu_per_request};

use crate::progress::RunBar;
use crate::system::{FlowSystem, ServerOptions};

/// Options every load experiment shares.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Flows to measure; empty: the experiment's default.
    pub flows: Vec<Flow>,
    /// One-way delay on every server-to-server link; each flow runs at each delay.
    pub link_delay: Vec<Duration>,
    /// Virtual users, each with its own login and keep-alive connection.
    pub connections: usize,
    /// Load before each measured run that is not recorded.
    pub warmup: Duration,
    /// Length of each measured run.
    pub duration: Duration,
    /// actix-web workers per server process.
    pub workers: usize,
    /// Which CPUs the generator gets; the servers get the rest. `None`: the experiment's
    /// default ([`RunOptions::placement_or`]).
    pub placement: Option<crate::placement::Ask>,
}

impl Default for RunOptions {
    /// The command line's defaults.
    fn default() -> RunOptions {
        RunOptions {
            flows: Vec::new(),
            link_delay: vec![Duration::ZERO],
            connections: 32,
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(5),
            workers: 1,
            placement: None,
        }
    }
}

impl RunOptions {
    /// The flows asked for, or `default` when none were.
    pub fn flows_or(&self, default: &[Flow]) -> Vec<Flow> {
        if self.flows.is_empty() {
            default.to_vec()
        } else {
            self.flows.clone()
        }
    }

    pub fn method(&self, experiment: &str, modes: &[&str], redis: &str) -> Method {
        let mut method = Method::new(experiment);
        method.modes = modes.iter().map(|m| m.to_string()).collect();
        method.connections = self.connections;
        method.warmup_ms = self.warmup.as_millis() as u64;
        method.duration_ms = self.duration.as_millis() as u64;
        method.server_workers = self.workers;
        method.redis = redis.to_string();
        if self.link_delay.iter().any(|d| !d.is_zero()) {
            let delays: Vec<String> = self
                .link_delay
                .iter()
                .map(|d| show_us(d.as_micros() as u64))
                .collect();
            method.link_delay = format!(
                "{} one way on every server-to-server link (user-space delay links in the \
                 workbench process)",
                delays.join(", ")
            );
        }
        method
    }

    pub fn server_options(&self) -> ServerOptions {
        ServerOptions {
            workers: self.workers,
            cuttable_links: false,
            population: 0,
        }
    }
}

/// The credential headers of each virtual user.
pub type Users = Vec<Vec<(loadgen::header::HeaderName, loadgen::header::HeaderValue)>>;

/// What every experiment does first: find Redis (once for all flows) and open a results
/// file with the method.
pub async fn begin(
    args: &RunOptions,
    experiment: &str,
    modes: &[&str],
) -> anyhow::Result<(redis_locator::LocalRedis, ResultsFile)> {
    let placement = crate::placement::apply(args.placement.unwrap_or_default());
    let (redis, described) = redis().await?;
    if let Some(pid) = redis.pid()
        && let Err(e) = crate::placement::place_server(pid)
    {
        eprintln!("note: cannot place Redis (pid {pid}) on the servers' CPUs: {e}");
    }
    let mut file = ResultsFile::new(args.method(experiment, modes, &described));
    file.method.placement = Some(placement);
    if cfg!(debug_assertions) {
        let note = "measured with a debug build: these numbers are not comparable with release \
                    figures (run with `cargo run --release -p workbench -- ...`)";
        eprintln!("warning: {note}");
        file.notes.push(note.into());
    }
    Ok((redis, file))
}

/// Starts one flow's servers and logs its virtual users in.
pub async fn start_flow(
    flow: Flow,
    redis: &redis_locator::LocalRedis,
    args: &RunOptions,
    topology: Topology,
) -> anyhow::Result<(FlowSystem, Users)> {
    let system = FlowSystem::start_with(flow, redis, args.server_options(), topology).await?;
    let users = system.log_in(args.connections).await?;
    Ok((system, users))
}

/// Finds the Redis an experiment measures, once per experiment, and says where it came
/// from. A private `redis-server` is preferred whenever one is on `PATH`, even with
/// `REDIS_URL` set: only a Redis the workbench started has a process whose CPU time and
/// cgroup it can meter, so the same command measures the same tiers however the machine
/// offers Redis. Without one, `REDIS_URL` or a container is used, and the method says so.
pub async fn redis() -> anyhow::Result<(redis_locator::LocalRedis, String)> {
    let private = redis_locator::find_on_path("redis-server").filter(|_| !container_asked());
    // Measurements keep nothing on disk: an fsync would be part of every write's cost.
    let persistence = redis_locator::Persistence::None;
    let redis = match private {
        Some(path) => redis_locator::start_process_with(&path, persistence).await,
        None => redis_locator::locate_with(persistence).await,
    }
    .context("the session flows need Redis")?;
    let source = match redis.source() {
        redis_locator::Source::Env => "REDIS_URL; its CPU time is not metered".to_string(),
        redis_locator::Source::Process => {
            format!(
                "a private redis-server started by the workbench, {}",
                persistence.describe()
            )
        }
        redis_locator::Source::Container => "a Redis container (CPU time not metered)".to_string(),
    };
    let described = format!("{} ({source})", redis.url());
    Ok((redis, described))
}

/// `AUTHBENCH_REDIS=container`: the caller asked for a Redis container.
fn container_asked() -> bool {
    std::env::var("AUTHBENCH_REDIS").is_ok_and(|v| v == "container")
}

/// Warms up, then measures one run of `system`'s flow with CPU metered per tier.
pub async fn measure(
    system: &FlowSystem,
    users: &Users,
    mode: Mode,
    args: &RunOptions,
    label: &str,
    position: &str,
) -> anyhow::Result<FlowRun> {
    let plan = system.plan(mode, Duration::ZERO, Stop::After(args.warmup), users)?;
    measure_plan(system, plan, args, label, position).await
}

/// Warms up with `plan` (its stop is the warm-up), then measures it for the run's duration
/// with CPU metered per tier of `system`.
pub async fn measure_plan(
    system: &FlowSystem,
    plan: Plan,
    args: &RunOptions,
    label: &str,
    position: &str,
) -> anyhow::Result<FlowRun> {
    let flow = system.flow;
    let mode = plan.mode;
    let bar = RunBar::start(format!("{position} {flow} {label}"), args.warmup + args.duration);
    if !args.warmup.is_zero() {
        loadgen::run(plan.clone()).await?;
    }
    let steal_before = steal_ticks();
    let meter = CpuMeter::start(system.tiers());
    let result = loadgen::run(Plan {
        stop: Stop::After(args.duration),
        ..plan
    })
    .await?;
    let cpu = meter.finish();
    let steal = steal_between(steal_before, steal_ticks());
    let cpus = read_back_cpus(system, &result);
    let cpu_us_per_request = cpu_per_request(&cpu, result.responses);
    let errors: u64 = result.errors.values().sum();
    let generator = result
        .generator
        .as_ref()
        .map(|g| {
            format!(
                "  generator {:.1} µs ({:.0} % busy)",
                g.cpu_us_per_request(result.responses),
                g.busy * 100.0
            )
        })
        .unwrap_or_default();
    bar.finish(&format!(
        "{position} {:<14} {label:>5}  {:>9.0} req/s  p50 {:>8}  p99 {:>8}  CPU/request {:>6.1} µs{generator}{}",
        flow.to_string(),
        result.throughput_rps,
        show_us(result.latency.p50_us),
        show_us(result.latency.p99_us),
        cpu_us_per_request.get("total").copied().unwrap_or(0.0),
        problems(&result, errors),
    ));
    if let Some(s) = steal.filter(|s| *s > 0.05) {
        println!(
            "      (the hypervisor took {:.0} % of this machine's CPU time during the run)",
            s * 100.0
        );
    }
    let target_rate = match mode {
        Mode::Open { rate } => Some(rate),
        Mode::Closed => None,
    };
    Ok(FlowRun {
        cpu,
        cpu_us_per_request,
        cpus,
        steal,
        ..FlowRun::new(flow, system.topology, label, target_rate, result)
    })
}

/// Share of the machine's CPU time the hypervisor took between two [`steal_ticks`] readings.
pub fn steal_between(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    match (before, after) {
        (Some((s0, t0)), Some((s1, t1))) if t1 > t0 => Some((s1 - s0) as f64 / (t1 - t0) as f64),
        _ => None,
    }
}

/// Steal and total CPU ticks of the whole machine so far (`/proc/stat`'s first line).
pub fn steal_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let fields: Vec<u64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = fields.iter().take(8).sum();
    Some((*fields.get(7)?, total))
}

/// The CPUs each tier ran on, read back from the kernel: the servers' processes now, the
/// generator's threads as they ran.
fn read_back_cpus(
    system: &FlowSystem,
    result: &loadgen::RunResult,
) -> std::collections::BTreeMap<String, String> {
    system
        .tiers()
        .into_iter()
        .map(|tier| {
            let cpus = match (&result.generator, tier.name == "generator") {
                (Some(g), true) if g.pinned && !g.cpus.is_empty() => crate::placement::cpu_list(&g.cpus),
                _ => crate::placement::read_back(&tier.pids),
            };
            (tier.name, cpus)
        })
        .collect()
}

fn problems(result: &loadgen::RunResult, errors: u64) -> String {
    let mut notes = Vec::new();
    let not_ok = result.responses - result.success;
    if not_ok > 0 {
        notes.push(format!("{not_ok} non-2xx"));
    }
    if errors > 0 {
        notes.push(format!("{errors} errors"));
    }
    if let Some(s) = &result.schedule
        && !s.kept_rate
    {
        notes.push(format!("rate not kept: {} late, {} unsent", s.late, s.unsent));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("  ({})", notes.join(", "))
    }
}
