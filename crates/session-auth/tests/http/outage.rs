use std::time::{Duration, Instant};

use linkproxy::Mode;

use crate::helpers::{USER, eventually, spawn_app, spawn_app_with};

#[tokio::test]
async fn readyz_follows_redis_and_healthz_does_not() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.redis_link.set_mode(Mode::Refuse);

    assert!(
        eventually(Duration::from_secs(5), || async {
            app.get("/readyz").await.status() == 503
        })
        .await
    );
    assert_eq!(app.get("/healthz").await.status(), 200);

    app.redis_link.set_mode(Mode::Pass);

    assert!(
        eventually(Duration::from_secs(10), || async {
            app.get("/readyz").await.status() == 200
        })
        .await
    );
}

#[tokio::test]
async fn with_redis_down_login_and_introspection_answer_503_and_recover_when_it_returns() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    app.redis_link.set_mode(Mode::Refuse);

    assert!(
        eventually(Duration::from_secs(5), || async {
            app.introspect(&id).await.status() == 503
        })
        .await
    );
    let login = app.login(USER.0, USER.1).await;
    assert_eq!(login.status(), 503);
    assert_eq!(login.headers()["retry-after"], "1");

    app.redis_link.set_mode(Mode::Pass);

    assert!(
        eventually(Duration::from_secs(10), || async {
            app.introspect(&id).await.status() == 200
        })
        .await,
        "service resumes when Redis returns"
    );
    assert_eq!(
        app.introspection_of(&id).await["active"],
        true,
        "no session was lost"
    );
}

#[tokio::test]
async fn a_redis_that_accepts_but_never_answers_gives_503_within_the_timeout_not_a_hang() {
    let app = spawn_app().await;
    let id = app.session_of(USER).await;

    app.redis_link.set_mode(Mode::Blackhole);
    let started = Instant::now();
    let response = app.introspect(&id).await;
    let waited = started.elapsed();

    assert_eq!(response.status(), 503);
    // The configured timeout is 500 ms; the bound is generous and only rules out a hang.
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

#[tokio::test]
async fn once_redis_is_known_down_requests_get_their_503_without_waiting_out_the_timeout() {
    let app = spawn_app_with(|s| s.dependency_timeout_ms = 3000).await;
    let id = app.session_of(USER).await;

    app.redis_link.set_mode(Mode::Blackhole);
    let first = app.introspect(&id).await;
    assert_eq!(first.status(), 503, "the first request waits out the timeout");
    for _ in 0..5 {
        let started = Instant::now();
        let response = app.introspect(&id).await;
        let waited = started.elapsed();
        assert_eq!(response.status(), 503);
        // The timeout is 3 s; a request that asked Redis would wait all of it.
        assert!(waited < Duration::from_millis(1500), "waited {waited:?}");
    }

    app.redis_link.set_mode(Mode::Pass);
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.introspect(&id).await.status() == 200
        })
        .await,
        "the background check finds Redis again"
    );
}
