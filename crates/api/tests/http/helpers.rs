//! A whole system for one test: Redis (behind a link proxy, or a Redis Cluster), a database
//! of its own in the test binary's PostgreSQL (behind a link proxy too), the session auth
//! server (behind another), the JWT auth server, and one API server per mode.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use authbench_core::Settings;
use authbench_core::settings::ApiMode;
use jwt_auth::keys::SigningKey;
use linkproxy::LinkProxy;
use redis_locator::{ClusterOptions, ClusterTopology, LocalRedis};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

pub const ADMIN: (&str, &str) = ("alice", "alice-demo-password");
pub const USER: (&str, &str) = ("bob", "bob-demo-password");

pub struct TestSystem {
    pub settings: Settings,
    pub client: reqwest::Client,
    pub session_auth: String,
    pub jwt_auth: String,
    api: HashMap<ApiMode, String>,
    /// Every Redis connection of a system on one Redis passes here.
    redis_link: Option<LinkProxy>,
    /// The API server's calls to the session auth server pass here.
    pub session_auth_link: LinkProxy,
    /// The API server's JWKS fetches from the JWT auth server pass here.
    pub jwt_auth_link: LinkProxy,
    /// The JWT auth server's signing key.
    pub jwt_key: SigningKey,
    handles: Vec<ServerHandle>,
    /// The store, stopped when the system is dropped.
    pub store: Store,
    /// The system's own database (users, roles, API keys), as its servers reach it.
    pub database: authbench_core::database::Database,
    /// Every connection to the database passes here.
    pub database_link: LinkProxy,
}

/// The PostgreSQL every system of this test binary gets a database in: found or started
/// once (`pg-locator`), stopped when the binary exits.
async fn postgres() -> &'static pg_locator::LocalPostgres {
    static POSTGRES: tokio::sync::OnceCell<pg_locator::LocalPostgres> = tokio::sync::OnceCell::const_new();
    POSTGRES
        .get_or_init(|| async {
            pg_locator::locate()
                .await
                .unwrap_or_else(|e| panic!("a PostgreSQL for the tests: {e}"))
        })
        .await
}

/// The Redis a test system runs on.
pub enum Store {
    /// Held so that the Redis runs as long as the system.
    Single(#[allow(dead_code)] LocalRedis),
    Cluster(ClusterTopology),
}

pub async fn spawn_system() -> TestSystem {
    spawn_system_with(|_| {}).await
}

pub async fn spawn_system_with(configure: impl FnOnce(&mut Settings)) -> TestSystem {
    authbench_core::telemetry::init("warn");
    let redis = redis_locator::locate()
        .await
        .unwrap_or_else(|e| panic!("a Redis for the tests: {e}"));
    let redis_link = LinkProxy::start(redis.socket_addr().await.unwrap())
        .await
        .unwrap();
    let settings = Settings::loopback(&format!("redis://{}", redis_link.addr())).unwrap();
    start_servers(settings, configure, Store::Single(redis), Some(redis_link)).await
}

/// A system whose every server uses a Redis Cluster of `shards` private processes.
pub async fn spawn_system_on_cluster(shards: usize) -> TestSystem {
    authbench_core::telemetry::init("warn");
    let path = redis_locator::find_on_path("redis-server").expect("this test needs redis-server on PATH");
    let cluster = ClusterTopology::start(
        &path,
        ClusterOptions {
            shards,
            ..ClusterOptions::default()
        },
    )
    .await
    .expect("a Redis Cluster starts");
    let mut settings = Settings::loopback("redis://127.0.0.1:1").unwrap();
    settings.redis.cluster = Some(authbench_core::settings::ClusterSettings {
        nodes: cluster.addresses(),
    });
    let system = start_servers(settings, |_| {}, Store::Cluster(cluster), None).await;
    let urls = [
        system.session_auth.clone(),
        system.jwt_auth.clone(),
        system.api(ApiMode::SessionRedis).to_string(),
        system.api(ApiMode::JwtDenylist).to_string(),
    ];
    let client = &system.client;
    let ready = eventually(Duration::from_secs(10), || async {
        for url in &urls {
            let answer = client.get(format!("{url}/readyz")).send().await;
            if !answer.is_ok_and(|r| r.status() == 200) {
                return false;
            }
        }
        true
    })
    .await;
    assert!(ready, "every server reached the cluster's shards");
    system
}

async fn start_servers(
    mut settings: Settings,
    configure: impl FnOnce(&mut Settings),
    store: Store,
    redis_link: Option<LinkProxy>,
) -> TestSystem {
    settings.dependency_timeout_ms = 500;
    // A database of the system's own, behind a link a test can cut.
    let postgres = postgres().await;
    let name = format!("authbench_test_{}", authbench_core::secret::random_id());
    let direct_url = postgres
        .create_database(&name)
        .await
        .expect("a database for the test");
    let database_link = LinkProxy::start(pg_socket_addr(&direct_url)).await.unwrap();
    let url = direct_url.replace(&pg_host_port(&direct_url), &database_link.addr().to_string());
    settings.database = Some(authbench_core::settings::DatabaseSettings {
        url: url.into(),
        pool_size: 4,
        password_file: None,
    });
    for listen in [
        &mut settings.session_auth,
        &mut settings.jwt_auth,
        &mut settings.api.listen,
    ] {
        listen.workers = Some(1);
    }
    configure(&mut settings);
    let database = authbench_core::database::Database::from_settings(&settings)
        .expect("database settings")
        .expect("a database");
    let directory = authbench_core::users::UserDirectory::load(&settings.users_file).unwrap();
    database
        .prepare(&directory)
        .await
        .expect("the schema and the demo users");

    let mut handles = Vec::new();
    let mut start = |server: authbench_core::server::RunningServer| {
        let url = server.url();
        handles.push(server.handle());
        tokio::spawn(server.run_until_stopped());
        url
    };
    let session_auth = start(session_auth::Application::build(&settings).expect("session auth server"));
    let session_auth_link = LinkProxy::start(session_auth.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap();
    settings.api.session_auth_url = format!("http://{}", session_auth_link.addr());

    let jwt_key = jwt_auth::startup::signing_key(&settings).expect("signing key");
    let jwt_auth =
        start(jwt_auth::Application::build_with_key(&settings, jwt_key.clone()).expect("JWT auth server"));
    let jwt_auth_link = LinkProxy::start(jwt_auth.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap();
    settings.jwt.jwks_url = format!("http://{}/.well-known/jwks.json", jwt_auth_link.addr());

    let mut api = HashMap::new();
    for mode in ApiMode::ALL {
        let mut api_settings = settings.clone();
        api_settings.api.mode = mode;
        api.insert(
            mode,
            start(api::Application::build(&api_settings).expect("API server")),
        );
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    TestSystem {
        settings,
        client,
        session_auth,
        jwt_auth,
        api,
        redis_link,
        session_auth_link,
        jwt_auth_link,
        jwt_key,
        handles,
        store,
        database,
        database_link,
    }
}

/// `host:port` of a `postgres://` URL.
fn pg_host_port(url: &str) -> String {
    let rest = url.split_once('@').map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or(rest).to_string()
}

fn pg_socket_addr(url: &str) -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    pg_host_port(url).to_socket_addrs().unwrap().next().unwrap()
}

impl Drop for TestSystem {
    fn drop(&mut self) {
        for handle in self.handles.drain(..) {
            tokio::spawn(async move { handle.stop(false).await });
        }
    }
}

impl TestSystem {
    pub fn api(&self, mode: ApiMode) -> &str {
        &self.api[&mode]
    }

    /// The proxy every Redis connection passes (systems on one Redis only).
    pub fn redis_link(&self) -> &LinkProxy {
        self.redis_link
            .as_ref()
            .expect("a system on one Redis: a cluster's nodes are reached directly")
    }

    /// A link to the system's store, as its servers make it, once it answers.
    pub async fn store_link(&self) -> authbench_core::redis_conn::RedisLink {
        let link = authbench_core::redis_conn::RedisLink::from_settings(
            &self.settings.redis,
            Duration::from_secs(1),
        )
        .unwrap();
        let up = eventually(Duration::from_secs(10), || async {
            link.ping(Duration::from_secs(1)).await.is_ok()
        })
        .await;
        assert!(up, "the store answers");
        link
    }

    /// Logs in at the session auth server and returns the session id.
    pub async fn session_of(&self, (username, password): (&str, &str)) -> String {
        let response = self
            .client
            .post(format!("{}/login", self.session_auth))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["session_id"].as_str().unwrap().to_string()
    }

    /// Logs in at the JWT auth server and returns the token answer.
    pub async fn tokens_of(&self, (username, password): (&str, &str)) -> Value {
        let response = self
            .client
            .post(format!("{}/login", self.jwt_auth))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// A credential for `mode`: a session id, an access token, or an API key.
    pub async fn credential(&self, mode: ApiMode, user: (&str, &str)) -> String {
        if mode.takes_session_ids() {
            self.session_of(user).await
        } else if mode == ApiMode::ApiKey {
            self.api_key_of(user).await["key"].as_str().unwrap().to_string()
        } else {
            self.access_token_of(user).await
        }
    }

    pub async fn access_token_of(&self, user: (&str, &str)) -> String {
        self.tokens_of(user).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Logs in at the JWT auth server and issues an API key with every role of the user;
    /// returns the answer.
    pub async fn api_key_of(&self, user: (&str, &str)) -> Value {
        let token = self.access_token_of(user).await;
        let response = self
            .client
            .post(format!("{}/api-keys", self.jwt_auth))
            .bearer_auth(token)
            .json(&json!({"name": "test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    pub async fn logout(&self, session_id: &str) {
        let response = self
            .client
            .post(format!("{}/logout", self.session_auth))
            .bearer_auth(session_id)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }

    pub async fn get(&self, mode: ApiMode, path: &str, bearer: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.api(mode)))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_anonymous(&self, mode: ApiMode, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.api(mode)))
            .send()
            .await
            .unwrap()
    }

    pub async fn create_department(&self, mode: ApiMode, bearer: &str, name: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/departments", self.api(mode)))
            .bearer_auth(bearer)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap()
    }

    /// Signs arbitrary claims with the system's HS256 secret and the given `typ`.
    pub fn forge_hs256(&self, typ: &str, claims: &Value) -> String {
        let secret = self.settings.jwt_secret().expect("the test secret");
        let secret = secret.expose_secret().as_bytes();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.typ = Some(typ.to_string());
        header.kid = Some(self.jwt_key.kid.clone());
        jsonwebtoken::encode(&header, claims, &jsonwebtoken::EncodingKey::from_secret(secret)).unwrap()
    }

    /// Valid access-token claims for `sub`, to be altered by a test.
    pub fn valid_claims(&self, sub: &str, roles: &[&str]) -> Value {
        let now = authbench_core::time::now_secs();
        json!({
            "iss": self.settings.jwt.issuer,
            "sub": sub,
            "aud": self.settings.jwt.audience,
            "exp": now + 300,
            "iat": now,
            "nbf": now,
            "jti": "test-jti",
            "client_id": "authbench-login",
            "roles": roles,
        })
    }
}

/// The status and the `WWW-Authenticate` header of a response.
pub fn status_and_challenge(response: &reqwest::Response) -> (u16, String) {
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), challenge)
}

/// Asserts a 401 with `error="invalid_token"`.
pub fn assert_invalid_token(response: &reqwest::Response, case: &str) {
    let (status, challenge) = status_and_challenge(response);
    assert_eq!(status, 401, "{case}");
    assert!(
        challenge.starts_with("Bearer realm=\"authbench\""),
        "{case}: {challenge}"
    );
    assert!(
        challenge.contains("error=\"invalid_token\""),
        "{case}: {challenge}"
    );
    assert!(challenge.contains("error_description=\""), "{case}: {challenge}");
}

pub use linkproxy::eventually;
