//! One request through each flow over loopback HTTP, servers started in-process (one
//! worker each), and the Redis round trip underneath the session flows:
//!
//! - `redis/get`, `redis/set`: one command on a real Redis (found as the tests find it:
//!   `REDIS_URL`, a `redis-server` on `PATH`, or a container);
//! - `hop/session-auth`: one HTTP round trip to the session auth server that does not touch
//!   Redis (`GET /healthz`), and `hop/introspect`: the whole introspection call the API
//!   server makes in the `session` flow (which includes the auth server's Redis call);
//! - `flow/<name>`: `GET /api/departments` with a logged-in credential (the baseline:
//!   `GET /public/departments` with none), one at a time on a keep-alive connection.
//!
//! These are single-request latencies with nothing else running; the experiments
//! (`workbench throughput`, `workbench latency`) measure the same flows under load.
//! Run: `cargo bench --bench flows`.

use std::time::Duration;

use authbench_core::Settings;
use authbench_core::settings::ApiMode;
use criterion::{Criterion, criterion_group, criterion_main};
use redis::AsyncCommands;
use secrecy::ExposeSecret;

struct Flows {
    client: reqwest::Client,
    /// (name, url, bearer credential)
    requests: Vec<(&'static str, String, Option<String>)>,
    redis_url: String,
    session_auth: String,
    session_id: String,
    introspection: (String, String),
    _redis: redis_locator::LocalRedis,
}

async fn start() -> Flows {
    let redis = redis_locator::locate().await.expect("a Redis for the benches");
    let mut settings = Settings::loopback(redis.url()).expect("settings");
    for listen in [
        &mut settings.session_auth,
        &mut settings.jwt_auth,
        &mut settings.api.listen,
    ] {
        listen.workers = Some(1);
    }
    let run = |server: authbench_core::server::RunningServer| {
        let url = server.url();
        tokio::spawn(server.run_until_stopped());
        url
    };
    let session_auth = run(session_auth::Application::build(&settings).expect("session auth server"));
    let jwt_auth = run(jwt_auth::Application::build(&settings).expect("JWT auth server"));
    settings.api.session_auth_url = session_auth.clone();

    let client = reqwest::Client::new();
    let login = |url: String, field: &'static str| {
        let client = client.clone();
        async move {
            let body: serde_json::Value = client
                .post(format!("{url}/login"))
                .json(&serde_json::json!({"username": "alice", "password": "alice-demo-password"}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("login answer");
            body[field].as_str().expect("a credential").to_string()
        }
    };
    let session_id = login(session_auth.clone(), "session_id").await;
    let access_token = login(jwt_auth.clone(), "access_token").await;

    let mut requests = Vec::new();
    for (name, mode, credential) in [
        ("baseline", ApiMode::Jwt, None),
        ("session", ApiMode::Session, Some(session_id.clone())),
        ("session-redis", ApiMode::SessionRedis, Some(session_id.clone())),
        ("jwt-hs256", ApiMode::Jwt, Some(access_token)),
    ] {
        let mut api_settings = settings.clone();
        api_settings.api.mode = mode;
        let api = run(api::Application::build(&api_settings).expect("API server"));
        let path = if credential.is_some() {
            "/api/departments"
        } else {
            "/public/departments"
        };
        requests.push((name, format!("{api}{path}"), credential));
    }
    Flows {
        client,
        requests,
        redis_url: redis.url().to_string(),
        introspection: (
            settings.introspection.client_id.clone(),
            settings
                .introspection_secret()
                .expect("secret")
                .expose_secret()
                .to_string(),
        ),
        session_auth,
        session_id,
        _redis: redis,
    }
}

fn flows(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let flows = rt.block_on(start());

    let redis = rt.block_on(async {
        let client = redis::Client::open(flows.redis_url.as_str()).expect("Redis URL");
        client
            .get_multiplexed_async_connection()
            .await
            .expect("Redis connection")
    });
    let mut group = c.benchmark_group("redis");
    group.bench_function("set", |b| {
        b.to_async(&rt).iter(|| {
            let mut conn = redis.clone();
            async move {
                let _: () = conn.set("authbench-bench-key", "value").await.expect("SET");
            }
        })
    });
    group.bench_function("get", |b| {
        b.to_async(&rt).iter(|| {
            let mut conn = redis.clone();
            async move {
                let _: Option<String> = conn.get("authbench-bench-key").await.expect("GET");
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("hop");
    let healthz = format!("{}/healthz", flows.session_auth);
    group.bench_function("session-auth", |b| {
        b.to_async(&rt).iter(|| async {
            let response = flows.client.get(&healthz).send().await.expect("an answer");
            response.bytes().await.expect("a body")
        })
    });
    let introspect = format!("{}/introspect", flows.session_auth);
    group.bench_function("introspect", |b| {
        b.to_async(&rt).iter(|| async {
            let (id, secret) = &flows.introspection;
            let response = flows
                .client
                .post(&introspect)
                .basic_auth(id, Some(secret))
                .form(&[("token", flows.session_id.as_str())])
                .send()
                .await
                .expect("an answer");
            assert_eq!(response.status(), 200);
            response.bytes().await.expect("a body")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("flow");
    group.measurement_time(Duration::from_secs(5));
    for (name, url, credential) in &flows.requests {
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async {
                let mut request = flows.client.get(url);
                if let Some(credential) = credential {
                    request = request.bearer_auth(credential);
                }
                let response = request.send().await.expect("an answer");
                assert_eq!(response.status(), 200, "{name}");
                response.bytes().await.expect("a body")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, flows);
criterion_main!(benches);
