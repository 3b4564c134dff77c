//! Session ids at the API server: unknown, logged out, expired.

use std::time::Duration;

use authbench_core::settings::ApiMode;

use crate::helpers::{USER, assert_invalid_token, spawn_system, spawn_system_with};

const SESSION_MODES: [ApiMode; 2] = [ApiMode::Session, ApiMode::SessionRedis];

#[tokio::test]
async fn a_session_id_that_never_existed_is_an_invalid_token() {
    let system = spawn_system().await;
    let never = authbench_core::session_store::new_session_id("bob").unwrap();

    for mode in SESSION_MODES {
        for credential in [never.as_str(), "not-a-session-id", "x"] {
            let response = system.get(mode, "/api/me", credential).await;
            assert_invalid_token(&response, &format!("{mode} {credential}"));
        }
    }
}

#[tokio::test]
async fn logout_makes_the_session_id_useless_at_once_on_every_api_server() {
    let system = spawn_system().await;
    let id = system.session_of(USER).await;
    for mode in SESSION_MODES {
        assert_eq!(system.get(mode, "/api/me", &id).await.status(), 200, "{mode}");
    }

    system.logout(&id).await;

    for mode in SESSION_MODES {
        let response = system.get(mode, "/api/me", &id).await;
        assert_invalid_token(&response, &format!("{mode} after logout"));
    }
}

#[tokio::test]
async fn an_idle_session_expires_at_the_api_server() {
    let system = spawn_system_with(|s| {
        s.session.idle_timeout_secs = 1;
        s.session.absolute_lifetime_secs = 60;
    })
    .await;
    let id = system.session_of(USER).await;

    tokio::time::sleep(Duration::from_millis(1500)).await;

    for mode in SESSION_MODES {
        assert_invalid_token(&system.get(mode, "/api/me", &id).await, &format!("{mode} idle"));
    }
}

#[tokio::test]
async fn a_busy_session_still_ends_at_its_absolute_lifetime() {
    let system = spawn_system_with(|s| {
        s.session.idle_timeout_secs = 2;
        s.session.absolute_lifetime_secs = 3;
    })
    .await;
    let id = system.session_of(USER).await;

    for mode in [ApiMode::Session, ApiMode::SessionRedis] {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(system.get(mode, "/api/me", &id).await.status(), 200, "{mode}");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    for mode in SESSION_MODES {
        assert_invalid_token(
            &system.get(mode, "/api/me", &id).await,
            &format!("{mode} absolute"),
        );
    }
}

#[tokio::test]
async fn over_http2_the_introspection_hop_gives_the_same_answers_as_over_http1() {
    use authbench_core::settings::IntrospectionHttp;
    let system = spawn_system_with(|s| s.api.introspection_http = IntrospectionHttp::Http2).await;
    let id = system.session_of(USER).await;

    // Calls at once share the one HTTP/2 connection.
    let call = || system.get(ApiMode::Session, "/api/me", &id);
    let (a, b, c, d) = tokio::join!(call(), call(), call(), call());
    for response in [a, b, c, d] {
        assert_eq!(response.status(), 200);
        let me: serde_json::Value = response.json().await.unwrap();
        assert_eq!(me["sub"], USER.0, "{me}");
    }
    let never = authbench_core::session_store::new_session_id("bob").unwrap();
    assert_invalid_token(
        &system.get(ApiMode::Session, "/api/me", &never).await,
        "unknown over h2",
    );

    system.logout(&id).await;
    assert_invalid_token(
        &system.get(ApiMode::Session, "/api/me", &id).await,
        "logged out over h2",
    );
}
