use std::time::Duration;

use serde_json::Value;

use crate::helpers::{ADMIN, USER, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_live_session_introspects_as_active_with_its_user_roles_and_expiry() {
    let app = spawn_app().await;
    let id = app.session_of(ADMIN).await;

    let answer = app.introspection_of(&id).await;

    assert_eq!(answer["active"], true);
    assert_eq!(answer["sub"], "alice");
    assert_eq!(answer["roles"], serde_json::json!(["admin", "user"]));
    let now = authbench_core::time::now_secs();
    let exp = answer["exp"].as_u64().unwrap();
    assert!(exp > now + 1700 && exp <= now + 1800, "exp {exp}, now {now}");
}

#[tokio::test]
async fn every_introspection_answer_says_in_server_timing_how_long_the_redis_read_took() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    for token in [id.as_str(), "never-issued"] {
        let response = app.introspect(token).await;

        assert_eq!(response.status(), 200);
        let timing = response.headers()["server-timing"].to_str().unwrap().to_string();
        let ms: f64 = timing
            .strip_prefix("redis;desc=\"session read from Redis\";dur=")
            .unwrap_or_else(|| panic!("{timing}"))
            .parse()
            .unwrap();
        // A string that cannot be a session id is refused without asking Redis, which can
        // take less than the header's 1 µs resolution.
        let least = if token == id { 0.0005 } else { 0.0 };
        assert!(ms >= least && ms < 10_000.0, "{token}: {ms} ms");
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_session_id_introspects_as_just_inactive() {
    let app = spawn_app().await;

    for token in [
        format!("abc.{}", "a".repeat(43)),
        "a".repeat(43),
        "short".to_string(),
        "x".repeat(5000),
    ] {
        let answer = app.introspection_of(&token).await;
        assert_eq!(answer, serde_json::json!({"active": false}));
    }
}

#[tokio::test]
async fn introspection_without_the_service_credential_is_refused_with_invalid_client() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    let anonymous = app
        .client
        .post(format!("{}/introspect", app.address))
        .form(&[("token", id.as_str())])
        .send()
        .await
        .unwrap();
    let wrong_secret = app
        .client
        .post(format!("{}/introspect", app.address))
        .basic_auth(&app.settings.introspection.client_id, Some("not-the-secret"))
        .form(&[("token", id.as_str())])
        .send()
        .await
        .unwrap();

    for response in [anonymous, wrong_secret] {
        assert_eq!(response.status(), 401);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
    }
}

#[tokio::test]
async fn introspection_without_a_token_is_a_400() {
    let app = spawn_app().await;

    let response = app.introspect_form(&[("not_token", "x")]).await;

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_session_ends_after_its_idle_timeout() {
    let app = spawn_app_with(|s| {
        s.session.idle_timeout_secs = 1;
        s.session.absolute_lifetime_secs = 60;
    })
    .await;
    let id = app.session_of(USER).await;

    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(app.introspection_of(&id).await["active"], false);
    assert_eq!(app.sessions_in_redis().await, 0, "Redis dropped the key itself");
}

#[tokio::test]
async fn use_keeps_a_session_alive_past_its_idle_timeout() {
    let app = spawn_app_with(|s| {
        s.session.idle_timeout_secs = 2;
        s.session.absolute_lifetime_secs = 60;
    })
    .await;
    let id = app.session_of(USER).await;

    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(app.introspection_of(&id).await["active"], true);
    }
    // Three seconds after login, beyond the two-second idle timeout, still alive.
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_busy() {
    let app = spawn_app_with(|s| {
        s.session.idle_timeout_secs = 2;
        s.session.absolute_lifetime_secs = 3;
    })
    .await;
    let id = app.session_of(USER).await;

    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(app.introspection_of(&id).await["active"], true);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(app.introspection_of(&id).await["active"], false);
}
