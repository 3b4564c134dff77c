//! The same routes answer the same way in every mode: handlers never know which ran.

use authbench_core::settings::ApiMode;
use serde_json::Value;

use crate::helpers::{ADMIN, USER, spawn_system, status_and_challenge};

#[tokio::test]
async fn me_shows_the_same_identity_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        let credential = system.credential(mode, ADMIN).await;

        let response = system.get(mode, "/api/me", &credential).await;

        assert_eq!(response.status(), 200, "{mode}");
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["sub"], "alice", "{mode}");
        assert_eq!(me["roles"], serde_json::json!(["admin", "user"]), "{mode}");
        assert!(
            me["expires_at"].as_u64().unwrap() > authbench_core::time::now_secs(),
            "{mode}"
        );
    }
}

#[tokio::test]
async fn any_logged_in_user_lists_departments_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        let credential = system.credential(mode, USER).await;

        let response = system.get(mode, "/api/departments", &credential).await;

        assert_eq!(response.status(), 200, "{mode}");
        let departments: Vec<Value> = response.json().await.unwrap();
        assert!(departments.iter().any(|d| d["name"] == "Engineering"), "{mode}");
    }
}

#[tokio::test]
async fn an_admin_creates_a_department_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        let credential = system.credential(mode, ADMIN).await;

        let response = system
            .create_department(mode, &credential, &format!("Research {mode}"))
            .await;

        assert_eq!(response.status(), 201, "{mode}");
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["name"], format!("Research {mode}"));
        let listed: Vec<Value> = system
            .get(mode, "/api/departments", &credential)
            .await
            .json()
            .await
            .unwrap();
        assert!(listed.contains(&created), "{mode}");
    }
}

#[tokio::test]
async fn a_plain_user_creating_a_department_gets_403_insufficient_scope_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        let credential = system.credential(mode, USER).await;

        let response = system.create_department(mode, &credential, "Shadow IT").await;

        let (status, challenge) = status_and_challenge(&response);
        assert_eq!(status, 403, "{mode}");
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{mode}: {challenge}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "insufficient_scope");
    }
}

#[tokio::test]
async fn an_empty_department_name_is_a_400() {
    let system = spawn_system().await;
    let credential = system.credential(ApiMode::Jwt, ADMIN).await;

    let response = system.create_department(ApiMode::Jwt, &credential, "   ").await;

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn the_login_cookie_works_as_well_as_the_bearer_header_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL.into_iter().filter(|m| *m != ApiMode::ApiKey) {
        let credential = system.credential(mode, USER).await;
        let cookie = if mode.takes_session_ids() {
            format!("session_id={credential}")
        } else {
            format!("access_token={credential}")
        };

        let response = system
            .client
            .get(format!("{}/api/me", system.api(mode)))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 200, "{mode}");
    }
}

#[tokio::test]
async fn an_api_key_is_taken_from_the_authorization_header_and_never_from_a_cookie() {
    let system = spawn_system().await;
    let key = system.credential(ApiMode::ApiKey, USER).await;
    assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);
    for name in ["access_token", "session_id", "api_key"] {
        let response = system
            .client
            .get(format!("{}/api/me", system.api(ApiMode::ApiKey)))
            .header("cookie", format!("{name}={key}"))
            .send()
            .await
            .unwrap();
        let (status, challenge) = crate::helpers::status_and_challenge(&response);
        assert_eq!(
            (status, challenge.as_str()),
            (401, "Bearer realm=\"authbench\""),
            "{name}"
        );
    }
}

#[tokio::test]
async fn no_credential_is_a_401_with_a_bare_bearer_challenge_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        for path in ["/api/me", "/api/departments"] {
            let response = system.get_anonymous(mode, path).await;

            let (status, challenge) = status_and_challenge(&response);
            assert_eq!(status, 401, "{mode} {path}");
            assert_eq!(challenge, "Bearer realm=\"authbench\"", "{mode} {path}");
        }
    }
}

#[tokio::test]
async fn another_authorization_scheme_is_answered_with_the_bearer_challenge() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        let response = system
            .client
            .get(format!("{}/api/me", system.api(mode)))
            .basic_auth("alice", Some("alice-demo-password"))
            .send()
            .await
            .unwrap();

        let (status, challenge) = status_and_challenge(&response);
        assert_eq!(
            (status, challenge.as_str()),
            (401, "Bearer realm=\"authbench\""),
            "{mode}"
        );
    }
}

#[tokio::test]
async fn a_credential_of_one_flow_is_refused_by_the_other() {
    let system = spawn_system().await;
    let session_id = system.credential(ApiMode::Session, USER).await;
    let token = system.credential(ApiMode::Jwt, USER).await;

    assert_eq!(
        system.get(ApiMode::Jwt, "/api/me", &session_id).await.status(),
        401
    );
    assert_eq!(
        system.get(ApiMode::Session, "/api/me", &token).await.status(),
        401
    );
    assert_eq!(
        system
            .get(ApiMode::SessionRedis, "/api/me", &token)
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn health_and_readiness_answer_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        assert_eq!(
            system.get_anonymous(mode, "/healthz").await.status(),
            200,
            "{mode}"
        );
        assert_eq!(
            system.get_anonymous(mode, "/readyz").await.status(),
            200,
            "{mode}"
        );
    }
}

#[tokio::test]
async fn steady_session_traffic_opens_no_new_connection_to_the_auth_server_or_redis() {
    let system = spawn_system().await;
    let session = system.session_of(USER).await;
    for mode in [ApiMode::Session, ApiMode::SessionRedis] {
        assert_eq!(
            system.get(mode, "/api/me", &session).await.status(),
            200,
            "{mode} warm-up"
        );
    }
    let auth_connections = system.session_auth_link.accepted();
    let redis_connections = system.redis_link().accepted();
    assert!(
        auth_connections >= 1 && redis_connections >= 1,
        "the links are in the path"
    );

    for _ in 0..100 {
        for mode in [ApiMode::Session, ApiMode::SessionRedis] {
            assert_eq!(
                system.get(mode, "/api/me", &session).await.status(),
                200,
                "{mode}"
            );
        }
    }

    assert_eq!(
        system.session_auth_link.accepted(),
        auth_connections,
        "API -> session auth: pooled keep-alive"
    );
    assert_eq!(
        system.redis_link().accepted(),
        redis_connections,
        "servers -> Redis: one multiplexed connection each"
    );
}

#[tokio::test]
async fn the_baseline_route_answers_the_same_list_without_a_credential_in_every_mode() {
    let system = spawn_system().await;

    for mode in ApiMode::ALL {
        let credential = system.credential(mode, USER).await;
        let with_auth: Value = system
            .get(mode, "/api/departments", &credential)
            .await
            .json()
            .await
            .unwrap();

        let response = system.get_anonymous(mode, "/public/departments").await;

        assert_eq!(response.status(), 200, "{mode}");
        assert_eq!(response.json::<Value>().await.unwrap(), with_auth, "{mode}");
    }
}

#[tokio::test]
async fn every_verified_answer_says_in_server_timing_how_long_the_check_took_and_what_it_was() {
    let system = spawn_system().await;

    for (mode, hop) in [
        (ApiMode::Session, "introspection at the session auth server"),
        (ApiMode::SessionRedis, "session read from Redis"),
        (ApiMode::Jwt, "signature verified locally"),
    ] {
        let credential = system.credential(mode, USER).await;

        let response = system.get(mode, "/api/departments", &credential).await;

        assert_eq!(response.status(), 200, "{mode}");
        let timing = response
            .headers()
            .get("server-timing")
            .unwrap_or_else(|| panic!("{mode}: no Server-Timing"))
            .to_str()
            .unwrap()
            .to_string();
        let prefix = format!("auth;desc=\"{hop}\";dur=");
        let ms: f64 = timing
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{mode}: {timing}"))
            .parse()
            .unwrap();
        assert!(ms > 0.0 && ms < 10_000.0, "{mode}: {ms} ms");
    }
}
