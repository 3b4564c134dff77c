//! The bill's inputs, read from a results folder, each naming where it came from.

use harness::bill::{FlowCosts, Shared};
use harness::model::{Costs, median_costs};
use report::Suite;
use results::{FlowRun, ResultsFile};

use crate::scale::tier_costs;

/// The architectures the bill prices, as the throughput experiment names their flows.
pub const PRICED: [&str; 5] = [
    "session",
    "session-redis",
    "jwt-hs256",
    "jwt-es256",
    "jwt-denylist",
];

/// Everything the bill needs, with the source of each figure.
#[derive(Debug, Clone)]
pub struct BillInputs {
    pub flows: Vec<FlowCosts>,
    pub shared: Shared,
    /// One line per input: what it is, its value and the file it came from.
    pub sources: Vec<String>,
}

/// The median over `runs` of each tier's CPU µs per request, with the auth servers under
/// one name (`auth`), as the scale experiment names the tiers.
fn tier_medians(runs: &[&FlowRun]) -> Costs {
    median_costs(&runs.iter().map(|r| tier_costs(r)).collect::<Vec<_>>())
}

fn runs<'a>(file: &'a ResultsFile, flow: &str, label: &str) -> Vec<&'a FlowRun> {
    file.runs
        .iter()
        .filter(|r| r.flow == flow && r.label == label && r.scenario.is_none())
        .collect()
}

/// The bill's inputs from `suite`, or what is missing.
pub fn read_inputs(suite: &Suite) -> Result<BillInputs, &'static str> {
    let throughput = suite
        .get("throughput")
        .ok_or("the flows' CPU costs per request (`workbench throughput`)")?;
    let logins = suite
        .get("logins")
        .ok_or("the cost of a login and a refresh (`workbench logins`)")?;
    let state = suite
        .get("state")
        .and_then(|f| f.state.as_ref())
        .filter(|s| !s.sessions.is_empty() && !s.denylist.is_empty())
        .ok_or("Redis bytes per session and per denylist entry (`workbench state`)")?;
    let mut sources = Vec::new();
    let mut flows = Vec::new();
    for flow in PRICED {
        let maxima = runs(throughput, flow, "max");
        if maxima.is_empty() {
            continue;
        }
        let tiers = tier_medians(&maxima);
        let at = |t: &str| tiers.get(t).copied().unwrap_or(0.0);
        let refresh = if flow.starts_with("jwt") {
            let algorithm = if flow == "jwt-denylist" { "jwt-hs256" } else { flow };
            let refreshes = runs(logins, algorithm, "refresh");
            (!refreshes.is_empty()).then(|| tier_medians(&refreshes).get("auth").copied().unwrap_or(0.0))
        } else {
            None
        };
        let caller = match flow {
            "session" => Some("auth"),
            "session-redis" | "jwt-denylist" => Some("api"),
            _ => None,
        };
        sources.push(format!(
            "{flow}: API {:.1} µs, auth {:.1} µs, Redis {:.1} µs per request (throughput.json, median \
             of {} maxima){}",
            at("api"),
            at("auth"),
            at("redis"),
            maxima.len(),
            refresh
                .map(|us| format!("; {us:.1} µs per refresh (logins.json)"))
                .unwrap_or_default()
        ));
        flows.push(FlowCosts {
            flow: flow.to_string(),
            api_us: at("api"),
            auth_us: at("auth"),
            redis_us: at("redis"),
            redis_caller: caller,
            refresh_us: refresh,
        });
    }
    if flows.is_empty() {
        return Err("the flows' CPU costs per request (`workbench throughput`)");
    }
    let login_runs: Vec<&FlowRun> = logins.runs.iter().filter(|r| r.label == "login").collect();
    let login_us = tier_medians(&login_runs).get("auth").copied().unwrap_or(0.0);
    sources.push(format!(
        "a login: {:.1} ms of auth-server CPU (logins.json, median of {} runs)",
        login_us / 1000.0,
        login_runs.len()
    ));
    let session_bytes = state.sessions.last().map(|s| s.bytes_per_session).unwrap_or(0.0);
    let denylist_bytes = state.denylist.last().map(|d| d.bytes_per_entry).unwrap_or(0.0);
    sources.push(format!(
        "{session_bytes:.0} B per session at {} sessions, {denylist_bytes:.0} B per denylist entry at {} \
         entries (state.json)",
        state.sessions.last().map(|s| s.sessions).unwrap_or(0),
        state.denylist.last().map(|d| d.entries).unwrap_or(0)
    ));
    let (cluster_redis_factor, cluster_client_factor) = match cluster_factors(suite.get("scale")) {
        Some((redis, client, line)) => {
            sources.push(line);
            (redis, client)
        }
        None => {
            sources.push(
                "no Redis Cluster measurement in scale.json (its api+auth+redis series): a cluster \
                 is priced at one Redis's costs per request"
                    .into(),
            );
            (1.0, 1.0)
        }
    };
    Ok(BillInputs {
        flows,
        shared: Shared {
            session_bytes,
            denylist_bytes,
            login_us,
            cluster_redis_factor,
            cluster_client_factor,
        },
        sources,
    })
}

/// Redis's and the auth server's cost per request on a cluster against one Redis: the
/// session flow's first point of `api+auth+redis` against the first of `api+auth`.
fn cluster_factors(scale: Option<&ResultsFile>) -> Option<(f64, f64, String)> {
    let scale = scale?;
    let first = |scenario: &str| {
        scale
            .runs
            .iter()
            .find(|r| r.flow == "session" && r.label == "max" && r.scenario.as_deref() == Some(scenario))
    };
    let cluster = tier_medians(&[first("api+auth+redis")?]);
    let single = tier_medians(&[first("api+auth")?]);
    let ratio = |tier: &str| Some(cluster.get(tier)? / single.get(tier).filter(|v| **v > 0.0)?);
    let (redis, client) = (ratio("redis")?, ratio("auth")?);
    let quota = |r: &str| {
        first(r)
            .and_then(|run| run.limits.iter().find(|l| l.name.starts_with("redis")))
            .map(|l| l.cpus)
            .unwrap_or(0.0)
    };
    Some((
        redis,
        client,
        format!(
            "a Redis Cluster: Redis {redis:.2}× and the auth server {client:.2}× their costs per request on \
             one Redis (scale.json: the session flow at 1 shard of api+auth+redis, Redis at {} CPU, \
             against 1 replica of api+auth, Redis at {} CPU; the smaller quota adds to the cluster's \
             figure, so this errs towards a dearer cluster)",
            quota("api+auth+redis"),
            quota("api+auth")
        ),
    ))
}
