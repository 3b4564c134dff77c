//! A dependency that is down or frozen: the session flows answer 503 quickly and recover
//! when it returns; the JWT flow does not notice.

use std::time::{Duration, Instant};

use authbench_core::settings::{ApiMode, IntrospectionHttp};
use linkproxy::Mode;

use crate::helpers::{USER, eventually, spawn_system, spawn_system_with};

#[tokio::test]
async fn with_redis_stopped_session_calls_get_503_while_jwt_calls_get_200_and_both_recover() {
    let system = spawn_system().await;
    let session = system.session_of(USER).await;
    let token = system.credential(ApiMode::Jwt, USER).await;

    system.redis_link().set_mode(Mode::Refuse);

    for mode in [ApiMode::Session, ApiMode::SessionRedis] {
        let started = Instant::now();
        let response = system.get(mode, "/api/me", &session).await;
        assert_eq!(response.status(), 503, "{mode}");
        assert_eq!(response.headers()["retry-after"], "1", "{mode}");
        // A generous bound that only rules out a hang (the configured timeout is 500 ms).
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{mode}: {:?}",
            started.elapsed()
        );
    }
    for _ in 0..10 {
        assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
    }

    system.redis_link().set_mode(Mode::Pass);

    for mode in [ApiMode::Session, ApiMode::SessionRedis] {
        let recovered = eventually(Duration::from_secs(10), || async {
            system.get(mode, "/api/me", &session).await.status() == 200
        })
        .await;
        assert!(recovered, "{mode} recovers, and the session survived the outage");
    }
}

#[tokio::test]
async fn a_frozen_redis_gives_503_within_the_timeout_instead_of_a_hang() {
    let system = spawn_system().await;
    let session = system.session_of(USER).await;

    system.redis_link().set_mode(Mode::Blackhole);

    for mode in [ApiMode::Session, ApiMode::SessionRedis] {
        let started = Instant::now();
        let response = system.get(mode, "/api/me", &session).await;
        assert_eq!(response.status(), 503, "{mode}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{mode}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn with_the_session_auth_server_unreachable_only_the_session_mode_fails() {
    only_the_session_mode_fails_while_the_session_auth_server_is_away(IntrospectionHttp::Http1).await;
}

#[tokio::test]
async fn over_http2_too_the_session_mode_fails_fast_while_the_session_auth_server_is_away_and_recovers() {
    only_the_session_mode_fails_while_the_session_auth_server_is_away(IntrospectionHttp::Http2).await;
}

async fn only_the_session_mode_fails_while_the_session_auth_server_is_away(http: IntrospectionHttp) {
    let system = spawn_system_with(|s| s.api.introspection_http = http).await;
    let session = system.session_of(USER).await;
    let token = system.credential(ApiMode::Jwt, USER).await;

    for mode in [Mode::Refuse, Mode::Blackhole] {
        system.session_auth_link.set_mode(mode);

        let started = Instant::now();
        let response = system.get(ApiMode::Session, "/api/me", &session).await;
        assert_eq!(response.status(), 503, "{mode:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{mode:?}: {:?}",
            started.elapsed()
        );
        assert_eq!(
            system
                .get(ApiMode::SessionRedis, "/api/me", &session)
                .await
                .status(),
            200
        );
        assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
        assert_eq!(
            system.get_anonymous(ApiMode::Session, "/readyz").await.status(),
            503
        );
    }

    system.session_auth_link.set_mode(Mode::Pass);

    assert!(
        eventually(Duration::from_secs(10), || async {
            system.get(ApiMode::Session, "/api/me", &session).await.status() == 200
        })
        .await
    );
}
