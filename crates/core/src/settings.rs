//! Typed, layered settings: `configuration/base.yaml`, then `configuration/<profile>.yaml`,
//! then `APP_`-prefixed environment variables with `__` between levels
//! (`APP_REDIS__URL`, `APP_JWT__SECRET`, `APP_API__MODE`).
//!
//! One file describes the whole system, because the servers must agree on shared values
//! (the JWT secret, issuer and audience; the introspection credential); each server reads
//! the sections it needs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use crate::flows::{ApiMode, IntrospectionHttp, SigningAlgorithm};

/// Which rules apply to secrets and cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Missing secrets are generated at start (and the log says so); cookies are not `Secure`.
    Dev,
    /// Missing or short secrets stop the server with a clear message.
    Production,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Production => "production",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dev" | "development" | "local" => Ok(Profile::Dev),
            "production" | "prod" => Ok(Profile::Production),
            other => Err(SettingsError::UnknownProfile(other.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown profile `{0}`: use `dev` or `production` (APP_PROFILE)")]
    UnknownProfile(String),
    #[error("no configuration folder found: set APP_CONFIG_DIR to the folder holding base.yaml")]
    NoConfigDir,
    #[error("invalid settings: {0}")]
    Invalid(#[from] config::ConfigError),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub profile: Profile,
    /// How long a server waits for Redis or another server before answering 503.
    pub dependency_timeout_ms: u64,
    pub redis: RedisSettings,
    /// The user directory file; a relative path is taken from the configuration folder.
    /// With a database, its users are added to the database at start and the database is
    /// the directory.
    pub users_file: PathBuf,
    /// PostgreSQL for the users, their roles and their API keys (`APP_DATABASE__URL`);
    /// none: the users file is the directory and the API-key flow is off.
    #[serde(default)]
    pub database: Option<DatabaseSettings>,
    pub cookies: CookieSettings,
    pub introspection: IntrospectionSettings,
    pub session: SessionSettings,
    pub jwt: JwtSettings,
    #[serde(default)]
    pub oauth: OAuthSettings,
    #[serde(default)]
    pub login_limits: LoginLimitSettings,
    pub session_auth: ListenSettings,
    pub jwt_auth: ListenSettings,
    pub api: ApiSettings,
}

/// Its `Debug` hides the password in `url`, so the settings can be logged.
#[derive(Clone, Deserialize)]
pub struct RedisSettings {
    pub url: String,
    /// Prefix of every key this system writes, so that several systems (or tests) can
    /// share one Redis.
    pub key_prefix: String,
    /// Find the primary through Sentinel instead of at `url` (whose password and database
    /// still apply, to the sentinels too).
    #[serde(default)]
    pub sentinel: Option<SentinelSettings>,
    /// Use the shards of a Redis Cluster instead of one server at `url` (whose password
    /// still applies).
    #[serde(default)]
    pub cluster: Option<ClusterSettings>,
    /// What the writes that matter wait for before they are acknowledged.
    #[serde(default)]
    pub durability: DurabilitySettings,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &redacted_url(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("sentinel", &self.sentinel)
            .field("cluster", &self.cluster)
            .field("durability", &self.durability)
            .finish()
    }
}

/// The user database. Its `Debug` shows no password.
#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `postgres://user:password@host:port/database`.
    pub url: SecretString,
    /// Connections each server keeps open to it.
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// A file holding the password (a container secret, `/run/secrets/...`), used instead
    /// of one in `url`, which then need not name any.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
}

fn default_pool_size() -> usize {
    crate::database::DEFAULT_POOL_SIZE
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redacted_url(self.url.expose_secret()))
            .field("pool_size", &self.pool_size)
            .field("password_file", &self.password_file)
            .finish()
    }
}

/// A Redis or PostgreSQL URL with its password replaced by `***`, for messages and logs:
/// `redis://user:secret@host:6379/0` as `redis://user:***@host:6379/0`; a URL without
/// credentials as it is.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        // `user:password@`, or a lone `secret@` (read as a password by some clients).
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => format!("{scheme}://***{}", &rest[at..]),
        },
        None => url.to_string(),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SentinelSettings {
    /// The name the sentinels know the primary by (`sentinel monitor <name> ...`).
    pub master_name: String,
    /// `host:port` of each sentinel; in an environment variable, separated by commas
    /// (`APP_REDIS__SENTINEL__ADDRESSES=s1:26379,s2:26379,s3:26379`).
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClusterSettings {
    /// `host:port` of one or more nodes of the cluster (the others are found from them);
    /// in an environment variable, separated by commas
    /// (`APP_REDIS__CLUSTER__NODES=r1:7000,r2:7000,r3:7000`).
    pub nodes: Vec<String>,
}

/// `WAIT` after the writes that matter: a new session, a logout, a revoked token or
/// refresh-token family, a denylist entry, a role change.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct DurabilitySettings {
    /// Replicas that must confirm such a write before it is acknowledged; 0 = none.
    #[serde(default)]
    pub wait_replicas: u32,
    #[serde(default = "default_wait_timeout_ms")]
    pub wait_timeout_ms: u64,
}

fn default_wait_timeout_ms() -> u64 {
    500
}

impl Default for DurabilitySettings {
    fn default() -> Self {
        DurabilitySettings {
            wait_replicas: 0,
            wait_timeout_ms: default_wait_timeout_ms(),
        }
    }
}

impl DurabilitySettings {
    pub fn durability(&self) -> crate::redis_conn::Durability {
        crate::redis_conn::Durability {
            wait_replicas: self.wait_replicas,
            wait_timeout: Duration::from_millis(self.wait_timeout_ms),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CookieSettings {
    pub secure: bool,
    pub session_name: String,
    pub token_name: String,
    /// Origins (`scheme://host[:port]`) besides a server's own whose pages may send
    /// state-changing requests with a cookie (see `csrf`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

impl CookieSettings {
    /// The session cookie's name: with the `__Host-` prefix when `Secure`, so a browser
    /// takes it only from this host, over HTTPS, for the whole path.
    pub fn session_cookie(&self) -> String {
        self.prefixed(&self.session_name)
    }

    /// The access-token cookie's name, prefixed the same way.
    pub fn token_cookie(&self) -> String {
        self.prefixed(&self.token_name)
    }

    fn prefixed(&self, name: &str) -> String {
        if self.secure && !name.starts_with("__Host-") {
            format!("__Host-{name}")
        } else {
            name.to_string()
        }
    }

    pub fn csrf_policy(&self) -> crate::csrf::CsrfPolicy {
        crate::csrf::CsrfPolicy {
            allowed_origins: self.allowed_origins.clone(),
        }
    }
}

/// The credential the API server presents to the session auth server's `/introspect`.
#[derive(Debug, Clone, Deserialize)]
pub struct IntrospectionSettings {
    pub client_id: String,
    pub client_secret: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionSettings {
    /// A session unused for this long ends.
    pub idle_timeout_secs: u64,
    /// A session ends this long after login, however busy.
    pub absolute_lifetime_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JwtSettings {
    pub algorithm: SigningAlgorithm,
    /// The HMAC secret (HS256). At least 32 bytes outside the dev profile.
    pub secret: Option<SecretString>,
    /// PEM private key for EdDSA, ES256 or RS256 (PKCS#8, or PKCS#1 for RSA). Generated
    /// at start in the dev profile when absent.
    pub private_key_file: Option<PathBuf>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Where the API server fetches public keys for asymmetric algorithms.
    pub jwks_url: String,
    /// The API server re-fetches the JWKS on an unknown `kid` at most this often.
    pub jwks_refetch_min_interval_secs: u64,
    /// How long the API server uses a fetched JWKS before fetching it again (its max-age),
    /// so that a retired key stops being accepted without a restart.
    #[serde(default = "default_jwks_max_age_secs")]
    pub jwks_max_age_secs: u64,
    /// Keys that signed before the active one (key rotation). Each is still accepted, and
    /// published in the JWKS, for `key_grace_secs` after it was retired.
    #[serde(default)]
    pub previous_keys: Vec<PreviousKey>,
    /// How long a retired key stays accepted; by default the refresh-token lifetime plus
    /// the leeway, the longest any token it signed can live.
    #[serde(default)]
    pub key_grace_secs: Option<u64>,
}

fn default_jwks_max_age_secs() -> u64 {
    300
}

/// A key that no longer signs: the HMAC secret (HS256) or the PEM private key file
/// (EdDSA, ES256, RS256: the same algorithm as the active key), and when it was retired.
#[derive(Debug, Clone, Deserialize)]
pub struct PreviousKey {
    pub secret: Option<SecretString>,
    pub private_key_file: Option<PathBuf>,
    /// Seconds since the Unix epoch.
    pub retired_at: u64,
}

impl JwtSettings {
    /// How long a retired key stays accepted.
    pub fn key_grace(&self) -> Duration {
        Duration::from_secs(
            self.key_grace_secs
                .unwrap_or(self.refresh_ttl_secs + self.leeway_secs),
        )
    }

    /// The moment until which a key retired at `retired_at` is accepted.
    pub fn accepted_until(&self, retired_at: u64) -> u64 {
        retired_at.saturating_add(self.key_grace().as_secs())
    }
}

/// Failed logins allowed per window before a login answers 429 (both auth servers, and
/// the password grant of the token endpoint).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct LoginLimitSettings {
    pub max_failures_per_user: u32,
    pub max_failures_per_address: u32,
    /// The window starts at its first failure.
    pub window_secs: u64,
}

impl Default for LoginLimitSettings {
    fn default() -> Self {
        LoginLimitSettings {
            max_failures_per_user: 5,
            max_failures_per_address: 20,
            window_secs: 300,
        }
    }
}

/// The JWT auth server's OAuth 2.0 token endpoint (RFC 6749).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OAuthSettings {
    /// Registered third-party clients. The first-party login client (`authbench-login`,
    /// public: no secret) is always there.
    #[serde(default)]
    pub clients: Vec<OAuthClient>,
}

/// A registered client. Its secret is kept only as an argon2id hash (PHC string).
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthClient {
    pub client_id: String,
    pub secret_hash: String,
    /// Scopes the client may ask for; all of them when it asks for none.
    pub scopes: Vec<String>,
    /// `client_credentials`, `password`, `refresh_token`.
    pub grant_types: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListenSettings {
    pub host: String,
    pub port: u16,
    /// Worker threads; by default one per CPU core.
    pub workers: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiSettings {
    #[serde(flatten)]
    pub listen: ListenSettings,
    pub mode: ApiMode,
    /// Base URL of the session auth server (modes `session` and `session-cached`).
    pub session_auth_url: String,
    /// How long a `session-cached` API server keeps a positive introspection answer.
    #[serde(default = "default_cache_ttl_ms")]
    pub introspection_cache_ttl_ms: u64,
    /// `http1` (default) or `http2` (h2c) on the introspection hop (modes `session` and
    /// `session-cached`).
    #[serde(default)]
    pub introspection_http: IntrospectionHttp,
}

fn default_cache_ttl_ms() -> u64 {
    1000
}

impl Settings {
    /// Loads the settings for the profile named by `APP_PROFILE` (default `production`).
    pub fn load() -> Result<Settings, SettingsError> {
        let profile = match std::env::var("APP_PROFILE") {
            Ok(p) => p.parse()?,
            Err(_) => Profile::Production,
        };
        Self::load_profile(profile)
    }

    /// Loads the settings for a given profile; environment variables still apply.
    pub fn load_profile(profile: Profile) -> Result<Settings, SettingsError> {
        let dir = config_dir().ok_or(SettingsError::NoConfigDir)?;
        let mut settings: Settings = config::Config::builder()
            .add_source(config::File::from(dir.join("base.yaml")))
            .add_source(config::File::from(dir.join(format!("{}.yaml", profile.as_str()))).required(false))
            .set_override("profile", profile.as_str())?
            .add_source(
                config::Environment::with_prefix("APP")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("redis.sentinel.addresses")
                    .with_list_parse_key("redis.cluster.nodes"),
            )
            .build()?
            .try_deserialize()?;
        if settings.users_file.is_relative() {
            settings.users_file = dir.join(&settings.users_file);
        }
        Ok(settings)
    }

    /// Settings for a whole system on loopback, as the workbench and the tests start it:
    /// the dev profile, free ports, fresh random secrets shared by the servers of this
    /// process, and a random Redis key prefix, so that systems sharing one Redis never
    /// see each other's sessions.
    pub fn loopback(redis_url: &str) -> Result<Settings, SettingsError> {
        let mut settings = Self::load_profile(Profile::Dev)?;
        settings.redis.url = redis_url.to_string();
        settings.redis.key_prefix = format!("authbench-{}", crate::secret::random_id());
        settings.introspection.client_secret = Some(crate::secret::random_secret());
        settings.jwt.secret = Some(crate::secret::random_secret());
        for listen in [
            &mut settings.session_auth,
            &mut settings.jwt_auth,
            &mut settings.api.listen,
        ] {
            listen.host = "127.0.0.1".into();
            listen.port = 0;
        }
        Ok(settings)
    }

    /// The HS256 secret, by the rules of [`crate::secret::require`].
    pub fn jwt_secret(&self) -> Result<SecretString, crate::secret::SecretError> {
        crate::secret::require(
            "jwt.secret",
            "APP_JWT__SECRET",
            self.jwt.secret.as_ref(),
            self.profile,
        )
    }

    /// The introspection credential's secret, by the same rules.
    pub fn introspection_secret(&self) -> Result<SecretString, crate::secret::SecretError> {
        crate::secret::require(
            "introspection.client_secret",
            "APP_INTROSPECTION__CLIENT_SECRET",
            self.introspection.client_secret.as_ref(),
            self.profile,
        )
    }

    pub fn dependency_timeout(&self) -> Duration {
        Duration::from_millis(self.dependency_timeout_ms)
    }
}

/// The configuration folder: `APP_CONFIG_DIR`, else `./configuration`, else the one in
/// this source tree (so `cargo test` works from any crate's folder).
pub fn config_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("APP_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    let candidates = [
        PathBuf::from("configuration"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configuration"),
    ];
    candidates.into_iter().find(|d| d.join("base.yaml").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Environment variables are process-wide; these tests only read ones no other test
    // sets, and set them for a child process, never for this one.

    #[test]
    fn a_redis_url_loses_its_password_in_messages() {
        assert_eq!(
            redacted_url("redis://:hunter2@redis:6379/0"),
            "redis://:***@redis:6379/0"
        );
        assert_eq!(
            redacted_url("redis://app:hunter2@redis:6379"),
            "redis://app:***@redis:6379"
        );
        assert_eq!(redacted_url("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[test]
    fn the_base_settings_load_with_the_documented_defaults() {
        let settings = Settings::load_profile(Profile::Production).unwrap();
        assert_eq!(settings.session.idle_timeout_secs, 30 * 60);
        assert_eq!(settings.session.absolute_lifetime_secs, 8 * 3600);
        assert_eq!(settings.jwt.access_ttl_secs, 5 * 60);
        assert_eq!(settings.jwt.refresh_ttl_secs, 24 * 3600);
        assert_eq!(settings.jwt.leeway_secs, 30);
        assert_eq!(settings.dependency_timeout(), Duration::from_secs(1));
        assert_eq!(settings.jwt.algorithm, SigningAlgorithm::HS256);
        assert!(settings.cookies.secure);
        assert!(settings.users_file.is_absolute() || settings.users_file.exists());
    }

    #[test]
    fn the_redis_password_never_shows_in_the_settings_debug_output() {
        let mut settings = Settings::load_profile(Profile::Production).unwrap();
        settings.redis.url = "redis://app:hunter2-secret@redis.internal:6379/0".into();
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("redis://app:***@redis.internal:6379/0"), "{shown}");
        assert_eq!(redacted_url("redis://:pw@h:1"), "redis://:***@h:1");
        assert_eq!(redacted_url("redis://pw@h:1/2"), "redis://***@h:1/2");
        assert_eq!(redacted_url("redis://h:6379/0"), "redis://h:6379/0");
        assert_eq!(redacted_url("unix:///run/redis.sock"), "unix:///run/redis.sock");
        // An '@' in the path is not a credential.
        assert_eq!(redacted_url("redis://h:1/a@b"), "redis://h:1/a@b");
    }

    #[test]
    fn the_dev_profile_turns_secure_cookies_off() {
        let settings = Settings::load_profile(Profile::Dev).unwrap();
        assert_eq!(settings.profile, Profile::Dev);
        assert!(!settings.cookies.secure);
    }

    #[test]
    fn app_variables_override_the_files() {
        // Run this test binary again, filtered to the probe below, with the variables set.
        let exe = std::env::current_exe().unwrap();
        let output = std::process::Command::new(exe)
            .args([
                "--exact",
                "settings::tests::probe_overrides",
                "--nocapture",
                "--include-ignored",
            ])
            .env("APP_API__MODE", "jwt")
            .env("APP_SESSION__IDLE_TIMEOUT_SECS", "7")
            .env("APP_JWT__ALGORITHM", "ES256")
            .env("APP_REDIS__SENTINEL__MASTER_NAME", "store")
            .env("APP_REDIS__SENTINEL__ADDRESSES", "s1:26379,s2:26379,s3:26379")
            .env("APP_REDIS__DURABILITY__WAIT_REPLICAS", "1")
            .env("APP_REDIS__CLUSTER__NODES", "r1:7000,r2:7001")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("probe: jwt 7 ES256"), "{stdout}");
        assert!(
            stdout.contains("sentinel store [\"s1:26379\", \"s2:26379\", \"s3:26379\"] wait 1"),
            "{stdout}"
        );
        assert!(stdout.contains("cluster [\"r1:7000\", \"r2:7001\"]"), "{stdout}");
    }

    #[test]
    #[ignore = "run by app_variables_override_the_files in a child process"]
    fn probe_overrides() {
        let s = Settings::load_profile(Profile::Production).unwrap();
        println!(
            "probe: {} {} {}",
            s.api.mode, s.session.idle_timeout_secs, s.jwt.algorithm
        );
        if let Some(sentinel) = &s.redis.sentinel {
            println!(
                "sentinel {} {:?} wait {}",
                sentinel.master_name, sentinel.addresses, s.redis.durability.wait_replicas
            );
        }
        if let Some(cluster) = &s.redis.cluster {
            println!("cluster {:?}", cluster.nodes);
        }
    }

    #[test]
    fn printing_the_settings_never_shows_a_secret() {
        let settings = Settings::loopback("redis://127.0.0.1:1").unwrap();
        use secrecy::ExposeSecret;
        let jwt = settings.jwt.secret.as_ref().unwrap().expose_secret().to_string();
        let introspection = settings
            .introspection
            .client_secret
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_string();

        let printed = format!("{settings:?}");

        assert!(!printed.contains(&jwt) && !printed.contains(&introspection));
        assert!(printed.contains("REDACTED"), "{printed}");
    }

    #[test]
    fn an_unknown_profile_is_refused_with_the_choices() {
        let err = "staging".parse::<Profile>().unwrap_err();
        assert!(err.to_string().contains("dev"), "{err}");
    }
}
