//! The system a demo talks to: both architectures in this process, with Redis behind a
//! link the `outage` scenario can cut, and short lifetimes where a scenario waits for
//! something to expire.

use std::time::Duration;

use anyhow::Context;
use authbench_core::Settings;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use harness::loopback::{LoopbackSystem, Urls};

/// Lifetimes of the `expiry` and `revoke` scenarios, short so that they run in seconds.
pub const SHORT_LIFETIME_SECS: u64 = 3;

/// Lifetimes on the teaching page: long enough to click through, short enough to wait out.
pub const WEB_LIFETIME_SECS: u64 = 15;

/// The running system a scenario talks to.
pub struct DemoSystem {
    pub settings: Settings,
    /// The link between every server and Redis.
    redis_link: linkproxy::LinkProxy,
    pub(crate) servers: LoopbackSystem,
    /// Held to keep a private Redis running, when the demo started one (in a mutex only
    /// so that the teaching page can share the system between threads).
    _redis: Option<std::sync::Mutex<redis_locator::LocalRedis>>,
    /// Held to keep a private PostgreSQL running, for the `api-key` flow of `compare`.
    _postgres: Option<pg_locator::LocalPostgres>,
}

impl DemoSystem {
    /// Starts the system; `lifetime_secs` shortens the access token's lifetime and the
    /// session's idle timeout (with no leeway) when given. With the user database
    /// `postgres` (a database of the demo's own is made there), the `api-key` and
    /// `jwt-userdb` API servers run too.
    pub(crate) async fn start_with(
        lifetime_secs: Option<u64>,
        postgres: Option<pg_locator::LocalPostgres>,
    ) -> anyhow::Result<DemoSystem> {
        let redis = redis_locator::locate()
            .await
            .context("the session flow needs Redis")?;
        let database = match &postgres {
            Some(postgres) => Some(demo_database(postgres).await?),
            None => None,
        };
        let mut system = DemoSystem::start_on(redis.socket_addr().await?, lifetime_secs, database).await?;
        system._redis = Some(std::sync::Mutex::new(redis));
        system._postgres = postgres;
        Ok(system)
    }

    /// Starts the system on a Redis that is already running (`up` shares its own), and with
    /// the user database at `database` (a URL) when given.
    pub async fn start_on(
        redis: std::net::SocketAddr,
        lifetime_secs: Option<u64>,
        database: Option<String>,
    ) -> anyhow::Result<DemoSystem> {
        let redis_link = linkproxy::LinkProxy::start(redis).await?;
        let mut settings = Settings::loopback(&format!("redis://{}", redis_link.addr()))
            .context("failed to load settings")?;
        settings.database = database.map(|url| authbench_core::settings::DatabaseSettings {
            url: url.into(),
            pool_size: 4,
            password_file: None,
        });
        settings.redis.key_prefix = "authbench-demo".into();
        if let Some(secs) = lifetime_secs {
            settings.jwt.access_ttl_secs = secs;
            settings.jwt.leeway_secs = 0;
            settings.session.idle_timeout_secs = secs;
        }
        // The session auth server must be known before the API servers start.
        let session_auth_port = redis_locator::free_port()?;
        let jwt_auth_port = redis_locator::free_port()?;
        settings.session_auth.port = session_auth_port;
        settings.jwt_auth.port = jwt_auth_port;
        settings.api.session_auth_url = format!("http://127.0.0.1:{session_auth_port}");
        settings.jwt.issuer = format!("http://127.0.0.1:{jwt_auth_port}");
        settings.jwt.jwks_url = format!("{}/.well-known/jwks.json", settings.jwt.issuer);
        let servers = LoopbackSystem::start(&settings, &[])?;
        Ok(DemoSystem {
            settings,
            redis_link,
            servers,
            _redis: None,
            _postgres: None,
        })
    }

    /// `true` when the `api-key` and `jwt-userdb` API servers run.
    pub fn has_database(&self) -> bool {
        self.settings.database.is_some()
    }

    /// Where each server of the demo listens.
    pub fn urls(&self) -> &Urls {
        &self.servers.urls
    }

    /// Cuts the link to Redis (`true`) or lets it through again.
    pub fn cut_redis(&self, cut: bool) {
        self.redis_link.set_mode(if cut {
            linkproxy::Mode::Refuse
        } else {
            linkproxy::Mode::Pass
        });
    }

    pub fn redis_is_cut(&self) -> bool {
        self.redis_link.mode() != linkproxy::Mode::Pass
    }

    /// A Redis connection of the demo's own, to show what the servers stored.
    pub async fn redis(&self) -> anyhow::Result<redis::aio::ConnectionManager> {
        Ok(authbench_core::redis_conn::connect(
            &self.settings.redis.url,
            Duration::from_secs(2),
        )?)
    }
}

/// A database of the demo's own on `postgres`, migrated and seeded with the demo users.
async fn demo_database(postgres: &pg_locator::LocalPostgres) -> anyhow::Result<String> {
    let name = format!("authbench_demo_{}", authbench_core::secret::random_id());
    let url = postgres.create_database(&name).await?;
    let settings = Settings::load_profile(authbench_core::Profile::Dev)?;
    let directory = authbench_core::users::UserDirectory::load(&settings.users_file)?;
    authbench_core::database::Database::new(&url.clone().into(), 1, Duration::from_secs(10))?
        .prepare(&directory)
        .await?;
    Ok(url)
}

/// A credential with one change: in a JWT's payload "user" becomes "admin" (the signature
/// is kept); in a session id, the first character changes.
pub fn tampered(credential: &str) -> String {
    let parts: Vec<&str> = credential.split('.').collect();
    if let [header, payload, signature] = parts.as_slice()
        && let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload)
    {
        let text = String::from_utf8_lossy(&bytes).replace("\"user\"", "\"admin\"");
        return format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(text));
    }
    let mut chars: Vec<char> = credential.chars().collect();
    if let Some(first) = chars.first_mut() {
        *first = if *first == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}
