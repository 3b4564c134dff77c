//! One arm: a flow with one token or cache lifetime, its servers, and its trials spread
//! over the credential's life.

use std::time::Duration;

use anyhow::Context;
use results::Flow;
use results::revocation::RevocationArm;

use super::servers::ArmSystem;
use super::trial::{Event, trial};

pub(super) async fn run_arm(
    redis_url: &str,
    flow: Flow,
    minutes: Option<u64>,
    minute: Duration,
    trials: u16,
    interval: Duration,
) -> anyhow::Result<RevocationArm> {
    let lifetime = match minutes {
        Some(m) => minute * m as u32,
        // Long enough that no token expires during a trial.
        None => Duration::from_secs(600),
    };
    let system = ArmSystem::start(redis_url, flow, lifetime)
        .await
        .with_context(|| format!("cannot start the servers of {flow}"))?;
    let cache_ttl = match flow {
        Flow::SessionCached(ms) => Some(Duration::from_millis(ms)),
        _ => None,
    };
    // The span t0 is spread over: the token's life, the cache's, or a short while.
    let span = match (minutes, cache_ttl) {
        (Some(_), _) => lifetime,
        (None, Some(ttl)) => ttl,
        _ => Duration::from_millis(300),
    };
    let trials = usize::from(trials);
    let logout = async {
        let mut out = Vec::new();
        for k in 0..trials {
            out.push(trial(&system, flow, Event::Logout, fraction(k, trials), interval, span).await?);
        }
        anyhow::Ok(out)
    };
    let roles = async {
        let mut out = Vec::new();
        for k in 0..trials {
            out.push(
                trial(
                    &system,
                    flow,
                    Event::RoleRemoved,
                    fraction(k, trials),
                    interval,
                    span,
                )
                .await?,
            );
            system.set_alice_roles(&["admin", "user"]).await?;
            // A token issued in the same second as the restoring cut-off would be refused
            // by the denylist; the next trial logs in after it.
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        anyhow::Ok(out)
    };
    let (logout, roles) = tokio::join!(logout, roles);
    let mut trials_done = logout?;
    trials_done.extend(roles?);
    system.stop().await;
    let label = match (flow, minutes, cache_ttl) {
        (Flow::Jwt(_), Some(m), _) => format!("{flow} ({m} min tokens)"),
        (_, _, Some(ttl)) if ttl.subsec_millis() == 0 => {
            format!("session-cached ({} s cache)", ttl.as_secs())
        }
        (_, _, Some(ttl)) => format!("session-cached ({} ms cache)", ttl.as_millis()),
        _ => flow.to_string(),
    };
    Ok(RevocationArm {
        flow: flow.to_string(),
        label,
        access_lifetime_min: minutes,
        cache_ttl_ms: cache_ttl.map(|t| t.as_millis() as u64),
        scale: if minutes.is_some() {
            60.0 / minute.as_secs_f64()
        } else {
            1.0
        },
        trials: trials_done,
    })
}

/// Trial `k` of `n` revokes at the middle of the k-th n-th of the credential's life.
pub(super) fn fraction(k: usize, n: usize) -> f64 {
    (k as f64 + 0.5) / n as f64
}
