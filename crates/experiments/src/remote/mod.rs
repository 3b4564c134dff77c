//! `workbench remote`: the closed-loop maximum of flows whose servers are already running
//! elsewhere: the compose file's containers (its `loadgen` service runs this), or servers on
//! other hosts. It logs the virtual users in at the given auth servers and spreads them
//! over every address an API host name resolves to, as a layer-4 balancer would, so
//! `docker compose up --scale api-jwt=3` is measured as three replicas.
//!
//! Unlike the other experiments it starts nothing and cannot see the servers' processes:
//! the results have throughput, latency and statuses, but no CPU time per tier.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use harness::progress::RunBar;
use harness::system::log_in;
use loadgen::{Balance, Mode, Plan, RequestSpec, Stop, Target};
use results::Flow;
use results::Method;
use results::Topology;
use results::units::show_us;
use results::{FlowRun, ResultsFile};

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// A flow and the URL of its API server(s), `FLOW=http://host:port`; repeat for each
    /// flow. A host name that resolves to several addresses (scaled containers) is one
    /// replica per address.
    pub apis: Vec<(Flow, String)>,
    /// The session auth server the `session` and `session-redis` users log in at.
    pub session_auth: String,
    /// The JWT auth server the `jwt-*` users log in at.
    pub jwt_auth: String,
    /// Virtual users per flow, each with its own login and keep-alive connection.
    pub connections: usize,
    /// Load before each measured run that is not recorded.
    pub warmup: Duration,
    /// Length of each measured run.
    pub duration: Duration,
    /// Folder the results file is written to.
    pub out: PathBuf,
}

/// Reads `FLOW=URL` (the `--api` option).
pub fn parse_api(s: &str) -> Result<(Flow, String), String> {
    let (flow, url) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected FLOW=URL, e.g. session=http://api-session:8080"))?;
    let flow: Flow = flow.parse()?;
    if !url.starts_with("http://") {
        return Err(format!("`{url}`: the API URL must start with http://"));
    }
    Ok((flow, url.trim_end_matches('/').to_string()))
}

/// Every address `url`'s host resolves to, as load targets that keep the host name in the
/// `Host` header.
async fn targets(url: &str) -> anyhow::Result<Vec<Target>> {
    let host = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .with_context(|| format!("`{url}` is not an http:// URL"))?;
    let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host(host)
        .await
        .with_context(|| format!("cannot resolve {host}"))?
        .filter(SocketAddr::is_ipv4)
        .collect();
    addrs.sort();
    addrs.dedup();
    anyhow::ensure!(!addrs.is_empty(), "{host} resolves to no IPv4 address");
    Ok(addrs
        .into_iter()
        .map(|addr| Target {
            addr,
            host: host.to_string(),
        })
        .collect())
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    let mut method = Method::new("remote");
    method.modes = vec!["closed".into()];
    method.connections = args.connections;
    method.warmup_ms = args.warmup.as_millis() as u64;
    method.duration_ms = args.duration.as_millis() as u64;
    method.server_workers = 0;
    method.redis = "run by the servers under test (not seen by the workbench)".into();
    let mut file = ResultsFile::new(method);
    file.notes.push(format!(
        "servers already running, reached over the network: session auth {}, JWT auth {}; \
         API servers {}. CPU time per tier is not metered (the servers are other hosts or \
         containers).",
        args.session_auth,
        args.jwt_auth,
        args.apis
            .iter()
            .map(|(flow, url)| format!("{flow} {url}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let total = args.apis.len();
    for (i, (flow, url)) in args.apis.iter().enumerate() {
        let position = format!("[{}/{total}]", i + 1);
        let targets = targets(url).await?;
        let auth = if flow.is_session() {
            Some(args.session_auth.as_str())
        } else if flow.is_jwt() {
            Some(args.jwt_auth.as_str())
        } else {
            None
        };
        let mut users = log_in(auth, args.connections).await.with_context(|| {
            format!(
                "{flow}: the virtual users could not log in at {}",
                auth.unwrap_or("-")
            )
        })?;
        if *flow == Flow::ApiKey {
            users = harness::login::trade_for_api_keys(&args.jwt_auth, users)
                .await
                .with_context(|| format!("api-key: no keys were issued at {}", args.jwt_auth))?;
        }
        let plan = Plan {
            mode: Mode::Closed,
            warmup: Duration::ZERO,
            stop: Stop::After(args.warmup),
            balance: Balance::PerUser,
            request: RequestSpec::get(flow.path()),
            users,
            request_timeout: Duration::from_secs(10),
            generator_cpus: harness::placement::generator_cpus(),
            targets: targets.clone(),
        };
        let bar = RunBar::start(format!("{position} {flow} max"), args.warmup + args.duration);
        if !args.warmup.is_zero() {
            loadgen::run(plan.clone()).await?;
        }
        let result = loadgen::run(Plan {
            stop: Stop::After(args.duration),
            ..plan
        })
        .await?;
        let not_ok = result.responses - result.success;
        bar.finish(&format!(
            "{position} {:<14} {:>2} replica(s)  {:>9.0} req/s  p50 {:>8}  p99 {:>8}{}",
            flow.to_string(),
            targets.len(),
            result.throughput_rps,
            show_us(result.latency.p50_us),
            show_us(result.latency.p99_us),
            if not_ok > 0 {
                format!("  ({not_ok} non-2xx)")
            } else {
                String::new()
            },
        ));
        let topology = Topology {
            api_replicas: targets.len(),
            ..Topology::single()
        };
        file.runs.push(FlowRun::new(*flow, topology, "max", None, result));
    }
    let path = file.write(&args.out).with_context(|| {
        format!(
            "cannot write the results into {} (in a container: is the mounted folder writable \
             by this user? set AUTHBENCH_UID=$(id -u) AUTHBENCH_GID=$(id -g))",
            args.out.display()
        )
    })?;
    println!("results: {}", path.display());
    Ok(file)
}

/// `workbench remote` in the registry: a command with no report section (its results
/// describe servers the workbench did not start, so it meters no CPU).
pub struct Remote;

impl crate::experiment::Experiment for Remote {
    fn name(&self) -> &'static str {
        "remote"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_is_a_flow_and_an_http_url() {
        let (flow, url) = parse_api("session=http://api-session:8080/").unwrap();
        assert_eq!(flow, Flow::Session);
        assert_eq!(url, "http://api-session:8080");
        assert_eq!(parse_api("jwt=http://a:1").unwrap().0.to_string(), "jwt-hs256");
        assert!(parse_api("session").is_err());
        assert!(parse_api("nosuchflow=http://a:1").is_err());
        assert!(parse_api("session=https://a:1").is_err());
    }

    #[tokio::test]
    async fn a_host_name_becomes_one_target_per_address_keeping_its_name() {
        let found = targets("http://localhost:8080/api").await.unwrap();
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .all(|t| t.addr.ip().is_loopback() && t.addr.port() == 8080)
        );
        assert!(found.iter().all(|t| t.host == "localhost:8080"));
        assert!(targets("ftp://x").await.is_err());
    }
}
