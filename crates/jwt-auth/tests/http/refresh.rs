use std::time::Duration;

use serde_json::Value;

use crate::helpers::{USER, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_refresh_token_buys_a_new_access_token() {
    let app = spawn_app().await;
    let tokens = app.tokens_of(USER).await;

    let response = app.refresh(tokens["refresh_token"].as_str().unwrap()).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert_ne!(access, tokens["access_token"].as_str().unwrap());
    let claims = app.hs256_claims(access, &app.settings.jwt.audience);
    assert_eq!(claims["sub"], "bob");
    assert_eq!(claims["roles"], serde_json::json!(["user"]));
}

#[tokio::test]
async fn an_access_token_is_refused_as_a_refresh_token() {
    let app = spawn_app().await;
    let tokens = app.tokens_of(USER).await;

    let response = app.refresh(tokens["access_token"].as_str().unwrap()).await;

    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn a_tampered_refresh_token_is_refused() {
    let app = spawn_app().await;
    let tokens = app.tokens_of(USER).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let mut parts: Vec<String> = refresh.split('.').map(str::to_string).collect();
    // Flip one character of the signature.
    let sig = parts[2].clone();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    parts[2] = format!("{first}{}", &sig[1..]);

    let response = app.refresh(&parts.join(".")).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = spawn_app_with(|s| {
        s.jwt.refresh_ttl_secs = 1;
        s.jwt.leeway_secs = 0;
    })
    .await;
    let tokens = app.tokens_of(USER).await;

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = app.refresh(tokens["refresh_token"].as_str().unwrap()).await;

    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("expired"), "{challenge}");
}

#[tokio::test]
async fn garbage_at_refresh_is_a_401_or_a_400_never_a_500() {
    let app = spawn_app().await;

    for token in ["", "a.b.c", "....", "eyJhbGciOiJub25lIn0.e30."] {
        let status = app.refresh(token).await.status();
        assert_eq!(status, 401, "token {token:?}");
    }
    let not_json = app
        .client
        .post(format!("{}/refresh", app.address))
        .header("content-type", "application/json")
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
}
