//! The bill: what each architecture needs to serve a target rate for a number of users,
//! from the costs the workbench measured. One model, in one place: the report's bill and
//! any later planner call [`bill`].
//!
//! - **CPUs per tier**: the rate times the tier's CPU cost per request, at a target
//!   utilisation (servers are not sized to run flat out), plus the auth tier's logins (and,
//!   for the JWT flows, its refreshes).
//! - **Redis**: one primary serves at most one core (Redis runs commands on one thread), so
//!   the store needs `ceil(CPUs / (1 core × utilisation))` shards, and as many as its memory
//!   needs; past one shard it is a Redis Cluster, whose measured costs per request are higher.
//! - **Memory**: a session per active user, or a denylist entry per revoked token still
//!   within its lifetime.
//! - **Processes to keep highly available**: at least two of every server; one Redis primary
//!   with two replicas and three sentinels, or a cluster of at least three primaries, each
//!   with a replica.

use std::collections::BTreeMap;

/// One architecture's measured CPU costs per request, by tier.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowCosts {
    /// The flow's name (`session`, `jwt-hs256`, ...).
    pub flow: String,
    pub api_us: f64,
    /// The auth server's work per API request (none for the JWT flows).
    pub auth_us: f64,
    /// Redis's work per API request (none for the plain JWT flows).
    pub redis_us: f64,
    /// Which of `api` and `auth` calls Redis on the request path (`None`: nobody does).
    pub redis_caller: Option<&'static str>,
    /// The auth server's cost of one refresh (the JWT flows; `None` for sessions).
    pub refresh_us: Option<f64>,
}

/// The measurements every architecture shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// Redis bytes per live session.
    pub session_bytes: f64,
    /// Redis bytes per denylist entry.
    pub denylist_bytes: f64,
    /// The auth server's CPU per login (the password hash dominates it).
    pub login_us: f64,
    /// How much a request's Redis work costs on a Redis Cluster, against one Redis.
    pub cluster_redis_factor: f64,
    /// How much the work of the process that calls Redis costs with a cluster client.
    pub cluster_client_factor: f64,
}

/// What the bill is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    /// API requests per second at the peak.
    pub rate: f64,
    /// Users active at the peak (each with a session, or with tokens to refresh).
    pub users: f64,
}

/// What the bill assumes, stated beside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumptions {
    /// Share of its CPUs a server may use at the target rate.
    pub utilisation: f64,
    /// Cores of one API or auth server.
    pub cores_per_server: f64,
    /// Memory one Redis shard may hold (bytes).
    pub shard_memory: f64,
    /// Logins per active user per day.
    pub logins_per_day: f64,
    /// Logouts (revocations) per active user per day.
    pub logouts_per_day: f64,
    /// Access-token lifetime (s): a JWT user refreshes once per lifetime, a revoked token's
    /// entry stays that long.
    pub access_ttl_s: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            utilisation: 0.6,
            cores_per_server: 4.0,
            shard_memory: 25e9,
            logins_per_day: 1.0,
            logouts_per_day: 1.0,
            access_ttl_s: 900.0,
        }
    }
}

impl Assumptions {
    /// The assumptions as sentences, for the report.
    pub fn describe(&self) -> Vec<String> {
        vec![
            format!(
                "servers sized to run at {:.0} % of their CPUs at the target rate; API and auth \
                 servers of {} cores",
                self.utilisation * 100.0,
                self.cores_per_server
            ),
            format!(
                "a Redis primary serves one core (one thread runs its commands) and holds at most \
                 {:.0} GB",
                self.shard_memory / 1e9
            ),
            format!(
                "every active user logs in {} time(s) and logs out {} time(s) a day, holds one \
                 session, and (JWT) refreshes once per {}-s access-token lifetime",
                self.logins_per_day, self.logouts_per_day, self.access_ttl_s
            ),
            "a denylist entry lives one access-token lifetime; refresh-token families and the \
             replicas' CPU are not counted"
                .into(),
        ]
    }
}

/// What one architecture needs for one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    pub flow: String,
    pub workload: Workload,
    /// CPUs by tier (`api`, `auth`, `redis`), at the target utilisation.
    pub cpus: BTreeMap<String, f64>,
    pub total_cpus: f64,
    /// Redis primaries (0: Redis is not on the request path).
    pub shards: usize,
    /// Redis memory the flow's state needs (bytes).
    pub redis_bytes: f64,
    /// Processes to run for high availability, by role.
    pub processes: Vec<(String, usize)>,
    pub total_processes: usize,
    /// What stops every request when it is down (besides the API servers).
    pub request_path: Vec<&'static str>,
}

/// The bill of `costs` for `workload`.
pub fn bill(costs: &FlowCosts, shared: &Shared, workload: Workload, a: &Assumptions) -> Bill {
    let per_s = |us: f64, rate: f64| rate * us / 1e6 / a.utilisation;
    let day = 86_400.0;
    let logins = workload.users * a.logins_per_day / day;
    let refreshes = match costs.refresh_us {
        Some(_) => workload.users / a.access_ttl_s,
        None => 0.0,
    };
    let on_path = costs.redis_caller.is_some();
    // State in Redis: sessions, or the denylist's live entries.
    let redis_bytes = if costs.flow.starts_with("session") {
        workload.users * shared.session_bytes
    } else if costs.redis_caller.is_some() {
        workload.users * a.logouts_per_day / day * a.access_ttl_s * shared.denylist_bytes
    } else {
        0.0
    };
    let shards_for = |redis_us: f64| {
        let by_cpu = (per_s(redis_us, workload.rate) / 1.0).ceil();
        let by_memory = (redis_bytes / a.shard_memory).ceil();
        by_cpu.max(by_memory).max(1.0) as usize
    };
    let mut redis_us = costs.redis_us;
    let mut client = 1.0;
    let mut shards = if on_path { shards_for(redis_us) } else { 0 };
    if shards > 1 {
        redis_us *= shared.cluster_redis_factor;
        client = shared.cluster_client_factor;
        // A cluster keeps a majority of primaries for its own failover: three at least.
        shards = shards_for(redis_us).max(3);
    }
    let scaled = |tier: &str, us: f64| {
        if costs.redis_caller == Some(tier) && shards > 1 {
            us * client
        } else {
            us
        }
    };
    let api = per_s(scaled("api", costs.api_us), workload.rate);
    let auth = per_s(scaled("auth", costs.auth_us), workload.rate)
        + per_s(shared.login_us, logins)
        + per_s(costs.refresh_us.unwrap_or(0.0), refreshes);
    let redis = if on_path {
        per_s(redis_us, workload.rate)
    } else {
        0.0
    };
    let cpus: BTreeMap<String, f64> = [("api", api), ("auth", auth), ("redis", redis)]
        .into_iter()
        .map(|(t, c)| (t.to_string(), c))
        .collect();
    let servers = |c: f64| ((c / a.cores_per_server).ceil() as usize).max(2);
    let mut processes = vec![
        ("API servers".to_string(), servers(api)),
        ("auth servers".to_string(), servers(auth)),
    ];
    // Every flow keeps Redis for refresh-token rotation or sessions; on the request path or
    // not, it is run highly available.
    if shards > 1 {
        processes.push(("Redis Cluster primaries".into(), shards));
        processes.push(("cluster replicas".into(), shards));
    } else {
        processes.push(("Redis primary".into(), 1));
        processes.push(("Redis replicas".into(), 2));
        processes.push(("sentinels".into(), 3));
    }
    let mut request_path = Vec::new();
    if costs.auth_us > 0.5 {
        request_path.push("auth server");
    }
    if on_path {
        request_path.push("Redis");
    }
    Bill {
        flow: costs.flow.clone(),
        workload,
        total_cpus: api + auth + redis,
        cpus,
        shards: shards.max(usize::from(on_path)),
        redis_bytes,
        total_processes: processes.iter().map(|(_, n)| n).sum(),
        processes,
        request_path,
    }
}

/// The workloads the report prices: 10 k, 100 k and 1 M requests per second, with ten
/// active users per request per second.
pub const WORKLOADS: [Workload; 3] = [
    Workload {
        rate: 1e4,
        users: 1e5,
    },
    Workload {
        rate: 1e5,
        users: 1e6,
    },
    Workload {
        rate: 1e6,
        users: 1e7,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared {
            session_bytes: 550.0,
            denylist_bytes: 170.0,
            login_us: 16_000.0,
            cluster_redis_factor: 2.0,
            cluster_client_factor: 1.5,
        }
    }

    fn session() -> FlowCosts {
        FlowCosts {
            flow: "session".into(),
            api_us: 20.0,
            auth_us: 15.0,
            redis_us: 7.0,
            redis_caller: Some("auth"),
            refresh_us: None,
        }
    }

    fn jwt() -> FlowCosts {
        FlowCosts {
            flow: "jwt-hs256".into(),
            api_us: 10.0,
            auth_us: 0.0,
            redis_us: 0.0,
            redis_caller: None,
            refresh_us: Some(20.0),
        }
    }

    #[test]
    fn a_session_system_at_10k_requests_is_priced_by_hand() {
        let a = Assumptions::default();
        let b = bill(
            &session(),
            &shared(),
            Workload {
                rate: 1e4,
                users: 1e5,
            },
            &a,
        );
        // API: 10 000 × 20 µs = 0.2 CPU, at 60 %: 0.333.
        assert!((b.cpus["api"] - 0.2 / 0.6).abs() < 1e-9);
        // Auth: 0.15 CPU for the requests, and 100 000 logins a day × 16 ms = 0.0185 CPU.
        let auth = (0.15 + 1e5 / 86_400.0 * 0.016) / 0.6;
        assert!((b.cpus["auth"] - auth).abs() < 1e-9);
        assert!((b.cpus["redis"] - 0.07 / 0.6).abs() < 1e-9);
        assert_eq!(b.shards, 1);
        assert!((b.redis_bytes - 5.5e7).abs() < 1e-3);
        assert_eq!(b.total_processes, 2 + 2 + 1 + 2 + 3);
        assert_eq!(b.request_path, ["auth server", "Redis"]);
    }

    #[test]
    fn past_one_core_of_redis_the_session_store_becomes_a_cluster_with_its_higher_costs() {
        let a = Assumptions::default();
        let b = bill(
            &session(),
            &shared(),
            Workload {
                rate: 1e6,
                users: 1e7,
            },
            &a,
        );
        // 1 M × 7 µs = 7 CPUs, twice that on a cluster, at 60 %: 23.3 → 24 shards.
        assert_eq!(b.shards, 24);
        assert!((b.cpus["redis"] - 14.0 / 0.6).abs() < 1e-9);
        // The auth server calls Redis: its request work costs 1.5 times as much.
        let auth = (1e6 * 15.0 * 1.5 / 1e6 + 1e7 / 86_400.0 * 0.016) / 0.6;
        assert!((b.cpus["auth"] - auth).abs() < 1e-9);
        assert!(b.processes.contains(&("Redis Cluster primaries".to_string(), 24)));
    }

    #[test]
    fn a_jwt_system_pays_for_refreshes_and_logins_but_not_for_redis_on_the_request_path() {
        let a = Assumptions::default();
        let b = bill(
            &jwt(),
            &shared(),
            Workload {
                rate: 1e5,
                users: 1e6,
            },
            &a,
        );
        assert_eq!(b.cpus["redis"], 0.0);
        assert_eq!(b.shards, 0);
        assert_eq!(b.redis_bytes, 0.0);
        let auth = (1e6 / 900.0 * 20e-6 + 1e6 / 86_400.0 * 0.016) / 0.6;
        assert!((b.cpus["auth"] - auth).abs() < 1e-9);
        assert!(b.request_path.is_empty());
        // 1.67 CPUs of API work fit one 4-core server; two for availability.
        assert_eq!(b.processes[0], ("API servers".to_string(), 2));
    }

    #[test]
    fn a_denylist_holds_the_revoked_tokens_of_one_access_token_lifetime() {
        let a = Assumptions::default();
        let denylist = FlowCosts {
            flow: "jwt-denylist".into(),
            redis_us: 2.0,
            redis_caller: Some("api"),
            ..jwt()
        };
        let b = bill(
            &denylist,
            &shared(),
            Workload {
                rate: 1e4,
                users: 86_400.0,
            },
            &a,
        );
        // One logout a second, each entry kept 900 s: 900 entries of 170 bytes.
        assert!((b.redis_bytes - 900.0 * 170.0).abs() < 1e-6);
        assert_eq!(b.shards, 1);
    }
}
