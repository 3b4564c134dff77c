//! Failed logins are limited per user name and per client address: 429 with Retry-After,
//! and the same answers for a user who exists and one who does not.

use serde_json::Value;

use crate::helpers::{ADMIN, USER, spawn_app, spawn_app_with};

async fn statuses_and_bodies(
    app: &crate::helpers::TestApp,
    user: &str,
    password: &str,
    n: usize,
) -> Vec<(u16, Value)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let response = app.login(user, password).await;
        let status = response.status().as_u16();
        out.push((status, response.json().await.unwrap()));
    }
    out
}

#[tokio::test]
async fn after_five_wrong_passwords_even_the_right_one_gets_429_with_retry_after() {
    let app = spawn_app().await;

    let wrong = statuses_and_bodies(&app, ADMIN.0, "not-the-password", 5).await;
    assert!(wrong.iter().all(|(s, _)| *s == 401), "{wrong:?}");

    let response = app.login(ADMIN.0, ADMIN.1).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert_eq!(app.sessions_in_redis().await, 0);
    // Another user from the same address is not locked out by alice's failures.
    assert_eq!(app.login(USER.0, USER.1).await.status(), 200);
}

#[tokio::test]
async fn an_unknown_user_name_is_throttled_exactly_like_a_real_one() {
    let app = spawn_app().await;

    let real = statuses_and_bodies(&app, ADMIN.0, "not-the-password", 6).await;
    let unknown = statuses_and_bodies(&app, "mallory", "not-the-password", 6).await;

    // The same statuses and bodies in the same order: nothing tells the two apart.
    assert_eq!(real, unknown);
    assert_eq!(real.last().unwrap().0, 429);
}

#[tokio::test]
async fn failures_from_one_address_over_many_user_names_are_throttled() {
    let app = spawn_app_with(|s| s.login_limits.max_failures_per_address = 6).await;

    for i in 0..6 {
        assert_eq!(app.login(&format!("guess-{i}"), "password").await.status(), 401);
    }

    assert_eq!(app.login(USER.0, USER.1).await.status(), 429);
}

#[tokio::test]
async fn a_successful_login_clears_the_users_failures() {
    let app = spawn_app().await;

    statuses_and_bodies(&app, ADMIN.0, "not-the-password", 4).await;
    assert_eq!(app.login(ADMIN.0, ADMIN.1).await.status(), 200);
    let again = statuses_and_bodies(&app, ADMIN.0, "not-the-password", 4).await;

    assert!(again.iter().all(|(s, _)| *s == 401), "{again:?}");
}
