//! Starting a JWT auth server for one test.

use std::time::Duration;

use actix_web::dev::ServerHandle;
use authbench_core::Settings;
use authbench_core::settings::SigningAlgorithm;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use redis_locator::LocalRedis;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

pub const ADMIN: (&str, &str) = ("alice", "alice-demo-password");
pub const USER: (&str, &str) = ("bob", "bob-demo-password");

pub struct TestApp {
    pub address: String,
    pub settings: Settings,
    pub client: reqwest::Client,
    handle: ServerHandle,
    _redis: LocalRedis,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    authbench_core::telemetry::init("warn");
    // A login writes nothing; Redis holds refresh-token families, the denylist and role
    // changes. Each test has its own key prefix.
    let redis = redis_locator::locate()
        .await
        .unwrap_or_else(|e| panic!("a Redis for the tests: {e}"));
    let mut settings = Settings::loopback(redis.url()).expect("settings");
    settings.jwt_auth.workers = Some(1);
    configure(&mut settings);
    let server = jwt_auth::Application::build(&settings).expect("the JWT auth server starts");
    let address = server.url();
    let handle = server.handle();
    tokio::spawn(server.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    TestApp {
        address,
        settings,
        client,
        handle,
        _redis: redis,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

impl TestApp {
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/login", self.address))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Logs in and returns the token answer.
    pub async fn tokens_of(&self, (username, password): (&str, &str)) -> Value {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/refresh", self.address))
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
            .unwrap()
    }

    /// `POST path` with a form body and, when given, HTTP Basic client authentication.
    pub async fn form(
        &self,
        path: &str,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.client.post(format!("{}{path}", self.address)).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        request.send().await.unwrap()
    }

    /// A password grant for the first-party client; returns the token answer.
    pub async fn password_grant(&self, (username, password): (&str, &str)) -> Value {
        let response = self
            .form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", "authbench-login"),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// A refresh-token grant for the first-party client.
    pub async fn rotate(&self, refresh_token: &str) -> reqwest::Response {
        self.form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "authbench-login"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// Introspection with the API server's service credential.
    pub async fn introspect(&self, token: &str) -> Value {
        let secret = self.settings.introspection_secret().unwrap();
        let response = self
            .form(
                "/oauth/introspect",
                Some((&self.settings.introspection.client_id, secret.expose_secret())),
                &[("token", token)],
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn jwks(&self) -> Value {
        self.client
            .get(format!("{}/.well-known/jwks.json", self.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Verifies an HS256 token with the shared secret and returns its claims.
    pub fn hs256_claims(&self, token: &str, audience: &str) -> Value {
        let secret = self.settings.jwt_secret().expect("the test secret");
        let secret = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.settings.jwt.issuer]);
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_secret(secret), &validation)
            .expect("a valid token")
            .claims
    }
}

pub fn with_algorithm(alg: SigningAlgorithm) -> impl FnOnce(&mut Settings) {
    move |s| s.jwt.algorithm = alg
}
