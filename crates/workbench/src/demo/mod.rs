//! `workbench demo <scenario>`: the design note's two processes, live in the terminal,
//! numbered as the note numbers them (Session: 1-6; Self-Contained Token: 1-4). Each step
//! shows the real HTTP exchange, who talked to whom and how long each hop took.
//!
//! The demo starts its own system in this process, like `workbench up`, with Redis behind
//! a link the `outage` scenario can cut, and with short lifetimes where a scenario waits
//! for something to expire.

mod narrator;
mod scenarios;

use std::time::Duration;

use anyhow::Context;
use authbench_core::Settings;
use clap::{Args, ValueEnum};

use crate::commands::up::{LoopbackSystem, Urls};
pub use narrator::Lang;
use narrator::Narrator;

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
}

#[derive(Args)]
pub struct DemoArgs {
    #[arg(value_enum)]
    scenario: Scenario,
    /// Wait for Enter before each step (on a terminal).
    #[arg(long)]
    step: bool,
    /// The narration's language: en, or ko (the design note's).
    #[arg(long, value_enum, default_value = "en")]
    lang: Lang,
}

/// Lifetimes of the `expiry` and `revoke` scenarios, short so that they run in seconds.
pub const SHORT_LIFETIME_SECS: u64 = 3;

/// The running system a scenario talks to.
pub struct DemoSystem {
    pub urls: Urls,
    pub settings: Settings,
    /// The link between every server and Redis.
    redis_link: linkproxy::LinkProxy,
    servers: LoopbackSystem,
    /// Held to keep a private Redis running.
    _redis: redis_locator::LocalRedis,
}

impl DemoSystem {
    async fn start(short_lifetimes: bool) -> anyhow::Result<DemoSystem> {
        let redis = redis_locator::locate()
            .await
            .context("the session flow needs Redis")?;
        let redis_link = linkproxy::LinkProxy::start(redis.socket_addr().await?).await?;
        let mut settings = Settings::loopback(&format!("redis://{}", redis_link.addr()))
            .context("failed to load settings")?;
        settings.redis.key_prefix = "authbench-demo".into();
        if short_lifetimes {
            settings.jwt.access_ttl_secs = SHORT_LIFETIME_SECS;
            settings.jwt.leeway_secs = 0;
            settings.session.idle_timeout_secs = SHORT_LIFETIME_SECS;
        }
        // The session auth server must be known before the API servers start.
        let session_auth_port = redis_locator::free_port()?;
        let jwt_auth_port = redis_locator::free_port()?;
        settings.session_auth.port = session_auth_port;
        settings.jwt_auth.port = jwt_auth_port;
        settings.api.session_auth_url = format!("http://127.0.0.1:{session_auth_port}");
        settings.jwt.issuer = format!("http://127.0.0.1:{jwt_auth_port}");
        settings.jwt.jwks_url = format!("{}/.well-known/jwks.json", settings.jwt.issuer);
        let servers = LoopbackSystem::start(&settings, [0, 0, 0])?;
        Ok(DemoSystem {
            urls: Urls {
                session_auth: servers.urls.session_auth.clone(),
                jwt_auth: servers.urls.jwt_auth.clone(),
                api: servers.urls.api.clone(),
            },
            settings,
            redis_link,
            servers,
            _redis: redis,
        })
    }

    /// Cuts the link to Redis (`true`) or lets it through again.
    pub fn cut_redis(&self, cut: bool) {
        self.redis_link.set_mode(if cut {
            linkproxy::Mode::Refuse
        } else {
            linkproxy::Mode::Pass
        });
    }

    /// A Redis connection of the demo's own, to show what the servers stored.
    pub async fn redis(&self) -> anyhow::Result<redis::aio::ConnectionManager> {
        Ok(authbench_core::redis_conn::connect(
            &self.settings.redis.url,
            Duration::from_secs(2),
        )?)
    }
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let short = matches!(args.scenario, Scenario::Expiry | Scenario::Revoke);
    let system = DemoSystem::start(short).await?;
    let n = Narrator::new(args.lang, args.step);
    let outcome = match args.scenario {
        Scenario::Session => scenarios::session(&n, &system).await,
        Scenario::Jwt => scenarios::jwt(&n, &system).await,
        Scenario::Tamper => scenarios::tamper(&n, &system).await,
        Scenario::Expiry => scenarios::expiry(&n, &system).await,
        Scenario::Revoke => scenarios::revoke(&n, &system).await,
        Scenario::Outage => scenarios::outage(&n, &system).await,
        Scenario::Compare => scenarios::compare(&n, &system).await,
    };
    system.cut_redis(false);
    system.servers.stop().await;
    outcome
}
