//! How fast a logout or a role change reaches each API mode: at once for the session
//! flows and `jwt-denylist`, within the cache lifetime for `session-cached`, and not
//! before the token expires for plain `jwt`.

use std::time::{Duration, Instant};

use authbench_core::settings::ApiMode;
use linkproxy::Mode;
use serde_json::json;

use crate::helpers::{ADMIN, USER, eventually, spawn_system_with};

const CACHE_TTL_MS: u64 = 2000;

/// `POST /api/departments` with an empty name: 400 for an admin (the role check passed,
/// then the name was refused) and 403 for anyone else. Nothing is ever created.
async fn admin_check(system: &crate::helpers::TestSystem, mode: ApiMode, credential: &str) -> u16 {
    system
        .create_department(mode, credential, "")
        .await
        .status()
        .as_u16()
}

async fn revoke(system: &crate::helpers::TestSystem, token: &str) {
    let response = system
        .client
        .post(format!("{}/oauth/revoke", system.jwt_auth))
        .form(&[("token", token), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_by_jwt_denylist_and_accepted_by_plain_jwt_until_it_expires() {
    let system = spawn_system_with(|_| {}).await;
    let token = system.credential(ApiMode::Jwt, USER).await;
    for mode in [ApiMode::Jwt, ApiMode::JwtDenylist] {
        assert_eq!(system.get(mode, "/api/me", &token).await.status(), 200, "{mode}");
    }

    revoke(&system, &token).await;

    let refused = system.get(ApiMode::JwtDenylist, "/api/me", &token).await;
    crate::helpers::assert_invalid_token(&refused, "revoked token at jwt-denylist");
    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
}

#[tokio::test]
async fn a_role_change_reaches_session_flows_the_database_flows_and_jwt_denylist_at_once_session_cached_within_its_ttl_and_jwt_not_at_all()
 {
    let system = spawn_system_with(|s| s.api.introspection_cache_ttl_ms = CACHE_TTL_MS).await;
    let session = system.session_of(ADMIN).await;
    let token = system.credential(ApiMode::Jwt, ADMIN).await;
    let key = system.credential(ApiMode::ApiKey, ADMIN).await;
    let credential = |mode: ApiMode| {
        if mode.takes_session_ids() {
            &session
        } else if mode == ApiMode::ApiKey {
            &key
        } else {
            &token
        }
    };
    for mode in ApiMode::ALL {
        assert_eq!(
            admin_check(&system, mode, credential(mode)).await,
            400,
            "{mode}: admin before"
        );
    }

    let conn =
        authbench_core::redis_conn::connect(&system.settings.redis.url, Duration::from_secs(1)).unwrap();
    let changed = authbench_core::roles::change_roles(
        conn,
        Some(&system.database),
        &system.settings.redis.key_prefix,
        Duration::from_secs(1),
        "alice",
        &["user".to_string()],
        Duration::from_secs(system.settings.jwt.access_ttl_secs + system.settings.jwt.leeway_secs),
    )
    .await
    .unwrap();
    let changed_at = Instant::now();
    assert_eq!(changed.sessions_updated, 1);

    // The flows that read the user database on every request see the new roles there.
    for mode in [
        ApiMode::Session,
        ApiMode::SessionRedis,
        ApiMode::ApiKey,
        ApiMode::JwtUserdb,
    ] {
        assert_eq!(
            admin_check(&system, mode, credential(mode)).await,
            403,
            "{mode}: at once"
        );
    }
    // The denylist cannot edit a signed token: it refuses every token issued before the
    // change, and the client's next refresh gets one with the new roles.
    assert_eq!(
        admin_check(&system, ApiMode::JwtDenylist, &token).await,
        401,
        "jwt-denylist: at once"
    );
    assert_eq!(
        admin_check(&system, ApiMode::Jwt, &token).await,
        400,
        "jwt keeps the old roles"
    );
    assert_eq!(
        admin_check(&system, ApiMode::SessionCached, &session).await,
        400,
        "session-cached answers from its cache"
    );
    let reached = eventually(Duration::from_millis(CACHE_TTL_MS + 2000), || async {
        admin_check(&system, ApiMode::SessionCached, &session).await == 403
    })
    .await;
    assert!(reached, "session-cached sees the change after its cache lifetime");
    assert!(changed_at.elapsed() >= Duration::from_millis(CACHE_TTL_MS - 100));
}

#[tokio::test]
async fn a_logout_reaches_session_cached_only_after_its_cache_lifetime() {
    let system = spawn_system_with(|s| s.api.introspection_cache_ttl_ms = CACHE_TTL_MS).await;
    let session = system.session_of(USER).await;
    assert_eq!(
        system
            .get(ApiMode::SessionCached, "/api/me", &session)
            .await
            .status(),
        200
    );

    system.logout(&session).await;
    let logged_out = Instant::now();

    assert_eq!(
        system.get(ApiMode::Session, "/api/me", &session).await.status(),
        401
    );
    assert_eq!(
        system
            .get(ApiMode::SessionCached, "/api/me", &session)
            .await
            .status(),
        200
    );
    let refused = eventually(Duration::from_millis(CACHE_TTL_MS + 2000), || async {
        system
            .get(ApiMode::SessionCached, "/api/me", &session)
            .await
            .status()
            == 401
    })
    .await;
    assert!(refused);
    assert!(logged_out.elapsed() >= Duration::from_millis(CACHE_TTL_MS - 100));
}

#[tokio::test]
async fn jwt_denylist_answers_503_when_redis_is_down_and_plain_jwt_does_not_notice() {
    let system = spawn_system_with(|_| {}).await;
    let token = system.credential(ApiMode::Jwt, USER).await;

    system.redis_link().set_mode(Mode::Refuse);

    let response = system.get(ApiMode::JwtDenylist, "/api/me", &token).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);

    system.redis_link().set_mode(Mode::Pass);
    let recovered = eventually(Duration::from_secs(10), || async {
        system.get(ApiMode::JwtDenylist, "/api/me", &token).await.status() == 200
    })
    .await;
    assert!(recovered);
}

#[tokio::test]
async fn a_client_credentials_token_works_at_the_api_and_carries_no_user_roles() {
    let system = spawn_system_with(|_| {}).await;
    let answer: serde_json::Value = system
        .client
        .post(format!("{}/oauth/token", system.jwt_auth))
        .basic_auth("reporting-service", Some("reporting-demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["access_token"].as_str().unwrap();

    let me: serde_json::Value = system
        .get(ApiMode::Jwt, "/api/me", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], "reporting-service");
    assert_eq!(me["roles"], json!([]));
    assert_eq!(admin_check(&system, ApiMode::Jwt, token).await, 403);
}
