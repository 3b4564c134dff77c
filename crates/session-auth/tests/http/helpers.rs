//! Starting a session auth server for one test, with its own Redis key prefix and a link
//! proxy between it and Redis, so a test can cut Redis off without touching it.

use std::time::Duration;

use actix_web::dev::ServerHandle;
use authbench_core::Settings;
use linkproxy::LinkProxy;
use redis_locator::LocalRedis;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// A session auth server of one test and an HTTP client for it.
pub struct Server {
    pub address: String,
    pub settings: Settings,
    pub client: reqwest::Client,
    handle: ServerHandle,
}

/// A server whose Redis is a private one behind a link proxy.
pub struct TestApp {
    server: Server,
    pub redis_link: LinkProxy,
    pub redis: redis::aio::MultiplexedConnection,
    _redis: LocalRedis,
}

impl std::ops::Deref for TestApp {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

pub const ADMIN: (&str, &str) = ("alice", "alice-demo-password");
pub const USER: (&str, &str) = ("bob", "bob-demo-password");

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    authbench_core::telemetry::init("warn");
    let local = redis_locator::locate()
        .await
        .unwrap_or_else(|e| panic!("a Redis for the tests: {e}"));
    let redis_link = LinkProxy::start(local.socket_addr().await.expect("Redis address"))
        .await
        .expect("link proxy");
    let mut settings = Settings::loopback(&format!("redis://{}", redis_link.addr())).expect("settings");
    settings.session_auth.workers = Some(1);
    settings.dependency_timeout_ms = 500;
    configure(&mut settings);
    let server = Server::start(settings);
    let redis = redis::Client::open(local.url())
        .expect("Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a direct Redis connection");
    TestApp {
        server,
        redis_link,
        redis,
        _redis: local,
    }
}

impl Server {
    /// Starts a session auth server with these settings (call inside a tokio runtime).
    pub fn start(settings: Settings) -> Server {
        let server = session_auth::Application::build(&settings).expect("the session auth server starts");
        let address = server.url();
        let handle = server.handle();
        tokio::spawn(server.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        Server {
            address,
            settings,
            client,
            handle,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

impl Server {
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/login", self.address))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// Logs in and returns the session id.
    pub async fn session_of(&self, (username, password): (&str, &str)) -> String {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["session_id"].as_str().unwrap().to_string()
    }

    pub async fn logout(&self, session_id: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/logout", self.address))
            .bearer_auth(session_id)
            .send()
            .await
            .expect("logout request")
    }

    /// Introspects a token with the configured service credential.
    pub async fn introspect(&self, token: &str) -> reqwest::Response {
        self.introspect_form(&[("token", token)]).await
    }

    /// Posts any form to `/introspect` with the configured service credential.
    pub async fn introspect_form(&self, form: &[(&str, &str)]) -> reqwest::Response {
        let secret = self.settings.introspection_secret().expect("the test secret");
        self.client
            .post(format!("{}/introspect", self.address))
            .basic_auth(
                &self.settings.introspection.client_id,
                Some(secret.expose_secret()),
            )
            .form(form)
            .send()
            .await
            .expect("introspect request")
    }

    pub async fn introspection_of(&self, token: &str) -> Value {
        let response = self.introspect(token).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}

impl TestApp {
    /// Number of session keys this app's prefix holds in Redis.
    pub async fn sessions_in_redis(&self) -> usize {
        let pattern = format!("{}:session:*", self.settings.redis.key_prefix);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(pattern)
            .query_async(&mut self.redis.clone())
            .await
            .unwrap();
        keys.len()
    }
}

pub use linkproxy::eventually;
