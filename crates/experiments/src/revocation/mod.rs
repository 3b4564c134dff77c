//! `workbench revocation`: how long a logout, or the removal of a role, takes to reach the
//! API in each flow, and what each flow pays per request for its answer.
//!
//! For each flow a user keeps calling the API (every `--interval`) while, at a moment t0,
//! the user logs out or an administrator removes the user's `admin` role. The lag is the
//! time from t0 (the revocation confirmed by the auth server, or the role change written)
//! to the first request the API denies. The trials place t0 evenly over the credential's
//! (or the cache entry's) life, so the lags spread as a user would meet them.
//!
//! - `session`, `session-redis`: every request reads the session, so the lag is one
//!   request away.
//! - `session-cached-<ttl>`: up to one cache lifetime.
//! - `jwt`: until the access token expires. Lifetimes of 1, 5 and 15 minutes are run with
//!   one second standing for one minute (`--seconds-per-minute`), and the lag is scaled
//!   back by the same factor; the leeway is 0 here (the default 30 s adds to every lag).
//!   The client behaves as a real one: on 401 it refreshes once (with rotation) and tries
//!   again; after a logout the refresh fails too, after a role change the new token
//!   carries the new roles.
//! - `jwt-denylist`: one request away, like the session.
//!
//! Then each flow's closed-loop maximum, with CPU per tier as `throughput` measures it, so
//! the report can set revocation lag against requests per second.

mod arm;
mod section;
mod servers;
mod trial;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use authbench_core::settings::SigningAlgorithm;
use harness::{RunOptions, begin, measure, start_flow};
use loadgen::Mode;
use results::Flow;
use results::ResultsFile;
use results::Topology;
use results::revocation::{RevocationArm, RevocationResults};
use results::units::show_ms;

use arm::run_arm;
use trial::Event;

pub const DEFAULT_LIFETIMES_MIN: [u64; 3] = [1, 5, 15];
pub const DEFAULT_CACHE_TTLS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(5),
];
pub const DEFAULT_TRIALS: u16 = 3;
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(10);
pub const DEFAULT_PRICING_DURATION: Duration = Duration::from_secs(3);

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Plain-JWT access-token lifetimes to show, in minutes of the real system.
    pub lifetimes: Vec<u64>,
    /// Seconds of the run that stand for one minute of token lifetime (1: a 15-minute
    /// token lives 15 s here, and its lag is scaled by 60).
    pub seconds_per_minute: u64,
    /// Introspection cache lifetimes of `session-cached` to show.
    pub cache_ttls: Vec<Duration>,
    /// Trials per flow and event, spread evenly over the credential's life.
    pub trials: u16,
    /// How often the user calls the API during a trial: the resolution of every lag.
    pub interval: Duration,
    /// Length of the closed-loop run that prices each flow (0 skips the pricing).
    pub duration: Duration,
    /// Load before each pricing run that is not recorded.
    pub warmup: Duration,
    /// Virtual users of the pricing runs.
    pub connections: usize,
}

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(!args.interval.is_zero(), "--interval must be above 0");
    let run_args = RunOptions {
        flows: Vec::new(),
        link_delay: vec![Duration::ZERO],
        connections: args.connections,
        warmup: args.warmup,
        duration: args.duration,
        ..RunOptions::default()
    };
    let (redis, mut file) = begin(&run_args, "revocation", &["trials", "closed"]).await?;
    let minute = Duration::from_secs(args.seconds_per_minute);
    let mut arms: Vec<(Flow, Option<u64>)> = vec![(Flow::Session, None), (Flow::SessionRedis, None)];
    for ttl in &args.cache_ttls {
        arms.push((Flow::SessionCached(ttl.as_millis().max(1) as u64), None));
    }
    arms.push((Flow::JwtDenylist, None));
    // The database flows read the user (and the key) on every request.
    arms.push((Flow::JwtUserdb, None));
    arms.push((Flow::ApiKey, None));
    for minutes in &args.lifetimes {
        arms.push((Flow::Jwt(SigningAlgorithm::HS256), Some(*minutes)));
    }
    println!(
        "revocation: {} flows x {} trials x (logout, role removed), one call every {}; plain \
         JWT runs {} s per minute of token lifetime",
        arms.len(),
        args.trials,
        results::units::show_us(args.interval.as_micros() as u64),
        args.seconds_per_minute
    );
    // Every arm runs at once, each on servers of its own; within an arm the logout trials
    // (bob) and the role trials (alice) run side by side.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (flow, minutes)) in arms.iter().copied().enumerate() {
        let redis_url = redis.url().to_string();
        let (trials, interval) = (args.trials, args.interval);
        tasks.spawn(async move {
            let arm = run_arm(&redis_url, flow, minutes, minute, trials, interval).await;
            (i, arm)
        });
    }
    let mut results: Vec<Option<RevocationArm>> = vec![None; arms.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, arm) = done.context("a revocation arm failed")?;
        let arm = arm?;
        println!("  {:<28} {}", arm.label, summary(&arm));
        results[i] = Some(arm);
    }
    let arms_done: Vec<RevocationArm> = results.into_iter().flatten().collect();
    for arm in &arms_done {
        for t in &arm.trials {
            if t.lag_ms.is_none() {
                file.notes.push(format!(
                    "{} ({}): the API never denied the credential within the trial's time",
                    arm.label, t.event
                ));
            }
            if t.regranted {
                file.notes.push(format!(
                    "{} ({}): a request was granted again after a denial",
                    arm.label, t.event
                ));
            }
        }
    }
    file.revocation = Some(RevocationResults {
        seconds_per_minute: args.seconds_per_minute,
        interval_ms: args.interval.as_secs_f64() * 1000.0,
        arms: arms_done,
    });

    if !args.duration.is_zero() {
        let mut priced: Vec<Flow> = Vec::new();
        for (flow, _) in &arms {
            if !priced.contains(flow) {
                priced.push(*flow);
            }
        }
        let total = priced.len();
        for (i, flow) in priced.into_iter().enumerate() {
            let (system, users) = start_flow(flow, &redis, &run_args, Topology::single()).await?;
            let position = format!("[{}/{total}]", i + 1);
            file.runs
                .push(measure(&system, &users, Mode::Closed, &run_args, "max", &position).await?);
        }
    }
    file.notes.push(format!(
        "plain JWT lifetimes ran {} s per minute with leeway 0; their lags are scaled by {} \
         (the default 30 s leeway adds 30 s to each)",
        args.seconds_per_minute,
        60 / args.seconds_per_minute
    ));
    file.method.database = harness::database::described().await;
    let path = file.write(&args.out)?;
    println!("results: {}", path.display());
    Ok(file)
}

fn summary(arm: &RevocationArm) -> String {
    let show = |event: &str| {
        let lags = arm.scaled_lags_ms(Some(event));
        if lags.is_empty() {
            return format!("{event}: never denied");
        }
        let max = lags.iter().copied().fold(0.0, f64::max);
        let median = results::median(&lags);
        format!("{event}: median {} max {}", show_ms(median), show_ms(max))
    };
    format!(
        "{}   {}",
        show(Event::Logout.name()),
        show(Event::RoleRemoved.name())
    )
}

/// `workbench revocation` in the registry.
pub struct Revocation;

impl crate::experiment::Experiment for Revocation {
    fn name(&self) -> &'static str {
        "revocation"
    }

    fn step(&self) -> Option<&'static str> {
        Some("revocation lag: logout and role removal, per flow")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                out: plan.results.clone(),
                lifetimes: DEFAULT_LIFETIMES_MIN.to_vec(),
                seconds_per_minute: 1,
                cache_ttls: DEFAULT_CACHE_TTLS.to_vec(),
                trials: DEFAULT_TRIALS,
                interval: DEFAULT_INTERVAL,
                duration: DEFAULT_PRICING_DURATION,
                warmup: plan.run.warmup,
                connections: plan.run.connections,
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

#[cfg(test)]
mod tests {
    use results::revocation::RevocationTrial;

    use super::arm::fraction;
    use super::*;

    #[test]
    fn trials_revoke_evenly_over_the_life_of_the_credential() {
        let shares: Vec<f64> = (0..3).map(|k| fraction(k, 3) * 6.0).collect();
        assert_eq!(shares, [1.0, 3.0, 5.0]);
    }

    #[test]
    fn a_plain_jwt_lag_is_scaled_by_its_own_tokens_life() {
        let trial = |lag: f64, life: f64| RevocationTrial {
            event: "logout".into(),
            lag_ms: Some(lag),
            bound_ms: lag,
            granted_after: 1,
            lifetime_ms: Some(life),
            regranted: false,
        };
        let arm = RevocationArm {
            flow: "jwt-hs256".into(),
            label: "jwt-hs256 (1 min tokens)".into(),
            access_lifetime_min: Some(1),
            cache_ttl_ms: None,
            scale: 60.0,
            // Half of an 800 ms life is half of a minute, not 24 s.
            trials: vec![trial(400.0, 800.0)],
        };
        assert_eq!(arm.scaled_lags_ms(None), [30_000.0]);
    }

    #[test]
    fn lags_read_in_the_unit_that_suits_them() {
        assert_eq!(show_ms(0.123), "0.12 ms");
        assert_eq!(show_ms(850.0), "850 ms");
        assert_eq!(show_ms(4_200.0), "4.2 s");
        assert_eq!(show_ms(450_000.0), "7.5 min");
    }
}
