//! The OAuth 2.0 endpoints: token (RFC 6749) with refresh-token rotation, revocation
//! (RFC 7009) and introspection (RFC 7662).

use serde_json::Value;

use crate::helpers::{ADMIN, USER, spawn_app};

const REPORTING: (&str, &str) = ("reporting-service", "reporting-demo-secret");

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn the_password_grant_answers_the_standard_fields_and_no_store() {
    let app = spawn_app().await;

    let response = app
        .form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", "authbench-login"),
                ("username", USER.0),
                ("password", USER.1),
            ],
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], app.settings.jwt.access_ttl_secs);
    assert_eq!(body["scope"], "api");
    assert!(body["refresh_token"].is_string());
    let claims = app.hs256_claims(body["access_token"].as_str().unwrap(), &app.settings.jwt.audience);
    assert_eq!(claims["sub"], "bob");
    assert_eq!(claims["client_id"], "authbench-login");
    assert_eq!(claims["scope"], "api");
}

#[tokio::test]
async fn a_wrong_password_is_invalid_grant() {
    let app = spawn_app().await;
    let response = app
        .form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", "authbench-login"),
                ("username", USER.0),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn each_refresh_returns_a_new_refresh_token() {
    let app = spawn_app().await;
    let first = app.password_grant(USER).await;

    let second: Value = app
        .rotate(first["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let third: Value = app
        .rotate(second["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();

    let tokens = [&first, &second, &third].map(|t| t["refresh_token"].as_str().unwrap().to_string());
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2], "{tokens:?}");
    assert!(third["access_token"].is_string());
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let first = app.password_grant(USER).await;
    let spent = first["refresh_token"].as_str().unwrap();
    let second: Value = app.rotate(spent).await.json().await.unwrap();
    let newest = second["refresh_token"].as_str().unwrap();

    let replay = app.rotate(spent).await;
    assert_eq!(error_of(replay).await, (400, "invalid_grant".into()));

    // The legitimate holder's newest token is gone too, at both refresh endpoints.
    assert_eq!(
        error_of(app.rotate(newest).await).await,
        (400, "invalid_grant".into())
    );
    assert_eq!(app.refresh(newest).await.status(), 401);
    assert_eq!(app.introspect(newest).await["active"], false);
}

#[tokio::test]
async fn client_credentials_give_a_token_for_the_client_with_its_scopes_and_no_refresh_token() {
    let app = spawn_app().await;

    for basic in [true, false] {
        let response = if basic {
            app.form(
                "/oauth/token",
                Some(REPORTING),
                &[("grant_type", "client_credentials")],
            )
            .await
        } else {
            app.form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", REPORTING.0),
                    ("client_secret", REPORTING.1),
                ],
            )
            .await
        };

        assert_eq!(response.status(), 200, "basic: {basic}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["scope"], "departments:read");
        assert!(body.get("refresh_token").is_none());
        let claims = app.hs256_claims(body["access_token"].as_str().unwrap(), &app.settings.jwt.audience);
        assert_eq!(claims["sub"], REPORTING.0);
        assert_eq!(claims["client_id"], REPORTING.0);
        assert_eq!(claims["roles"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn a_wrong_client_secret_is_401_invalid_client_with_a_basic_challenge() {
    let app = spawn_app().await;
    for (id, secret) in [(REPORTING.0, "wrong"), ("nobody", "whatever")] {
        let response = app
            .form(
                "/oauth/token",
                Some((id, secret)),
                &[("grant_type", "client_credentials")],
            )
            .await;
        assert_eq!(
            response.headers()["www-authenticate"],
            "Basic realm=\"authbench\""
        );
        assert_eq!(error_of(response).await, (401, "invalid_client".into()));
    }
}

/// A form, its HTTP Basic client credential if any, and the expected status and error.
type Case<'a> = (
    &'a [(&'a str, &'a str)],
    Option<(&'a str, &'a str)>,
    (u16, &'a str),
);

#[tokio::test]
async fn unknown_grants_missing_fields_bad_scopes_and_forbidden_grants_get_their_standard_codes() {
    let app = spawn_app().await;
    let cases: [Case; 5] = [
        (
            &[("grant_type", "implicit"), ("client_id", "authbench-login")],
            None,
            (400, "unsupported_grant_type"),
        ),
        (
            &[("client_id", "authbench-login")],
            None,
            (400, "invalid_request"),
        ),
        (
            &[("grant_type", "password"), ("client_id", "authbench-login")],
            None,
            (400, "invalid_request"),
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("scope", "departments:write"),
            ],
            Some(REPORTING),
            (400, "invalid_scope"),
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "authbench-login"),
            ],
            None,
            (400, "unauthorized_client"),
        ),
    ];
    for (form, basic, (status, code)) in cases {
        let response = app.form("/oauth/token", basic, form).await;
        assert_eq!(error_of(response).await, (status, code.to_string()), "{form:?}");
    }
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_family() {
    let app = spawn_app().await;
    let tokens = app.password_grant(USER).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();

    let response = app
        .form(
            "/oauth/revoke",
            None,
            &[("token", refresh), ("client_id", "authbench-login")],
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        error_of(app.rotate(refresh).await).await,
        (400, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_revoked_access_token_is_inactive_at_introspection() {
    let app = spawn_app().await;
    let tokens = app.password_grant(ADMIN).await;
    let access = tokens["access_token"].as_str().unwrap();
    let before = app.introspect(access).await;
    assert_eq!(before["active"], true);
    assert_eq!(before["sub"], "alice");
    assert_eq!(before["token_type"], "Bearer");

    let response = app
        .form(
            "/oauth/revoke",
            None,
            &[("token", access), ("client_id", "authbench-login")],
        )
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(app.introspect(access).await, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn revoking_something_that_is_not_a_token_still_answers_200() {
    let app = spawn_app().await;
    let response = app
        .form(
            "/oauth/revoke",
            None,
            &[("token", "not.a.token"), ("client_id", "authbench-login")],
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn another_client_cannot_revoke_a_users_token() {
    let app = spawn_app().await;
    let tokens = app.password_grant(USER).await;
    let access = tokens["access_token"].as_str().unwrap();

    let response = app
        .form("/oauth/revoke", Some(REPORTING), &[("token", access)])
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(app.introspect(access).await["active"], true);
}

#[tokio::test]
async fn introspection_needs_a_confidential_caller_and_says_inactive_for_anything_invalid() {
    let app = spawn_app().await;
    let tokens = app.password_grant(USER).await;
    let access = tokens["access_token"].as_str().unwrap();

    let anonymous = app.form("/oauth/introspect", None, &[("token", access)]).await;
    assert_eq!(error_of(anonymous).await, (401, "invalid_client".into()));
    let public = app
        .form(
            "/oauth/introspect",
            None,
            &[("token", access), ("client_id", "authbench-login")],
        )
        .await;
    assert_eq!(error_of(public).await, (401, "invalid_client".into()));

    let by_client: Value = app
        .form("/oauth/introspect", Some(REPORTING), &[("token", access)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_client["active"], true);
    for junk in ["", "abc", "a.b.c", &format!("{access}x")] {
        assert_eq!(
            app.introspect(junk).await,
            serde_json::json!({"active": false}),
            "{junk}"
        );
    }
    let refresh = app.introspect(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refresh["active"], true);
    assert_eq!(refresh["token_type"], "refresh_token");
}

#[tokio::test]
async fn a_role_change_reaches_the_next_refresh() {
    let app = spawn_app().await;
    let tokens = app.password_grant(ADMIN).await;
    let conn =
        authbench_core::redis_conn::connect(&app.settings.redis.url, std::time::Duration::from_secs(1))
            .unwrap();

    authbench_core::roles::change_roles(
        conn,
        None,
        &app.settings.redis.key_prefix,
        std::time::Duration::from_secs(1),
        "alice",
        &["user".to_string()],
        std::time::Duration::from_secs(60),
    )
    .await
    .unwrap();

    let rotated: Value = app
        .rotate(tokens["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let claims = app.hs256_claims(
        rotated["access_token"].as_str().unwrap(),
        &app.settings.jwt.audience,
    );
    assert_eq!(claims["roles"], serde_json::json!(["user"]));
    // The token issued before the change is cut off on the denylist.
    assert_eq!(
        app.introspect(tokens["access_token"].as_str().unwrap()).await["active"],
        false
    );
}

#[tokio::test]
async fn the_password_grant_is_throttled_like_the_login_with_429_and_retry_after() {
    let app = crate::helpers::spawn_app_with(|s| s.login_limits.max_failures_per_user = 2).await;
    let grant = |password: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", "authbench-login"),
            ("username", USER.0),
            ("password", password),
        ]
    };
    for _ in 0..2 {
        let response = app.form("/oauth/token", None, &grant("wrong")).await;
        assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
    }

    let response = app.form("/oauth/token", None, &grant(USER.1)).await;

    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(error_of(response).await, (429, "too_many_requests".into()));
    // The JSON login shares the counter.
    assert_eq!(app.login(USER.0, USER.1).await.status(), 429);
}
