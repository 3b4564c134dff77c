//! The workbench's experiments: each starts the flows it measures as separate processes,
//! drives them with the `loadgen` crate, meters CPU per tier from `/proc`, and writes one
//! JSON results file with the whole method.
//!
//! - [`throughput`]: closed-loop maximum per flow;
//! - [`latency`]: open-loop sweep at fractions of each flow's maximum;
//! - [`calibrate`]: the generator against `wrk` on the same endpoint, in the same run;
//! - [`scale`]: throughput against the number of API replicas under CPU quotas, with a
//!   capacity model and a USL fit ([`model`]);
//! - [`faults`]: every flow under load while Redis, then the session auth server, is away;
//! - [`state`]: Redis bytes per session, and token size against the number of roles;
//! - [`tokens`]: the CPU time of one token operation per algorithm, beside the raw primitive.
//! - [`logins`]: the CPU cost of a login and of a token refresh, by tier;
//! - [`revocation`]: how long a logout or a role removal takes to reach the API, per flow,
//!   against what each flow pays per request;
//! - [`remote`]: the closed-loop maximum of servers that are already running (containers).

pub mod calibrate;
pub mod faults;
pub mod flows;
pub mod latency;
pub mod limits;
pub mod logins;
pub mod method;
pub mod model;
pub mod progress;
pub mod remote;
pub mod results;
pub mod revocation;
pub mod scale;
pub mod state;
pub mod system;
pub mod throughput;
pub mod tokens;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use loadgen::cpu::CpuMeter;
use loadgen::{Mode, Plan, Stop};

use flows::Flow;
use method::Method;
use progress::RunBar;
use results::{FlowRun, cpu_per_request};
use system::{FlowSystem, ServerOptions, Topology};

/// Options every load experiment shares.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Flows to measure, comma-separated: baseline, session, session-redis, session-cached
    /// (session-cached-250ms names a cache lifetime), jwt-hs256, jwt-eddsa, jwt-es256,
    /// jwt-rs256, jwt-denylist (default: all of them; for `scale`: session, session-redis,
    /// jwt-hs256, jwt-es256).
    #[arg(long, value_delimiter = ',')]
    pub flows: Vec<Flow>,
    /// One-way delay on every server-to-server link (API→auth, auth→Redis, API→Redis),
    /// through a user-space delay link; a list runs each flow at each delay (e.g.
    /// 0,250us,1ms).
    #[arg(long, value_delimiter = ',', default_value = "0", value_parser = parse_duration)]
    pub link_delay: Vec<Duration>,
    /// Virtual users, each with its own login and keep-alive connection.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Load before each measured run that is not recorded (e.g. 1s, 500ms).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Length of each measured run (e.g. 5s, 1m).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub duration: Duration,
    /// actix-web workers per server process.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
}

/// Where an experiment writes its results file.
#[derive(Args, Debug, Clone)]
pub struct OutArgs {
    /// Folder the results file is written to.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}

impl RunArgs {
    /// The flows asked for, or `default` when none were.
    pub fn flows_or(&self, default: &[Flow]) -> Vec<Flow> {
        if self.flows.is_empty() {
            default.to_vec()
        } else {
            self.flows.clone()
        }
    }

    fn method(&self, experiment: &str, modes: &[&str], redis: &str) -> Method {
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
        }
    }
}

/// Parses `250us`, `500ms`, `5s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 500ms, 5s, 2m)"))?;
    let secs = match unit {
        "us" | "µs" => value / 1e6,
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        _ => return Err(format!("`{s}`: the unit must be us, ms, s or m")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

/// The credential headers of each virtual user.
pub type Users = Vec<Vec<(loadgen::header::HeaderName, loadgen::header::HeaderValue)>>;

/// What every experiment does first: find Redis (once for all flows) and open a results
/// file with the method.
pub async fn begin(
    args: &RunArgs,
    experiment: &str,
    modes: &[&str],
) -> anyhow::Result<(redis_locator::LocalRedis, results::ResultsFile)> {
    let (redis, described) = redis().await?;
    let mut file = results::ResultsFile::new(args.method(experiment, modes, &described));
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
    args: &RunArgs,
    topology: Topology,
) -> anyhow::Result<(FlowSystem, Users)> {
    let system = FlowSystem::start_with(flow, redis, args.server_options(), topology).await?;
    let users = system.log_in(args.connections).await?;
    Ok((system, users))
}

/// Locates Redis once per experiment and says where it came from.
pub async fn redis() -> anyhow::Result<(redis_locator::LocalRedis, String)> {
    let redis = redis_locator::locate()
        .await
        .context("the session flows need Redis")?;
    let source = match redis.source() {
        redis_locator::Source::Env => "REDIS_URL",
        redis_locator::Source::Process => "a private redis-server started by the workbench",
        redis_locator::Source::Container => "a Redis container (CPU time not metered)",
    };
    let described = format!("{} ({source})", redis.url());
    Ok((redis, described))
}

/// Warms up, then measures one run of `system`'s flow with CPU metered per tier.
pub async fn measure(
    system: &FlowSystem,
    users: &Users,
    mode: Mode,
    args: &RunArgs,
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
    args: &RunArgs,
    label: &str,
    position: &str,
) -> anyhow::Result<FlowRun> {
    let flow = system.flow;
    let mode = plan.mode;
    let bar = RunBar::start(format!("{position} {flow} {label}"), args.warmup + args.duration);
    if !args.warmup.is_zero() {
        loadgen::run(plan.clone()).await?;
    }
    let meter = CpuMeter::start(system.tiers());
    let result = loadgen::run(Plan {
        stop: Stop::After(args.duration),
        ..plan
    })
    .await?;
    let cpu = meter.finish();
    let cpu_us_per_request = cpu_per_request(&cpu, result.responses);
    let errors: u64 = result.errors.values().sum();
    bar.finish(&format!(
        "{position} {:<14} {label:>5}  {:>9.0} req/s  p50 {:>8}  p99 {:>8}  CPU/request {:>6.1} µs{}",
        flow.to_string(),
        result.throughput_rps,
        show_us(result.latency.p50_us),
        show_us(result.latency.p99_us),
        cpu_us_per_request.get("total").copied().unwrap_or(0.0),
        problems(&result, errors),
    ));
    let target_rate = match mode {
        Mode::Open { rate } => Some(rate),
        Mode::Closed => None,
    };
    Ok(FlowRun {
        cpu,
        cpu_us_per_request,
        ..FlowRun::new(flow, system.topology, label, target_rate, result)
    })
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

/// `850µs`, `12.3ms`, `1.20s`.
pub fn show_us(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..1_000_000 => format!("{:.2}ms", us as f64 / 1000.0),
        _ => format!("{:.2}s", us as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_or_without_a_unit() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
