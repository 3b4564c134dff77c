//! Access tokens the API server must refuse, HS256. Each case is a 401 with
//! `error="invalid_token"`, and no forged token gets through.

use std::time::Duration;

use authbench_core::settings::ApiMode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::helpers::{USER, assert_invalid_token, spawn_system, spawn_system_with};

const JWT: ApiMode = ApiMode::Jwt;

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test]
async fn a_payload_tampered_after_signing_is_refused() {
    let system = spawn_system().await;
    let token = system.credential(JWT, USER).await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["roles"] = json!(["admin", "user"]);
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);

    let response = system.create_department(JWT, &tampered, "Escalation").await;

    assert_invalid_token(&response, "tampered payload");
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let system = spawn_system().await;
    let claims = system.valid_claims("bob", &["admin"]);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"an-attacker-chosen-secret-of-32-bytes!"),
    )
    .unwrap();

    assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, "another secret");
}

#[tokio::test]
async fn unsigned_tokens_with_alg_none_in_any_spelling_are_refused() {
    let system = spawn_system().await;
    let claims = system.valid_claims("bob", &["admin"]);

    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "at+jwt"});
        for signature in ["", "AAAA"] {
            let forged = format!("{}.{}.{signature}", b64(&header), b64(&claims));
            assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, &format!("alg {alg}"));
        }
    }
}

#[tokio::test]
async fn a_token_with_an_empty_signature_is_refused() {
    let system = spawn_system().await;
    let token = system.credential(JWT, USER).await;
    let unsigned = format!("{}.", token.rsplit_once('.').unwrap().0);

    assert_invalid_token(&system.get(JWT, "/api/me", &unsigned).await, "empty signature");
}

#[tokio::test]
async fn claims_outside_the_rules_are_refused_even_when_correctly_signed() {
    let system = spawn_system().await;
    let now = authbench_core::time::now_secs();
    let leeway = system.settings.jwt.leeway_secs;
    let valid = system.valid_claims("bob", &["user"]);
    let with = |key: &str, value: serde_json::Value| {
        let mut c = valid.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = valid.clone();
        c.as_object_mut().unwrap().remove(key);
        c
    };
    let cases = [
        (
            "expired 1 s beyond the leeway",
            with("exp", json!(now - leeway - 1)),
        ),
        (
            "nbf in the future beyond the leeway",
            with("nbf", json!(now + leeway + 60)),
        ),
        ("exp missing", without("exp")),
        ("nbf missing", without("nbf")),
        ("sub missing", without("sub")),
        ("wrong issuer", with("iss", json!("https://evil.example"))),
        ("iss missing", without("iss")),
        ("wrong audience", with("aud", json!("another-api"))),
        ("aud missing", without("aud")),
        ("exp is a string", with("exp", json!("tomorrow"))),
        ("roles missing", without("roles")),
    ];

    for (case, claims) in cases {
        let token = system.forge_hs256("at+jwt", &claims);
        assert_invalid_token(&system.get(JWT, "/api/me", &token).await, case);
    }
    // The control: the same claims unaltered are accepted.
    let token = system.forge_hs256("at+jwt", &valid);
    assert_eq!(system.get(JWT, "/api/me", &token).await.status(), 200);
}

#[tokio::test]
async fn a_token_expired_less_than_the_leeway_ago_is_still_accepted() {
    let system = spawn_system().await;
    let now = authbench_core::time::now_secs();
    let mut claims = system.valid_claims("bob", &["user"]);
    claims["exp"] = json!(now - system.settings.jwt.leeway_secs / 2);

    let token = system.forge_hs256("at+jwt", &claims);

    assert_eq!(system.get(JWT, "/api/me", &token).await.status(), 200);
}

#[tokio::test]
async fn an_access_token_expires_at_its_configured_lifetime() {
    let system = spawn_system_with(|s| {
        s.jwt.access_ttl_secs = 1;
        s.jwt.leeway_secs = 0;
    })
    .await;
    let token = system.credential(JWT, USER).await;
    assert_eq!(system.get(JWT, "/api/me", &token).await.status(), 200);

    tokio::time::sleep(Duration::from_millis(2100)).await;

    let response = system.get(JWT, "/api/me", &token).await;
    assert_invalid_token(&response, "expired");
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("expired"), "{challenge}");
}

#[tokio::test]
async fn a_refresh_token_is_never_accepted_as_an_access_token() {
    let system = spawn_system().await;
    let tokens = system.tokens_of(USER).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();

    assert_invalid_token(&system.get(JWT, "/api/me", refresh).await, "refresh token");

    // Even with the access `typ`, its audience and kind still give it away.
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(refresh.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let retyped = system.forge_hs256("at+jwt", &claims);
    assert_invalid_token(
        &system.get(JWT, "/api/me", &retyped).await,
        "refresh claims as at+jwt",
    );
}

#[tokio::test]
async fn a_token_without_the_access_token_type_is_refused() {
    let system = spawn_system().await;
    let claims = system.valid_claims("bob", &["user"]);

    for typ in ["JWT", "refresh+jwt", ""] {
        let token = system.forge_hs256(typ, &claims);
        assert_invalid_token(&system.get(JWT, "/api/me", &token).await, &format!("typ {typ:?}"));
    }
}

#[tokio::test]
async fn malformed_tokens_are_refused_without_a_crash() {
    let system = spawn_system().await;
    let token = system.credential(JWT, USER).await;
    let not_json = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode("{not json"),
        URL_SAFE_NO_PAD.encode("[]"),
        "AAAA"
    );
    let cases = [
        ("truncated", token[..token.len() / 2].to_string()),
        ("two parts", token.rsplit_once('.').unwrap().0.to_string()),
        ("four parts", format!("{token}.AAAA")),
        ("invalid base64", "!!!.@@@.###".to_string()),
        ("base64 of invalid JSON", not_json),
        ("10,000 dots", ".".repeat(10_000)),
        ("one character", "a".to_string()),
        ("very long", "a".repeat(9_000)),
    ];

    for (case, credential) in cases {
        let response = system
            .client
            .get(format!("{}/api/me", system.api(JWT)))
            .header("authorization", format!("Bearer {credential}"))
            .send()
            .await
            .unwrap();
        assert_invalid_token(&response, case);
    }
}
