//! No password, session id, token or API key ever reaches a log, however verbose: every
//! server of a system runs with a subscriber that records everything up to TRACE while the
//! credentials are used, refused and revoked, and the record is searched for each of them.

// The HTTP tests' system, of which this test uses a part.
#[allow(dead_code)]
#[path = "http/helpers.rs"]
mod helpers;

use std::io::Write;
use std::sync::{Arc, Mutex};

use authbench_core::settings::ApiMode;
use helpers::{USER, spawn_system};
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_credential_reaches_the_log_even_at_trace() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let system = spawn_system().await;
    let wrong_password = "not-bobs-password-7f3a";

    // A failed login, a good one, each kind of credential used and refused, a key issued,
    // listed and revoked, a logout.
    let failed = system
        .client
        .post(format!("{}/login", system.jwt_auth))
        .json(&json!({"username": USER.0, "password": wrong_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);
    let tokens = system.tokens_of(USER).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let session = system.session_of(USER).await;
    let issued = system.api_key_of(USER).await;
    let key = issued["key"].as_str().unwrap().to_string();
    for (mode, credential) in [
        (ApiMode::Session, &session),
        (ApiMode::SessionRedis, &session),
        (ApiMode::Jwt, &access),
        (ApiMode::JwtDenylist, &access),
        (ApiMode::JwtUserdb, &access),
        (ApiMode::ApiKey, &key),
    ] {
        assert_eq!(
            system.get(mode, "/api/me", credential).await.status(),
            200,
            "{mode}"
        );
        // The same credential, one character changed: refused, and logged as refused.
        let mut altered = credential.clone();
        let last = if altered.ends_with('A') { 'B' } else { 'A' };
        altered.pop();
        altered.push(last);
        assert_eq!(
            system.get(mode, "/api/me", &altered).await.status(),
            401,
            "{mode}"
        );
    }
    let token = system.access_token_of(USER).await;
    let listed = system
        .client
        .get(format!("{}/api-keys", system.jwt_auth))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let revoked = system
        .client
        .delete(format!("{}/api-keys/{}", system.jwt_auth, issued["id"]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    system.logout(&session).await;
    let logout = system
        .client
        .post(format!("{}/oauth/revoke", system.jwt_auth))
        .form(&[("token", refresh.as_str()), ("client_id", "authbench-login")])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);

    let log = String::from_utf8_lossy(&capture.0.lock().unwrap()).to_string();
    // The record is real: it holds what the servers did.
    assert!(log.contains("API key issued"), "nothing was recorded:\n{log}");
    assert!(log.contains("API key revoked"));
    let secrets = [
        ("bob's password", USER.1.to_string()),
        ("a wrong password", wrong_password.to_string()),
        ("the session id", session.clone()),
        (
            "the session id's random part",
            session.split_once('.').unwrap().1.to_string(),
        ),
        (
            "the access token's signature",
            access.rsplit_once('.').unwrap().1.to_string(),
        ),
        (
            "the refresh token's signature",
            refresh.rsplit_once('.').unwrap().1.to_string(),
        ),
        ("the API key", key.clone()),
        ("the API key's random part", key["abk_".len()..].to_string()),
    ];
    for (what, secret) in secrets {
        assert!(!log.contains(&secret), "{what} is in the log");
    }
}
