use serde_json::Value;

use crate::helpers::{ADMIN, USER, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_login_returns_a_256_bit_session_id_in_json_and_in_an_httponly_cookie() {
    let app = spawn_app().await;

    let response = app.login(ADMIN.0, ADMIN.1).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    let id = body["session_id"].as_str().unwrap();
    assert_eq!(
        id.len(),
        47,
        "the user's tag, a dot, 32 random bytes in base64url"
    );
    assert!(authbench_core::session_store::looks_like_session_id(id), "{id}");
    assert!(cookie.starts_with(&format!("session_id={id};")), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "the dev profile serves plain HTTP: {cookie}"
    );
    assert_eq!(body["sub"], "alice");
    assert_eq!(body["roles"], serde_json::json!(["admin", "user"]));
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(body["absolute_expires_in"], 28800);
}

#[tokio::test]
async fn the_session_is_stored_in_redis_with_the_idle_timeout_as_its_ttl() {
    let app = spawn_app().await;

    let _id = app.session_of(USER).await;

    assert_eq!(app.sessions_in_redis().await, 1);
    let pattern = format!("{}:session:*", app.settings.redis.key_prefix);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut app.redis.clone())
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut app.redis.clone())
        .await
        .unwrap();
    assert!(ttl > 1_790_000 && ttl <= 1_800_000, "ttl {ttl} ms");
    let fields: Vec<String> = redis::cmd("HKEYS")
        .arg(&keys[0])
        .query_async(&mut app.redis.clone())
        .await
        .unwrap();
    for field in ["sub", "roles", "created_at", "last_seen", "abs_exp"] {
        assert!(
            fields.iter().any(|f| f == field),
            "{field} missing from {fields:?}"
        );
    }
}

#[tokio::test]
async fn the_session_id_is_not_the_redis_key() {
    let app = spawn_app().await;

    let id = app.session_of(USER).await;

    let exists: bool = redis::cmd("EXISTS")
        .arg(format!("{}:session:{id}", app.settings.redis.key_prefix))
        .query_async(&mut app.redis.clone())
        .await
        .unwrap();
    assert!(!exists, "a copy of the store must not hold live session ids");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401() {
    let app = spawn_app().await;

    let wrong = app.login(ADMIN.0, "not-the-password").await;
    let unknown = app.login("mallory", "not-the-password").await;

    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], "invalid_credentials");
    assert_eq!(app.sessions_in_redis().await, 0);
}

#[tokio::test]
async fn bad_json_at_login_is_a_400_with_a_json_error() {
    let app = spawn_app().await;

    for body in [
        "{not json",
        r#"{"username":"alice"}"#,
        r#"{"username":1,"password":2}"#,
        "",
    ] {
        let response = app
            .client
            .post(format!("{}/login", app.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 400, "body {body:?}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["error"], "invalid_request", "body {body:?}");
    }
}

#[tokio::test]
async fn every_login_makes_a_new_session_id_and_ends_the_one_presented() {
    let app = spawn_app().await;
    let first = app.session_of(USER).await;

    let response = app
        .client
        .post(format!("{}/login", app.address))
        .header("cookie", format!("session_id={first}"))
        .json(&serde_json::json!({"username": USER.0, "password": USER.1}))
        .send()
        .await
        .unwrap();

    let second: Value = response.json().await.unwrap();
    assert_ne!(second["session_id"].as_str().unwrap(), first);
    assert_eq!(app.introspection_of(&first).await["active"], false);
    assert_eq!(app.sessions_in_redis().await, 1);
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_settings_say_so() {
    let app = spawn_app_with(|s| s.cookies.secure = true).await;

    let response = app.login(USER.0, USER.1).await;

    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_short_introspection_secret_stops_the_server_outside_the_dev_profile() {
    let mut settings = authbench_core::Settings::loopback("redis://127.0.0.1:1").unwrap();
    settings.profile = authbench_core::Profile::Production;
    settings.introspection.client_secret = Some(secrecy::SecretString::from("short"));

    let error = session_auth::Application::build(&settings)
        .err()
        .expect("the build must fail");

    assert!(error.to_string().contains("at least 32"), "{error}");
}
