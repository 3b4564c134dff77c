//! `workbench demo <scenario>`: which scenario, narrated how, and running it.

use anyhow::Context;
use clap::ValueEnum;

use crate::narrator::{Lang, Narrator};
use crate::system::{DemoSystem, SHORT_LIFETIME_SECS, WEB_LIFETIME_SECS};
use crate::{scenarios, web};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Session process: login, the Redis key and its TTL, an API call and the
    /// introspection hop behind it, logout, the same call refused.
    Session,
    /// Self-contained token process: login, the token decoded, an API call verified
    /// locally, refresh.
    Jwt,
    /// One payload byte changed (user → admin) and one session id character changed.
    Tamper,
    /// Both credentials at and after their (shortened) lifetimes.
    Expiry,
    /// Logout in both flows: the session ends at once, the JWT lives until it expires.
    Revoke,
    /// Redis cut off: the session flow fails, the JWT flow keeps working.
    Outage,
    /// Both flows side by side: hops and timings over repeated calls.
    Compare,
    /// The teaching page in a browser: both architectures drawn, buttons that act on the
    /// running system and animate the hops they caused.
    Web,
}

/// What `workbench demo` is asked.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub scenario: Scenario,
    /// Wait for Enter before each step (on a terminal).
    pub step: bool,
    /// The narration's language.
    pub lang: Lang,
}

pub async fn run(args: Options) -> anyhow::Result<()> {
    let lifetime = match args.scenario {
        Scenario::Expiry | Scenario::Revoke => Some(SHORT_LIFETIME_SECS),
        Scenario::Web => Some(WEB_LIFETIME_SECS),
        _ => None,
    };
    // `compare` adds the seeds' third flow, the API key looked up in PostgreSQL, where one
    // can be found or started.
    let postgres = if args.scenario == Scenario::Compare {
        match pg_locator::locate().await {
            Ok(postgres) => Some(postgres),
            Err(e) => {
                eprintln!("note: the api-key flow is left out: {e}");
                None
            }
        }
    } else {
        None
    };
    let system = DemoSystem::start_with(lifetime, postgres).await?;
    if args.scenario == Scenario::Web {
        let system = std::sync::Arc::new(system);
        let (url, page) = web::start(system.clone())?;
        println!("teaching page: {url}   (Ctrl-C stops it)");
        tokio::select! {
            served = page => served.context("the teaching page stopped")?,
            _ = authbench_core::server::shutdown_signal() => {}
        }
        return Ok(());
    }
    let n = Narrator::new(args.lang, args.step);
    let outcome = match args.scenario {
        Scenario::Session => scenarios::session(&n, &system).await,
        Scenario::Jwt => scenarios::jwt(&n, &system).await,
        Scenario::Tamper => scenarios::tamper(&n, &system).await,
        Scenario::Expiry => scenarios::expiry(&n, &system).await,
        Scenario::Revoke => scenarios::revoke(&n, &system).await,
        Scenario::Outage => scenarios::outage(&n, &system).await,
        // The page returned above.
        Scenario::Compare | Scenario::Web => scenarios::compare(&n, &system).await,
    };
    system.cut_redis(false);
    system.servers.stop().await;
    outcome
}
