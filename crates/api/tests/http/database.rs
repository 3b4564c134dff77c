//! The flows that read the user database on every request: `api-key` (seed 004) and
//! `jwt-userdb` (the simplejwt shape), against a real PostgreSQL.

use std::time::{Duration, Instant};

use authbench_core::settings::ApiMode;
use linkproxy::Mode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, TestSystem, USER, assert_invalid_token, eventually, spawn_system, spawn_system_with,
};

async fn issue(system: &TestSystem, token: &str, body: Value) -> reqwest::Response {
    system
        .client
        .post(format!("{}/api-keys", system.jwt_auth))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn list(system: &TestSystem, token: &str) -> Value {
    let response = system
        .client
        .get(format!("{}/api-keys", system.jwt_auth))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn delete(system: &TestSystem, token: &str, id: &Value) -> u16 {
    system
        .client
        .delete(format!("{}/api-keys/{id}", system.jwt_auth))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The system's database, straight (not through the servers' pool).
async fn sql(system: &TestSystem) -> tokio_postgres::Client {
    let url = system.settings.database.as_ref().unwrap().url.clone();
    pg_locator::connect(secrecy::ExposeSecret::expose_secret(&url))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_issues_lists_uses_and_revokes_an_api_key_and_the_revocation_takes_effect_at_once() {
    let system = spawn_system().await;
    let token = system.access_token_of(USER).await;

    let response = issue(&system, &token, json!({"name": "build bot"})).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let issued: Value = response.json().await.unwrap();
    let key = issued["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("abk_") && key.len() == 47, "{key}");
    assert_eq!(issued["scopes"], json!(["user"]));

    let me: Value = system
        .get(ApiMode::ApiKey, "/api/me", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], "bob");

    // The listing never shows the key, only its first characters.
    let listing = list(&system, &token).await;
    let text = listing.to_string();
    assert!(!text.contains(&key[4..]), "the listing leaks the key: {text}");
    assert_eq!(listing["keys"][0]["hint"], key[..8]);
    // Only its SHA-256 is stored.
    let stored: Vec<u8> = sql(&system)
        .await
        .query_one(
            "SELECT key_hash FROM api_keys WHERE id = $1",
            &[&issued["id"].as_i64().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, authbench_core::database::api_keys::key_hash(&key));

    // Another user cannot revoke it.
    let other = system.access_token_of(ADMIN).await;
    assert_eq!(delete(&system, &other, &issued["id"]).await, 404);
    assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);

    assert_eq!(delete(&system, &token, &issued["id"]).await, 204);
    let refused = system.get(ApiMode::ApiKey, "/api/me", &key).await;
    assert_invalid_token(&refused, "a revoked key, the next request");
    assert!(list(&system, &token).await["keys"][0]["revoked_at_ms"].is_i64());
    assert_eq!(delete(&system, &token, &issued["id"]).await, 404, "revoked twice");
}

#[tokio::test]
async fn a_key_carries_the_scopes_asked_for_and_no_role_its_user_lacks() {
    let system = spawn_system().await;
    let admin = system.access_token_of(ADMIN).await;
    let narrow: Value = issue(&system, &admin, json!({"name": "read only", "scopes": ["user"]}))
        .await
        .json()
        .await
        .unwrap();
    let key = narrow["key"].as_str().unwrap();
    let create = system.create_department(ApiMode::ApiKey, key, "Keys").await;
    assert_eq!(create.status(), 403, "a key without the admin scope");

    let bob = system.access_token_of(USER).await;
    let response = issue(&system, &bob, json!({"name": "escalate", "scopes": ["admin"]})).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    for (case, body) in [
        ("no name", json!({"name": ""})),
        ("a long name", json!({"name": "x".repeat(65)})),
        ("a lifetime of 0 days", json!({"name": "k", "ttl_days": 0})),
        ("a lifetime over a year", json!({"name": "k", "ttl_days": 366})),
    ] {
        assert_eq!(issue(&system, &bob, body).await.status(), 400, "{case}");
    }
}

#[tokio::test]
async fn keys_are_issued_only_to_a_valid_unrevoked_access_token() {
    let system = spawn_system().await;
    let body = json!({"name": "k"});
    let no_token = system
        .client
        .post(format!("{}/api-keys", system.jwt_auth))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(
        no_token.headers()["www-authenticate"],
        "Bearer realm=\"authbench\""
    );
    let session = system.session_of(USER).await;
    assert_invalid_token(&issue(&system, &session, body.clone()).await, "a session id");
    let key = system.credential(ApiMode::ApiKey, USER).await;
    assert_invalid_token(&issue(&system, &key, body.clone()).await, "an API key");

    let token = system.access_token_of(USER).await;
    let revoked = system
        .client
        .post(format!("{}/oauth/revoke", system.jwt_auth))
        .form(&[("token", token.as_str()), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_invalid_token(&issue(&system, &token, body).await, "a revoked token");
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once_by_both_database_flows_and_at_login() {
    let system = spawn_system().await;
    let key = system.credential(ApiMode::ApiKey, USER).await;
    let token = system.access_token_of(USER).await;
    assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);
    assert_eq!(
        system.get(ApiMode::JwtUserdb, "/api/me", &token).await.status(),
        200
    );

    assert!(system.database.set_disabled("bob", true).await.unwrap());

    assert_invalid_token(&system.get(ApiMode::ApiKey, "/api/me", &key).await, "api-key");
    assert_invalid_token(
        &system.get(ApiMode::JwtUserdb, "/api/me", &token).await,
        "jwt-userdb",
    );
    // Plain jwt trusts the token until it expires: the weak spot the database flows close.
    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
    let login = system
        .client
        .post(format!("{}/login", system.jwt_auth))
        .json(&json!({"username": USER.0, "password": USER.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401, "a disabled user cannot log in");

    assert!(system.database.set_disabled("bob", false).await.unwrap());
    assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);
}

#[tokio::test]
async fn a_logout_cuts_off_every_earlier_token_at_jwt_userdb_at_once() {
    let system = spawn_system().await;
    let tokens = system.tokens_of(USER).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        system.get(ApiMode::JwtUserdb, "/api/me", access).await.status(),
        200
    );

    // A logout: the client revokes its refresh token (RFC 7009).
    let response = system
        .client
        .post(format!("{}/oauth/revoke", system.jwt_auth))
        .form(&[("token", refresh), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    assert_invalid_token(
        &system.get(ApiMode::JwtUserdb, "/api/me", access).await,
        "jwt-userdb after the logout",
    );
    assert_eq!(
        system.get(ApiMode::Jwt, "/api/me", access).await.status(),
        200,
        "plain jwt until the token expires"
    );
    // A login after the logout's second gets a token that passes.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = system.access_token_of(USER).await;
    assert_eq!(
        system.get(ApiMode::JwtUserdb, "/api/me", &fresh).await.status(),
        200
    );
}

#[tokio::test]
async fn with_the_database_away_both_flows_answer_503_fast_and_recover() {
    let system = spawn_system().await;
    let key = system.credential(ApiMode::ApiKey, USER).await;
    let token = system.access_token_of(USER).await;
    let timeout = Duration::from_millis(system.settings.dependency_timeout_ms);

    for mode in [Mode::Refuse, Mode::Blackhole] {
        system.database_link.set_mode(mode);
        for (api, credential) in [(ApiMode::ApiKey, &key), (ApiMode::JwtUserdb, &token)] {
            let started = Instant::now();
            let response = system.get(api, "/api/me", credential).await;
            let took = started.elapsed();
            assert_eq!(response.status(), 503, "{api}, {mode:?}");
            assert_eq!(response.headers()["retry-after"], "1", "{api}, {mode:?}");
            assert!(
                took < timeout + Duration::from_millis(1500),
                "{api}, {mode:?}: {took:?}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "temporarily_unavailable");
        }
        // Plain jwt does not depend on the database.
        assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
        system.database_link.set_mode(Mode::Pass);
        for (api, credential) in [(ApiMode::ApiKey, &key), (ApiMode::JwtUserdb, &token)] {
            let back = eventually(Duration::from_secs(10), || async {
                system.get(api, "/api/me", credential).await.status() == 200
            })
            .await;
            assert!(back, "{api} recovers after {mode:?}");
        }
    }
}

#[tokio::test]
async fn every_request_is_one_indexed_lookup_on_pooled_connections() {
    let system = spawn_system().await;
    let key = system.credential(ApiMode::ApiKey, USER).await;
    let token = system.access_token_of(USER).await;
    let db = sql(&system).await;
    let scans = |table: &'static str| {
        let db = &db;
        async move {
            // The statistics collector reports with a delay; flush this backend's counts.
            db.execute("SELECT pg_stat_clear_snapshot()", &[]).await.unwrap();
            let row = db
                .query_one(
                    "SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = $1",
                    &[&table],
                )
                .await
                .unwrap();
            row.get::<_, i64>(0)
        }
    };
    let backends = || async {
        db.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'authbench'",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0)
    };
    // Warm the pools, then count.
    for _ in 0..5 {
        system.get(ApiMode::ApiKey, "/api/me", &key).await;
        system.get(ApiMode::JwtUserdb, "/api/me", &token).await;
    }
    let keys_before = scans("api_keys").await;
    let users_before = scans("users").await;
    let backends_before = backends().await;
    const N: i64 = 50;
    for _ in 0..N {
        assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);
        assert_eq!(
            system.get(ApiMode::JwtUserdb, "/api/me", &token).await.status(),
            200
        );
    }
    // A backend reports its counts when it goes idle, at the latest after 10 s.
    let counted = eventually(Duration::from_secs(20), || async {
        scans("api_keys").await - keys_before >= N && scans("users").await - users_before >= 2 * N
    })
    .await;
    // api-key finds the key by its hash's unique index and joins its user by primary key;
    // jwt-userdb reads the user by the unique index on the name.
    assert!(counted, "every request used an index");
    assert_eq!(
        backends().await,
        backends_before,
        "no connection opened per request in steady state"
    );
}

#[tokio::test]
async fn the_database_password_can_come_from_a_secret_file_instead_of_the_url() {
    let dir = std::env::temp_dir().join(format!(
        "authbench-secret-{}",
        authbench_core::secret::random_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = dir.join("postgres_password");
    let system = spawn_system_with(|settings| {
        let db = settings.database.as_mut().unwrap();
        let url = secrecy::ExposeSecret::expose_secret(&db.url).to_string();
        // postgres://user:password@host:port/db -> postgres://user@host:port/db
        let (scheme_user, rest) = url.split_once(':').unwrap();
        let (user_password, host) = rest.rsplit_once('@').unwrap();
        let (user, password) = user_password.rsplit_once(':').unwrap();
        std::fs::write(&secret, format!("{password}\n")).unwrap();
        db.url = format!("{scheme_user}:{user}@{host}").into();
        assert!(!secrecy::ExposeSecret::expose_secret(&db.url).contains(password));
        db.password_file = Some(secret.clone());
    })
    .await;
    let key = system.credential(ApiMode::ApiKey, USER).await;
    assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);
    let ready = system
        .client
        .get(format!("{}/readyz", system.jwt_auth))
        .send()
        .await
        .unwrap();
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok", "{body}");
    std::fs::remove_dir_all(&dir).unwrap();
}
