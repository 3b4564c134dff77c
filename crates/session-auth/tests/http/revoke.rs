//! `POST /revoke` (RFC 7009) and role changes reaching live sessions.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::json;

use crate::helpers::{ADMIN, USER, spawn_app};

#[tokio::test]
async fn the_holder_revokes_a_session_by_naming_the_public_client() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    let response = app
        .client
        .post(format!("{}/revoke", app.address))
        .form(&[("token", id.as_str()), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(app.introspection_of(&id).await, json!({"active": false}));
    assert_eq!(app.sessions_in_redis().await, 0);
}

#[tokio::test]
async fn the_service_revokes_a_session_and_an_unknown_one_still_answers_200() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;
    let secret = app.settings.introspection_secret().unwrap();

    for token in [id.as_str(), "never-issued"] {
        let response = app
            .client
            .post(format!("{}/revoke", app.address))
            .basic_auth(
                &app.settings.introspection.client_id,
                Some(secret.expose_secret()),
            )
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{token}");
    }
    assert_eq!(app.introspection_of(&id).await["active"], false);
}

#[tokio::test]
async fn revocation_without_any_client_is_401_invalid_client() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    let response = app
        .client
        .post(format!("{}/revoke", app.address))
        .form(&[("token", id.as_str())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"authbench\""
    );
    assert_eq!(app.introspection_of(&id).await["active"], true);
}

#[tokio::test]
async fn a_role_change_reaches_every_live_session_and_the_next_login() {
    let app = spawn_app().await;
    let first = app.session_of(ADMIN).await;
    let second = app.session_of(ADMIN).await;
    let conn = authbench_core::redis_conn::connect(&app.settings.redis.url, Duration::from_secs(1)).unwrap();

    let change = authbench_core::roles::change_roles(
        conn,
        None,
        &app.settings.redis.key_prefix,
        Duration::from_secs(1),
        "alice",
        &["user".to_string()],
        Duration::from_secs(60),
    )
    .await
    .unwrap();

    assert_eq!(change.sessions_updated, 2);
    for id in [&first, &second, &app.session_of(ADMIN).await] {
        assert_eq!(app.introspection_of(id).await["roles"], json!(["user"]));
    }
}
