use serde_json::Value;

use crate::helpers::{ADMIN, USER, spawn_app};

#[tokio::test]
async fn a_login_returns_an_rfc_9068_access_token_and_a_refresh_token() {
    let app = spawn_app().await;

    let response = app.login(ADMIN.0, ADMIN.1).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 86400);
    let access = body["access_token"].as_str().unwrap();
    assert!(cookie.starts_with(&format!("access_token={access};")), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert!(header.kid.is_some());
    let claims = app.hs256_claims(access, &app.settings.jwt.audience);
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["roles"], serde_json::json!(["admin", "user"]));
    assert_eq!(claims["aud"], app.settings.jwt.audience);
    assert_eq!(claims["iss"], app.settings.jwt.issuer);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        300
    );
    for claim in ["nbf", "jti", "client_id"] {
        assert!(claims.get(claim).is_some(), "{claim} missing");
    }
}

#[tokio::test]
async fn each_token_gets_its_own_jti() {
    let app = spawn_app().await;

    let a = app.tokens_of(USER).await;
    let b = app.tokens_of(USER).await;

    let jti = |t: &Value| {
        app.hs256_claims(t["access_token"].as_str().unwrap(), &app.settings.jwt.audience)["jti"].clone()
    };
    assert_ne!(jti(&a), jti(&b));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_401() {
    let app = spawn_app().await;

    let wrong = app.login(ADMIN.0, "not-the-password").await;
    let unknown = app.login("mallory", "not-the-password").await;

    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn bad_json_at_login_is_a_400_with_a_json_error() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(format!("{}/login", app.address))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn a_short_hs256_secret_stops_the_server_outside_the_dev_profile() {
    let mut settings = authbench_core::Settings::loopback("redis://127.0.0.1:1").unwrap();
    settings.profile = authbench_core::Profile::Production;
    settings.jwt.secret = Some(secrecy::SecretString::from("0123456789abcdef0123456789abcde"));

    let error = jwt_auth::Application::build(&settings)
        .err()
        .expect("the build must fail");

    assert!(error.to_string().contains("31 bytes"), "{error}");
}

#[tokio::test]
async fn a_missing_private_key_stops_the_server_outside_the_dev_profile() {
    let mut settings = authbench_core::Settings::loopback("redis://127.0.0.1:1").unwrap();
    settings.profile = authbench_core::Profile::Production;
    settings.jwt.algorithm = authbench_core::settings::SigningAlgorithm::ES256;

    let error = jwt_auth::Application::build(&settings)
        .err()
        .expect("the build must fail");

    assert!(error.to_string().contains("APP_JWT__PRIVATE_KEY_FILE"), "{error}");
}
