//! The attack suite: one named test per known attack on a bearer credential, each
//! asserting the exact status and `WWW-Authenticate` error. No forged credential gets
//! through.
//!
//! Cases tested elsewhere, by name:
//! - HS256 signed with the RSA, EC or Ed25519 *public* key (algorithm confusion):
//!   `asymmetric::an_hs256_token_keyed_with_the_public_key_is_refused`;
//! - another key under the server's `kid`, an unknown `kid`: `asymmetric.rs`;
//! - a session id that never existed, and one after logout:
//!   `sessions::a_session_id_that_never_existed_is_an_invalid_token`,
//!   `sessions::logout_makes_the_session_id_useless_at_once_on_every_api_server`;
//! - session fixation (a new id at every login, the presented one ended):
//!   `session-auth: login::every_login_makes_a_new_session_id_and_ends_the_one_presented`;
//! - reuse of a rotated refresh token (the family is revoked):
//!   `jwt-auth: oauth::reusing_a_rotated_refresh_token_revokes_the_whole_family`;
//! - an access token from a rotated-out key after its grace period:
//!   `rotation::an_access_token_from_a_rotated_out_key_after_its_grace_period_is_refused`;
//! - a short HMAC secret: `a_short_hmac_secret_stops_every_server_that_would_use_it` here;
//! - a revoked API key, and a disabled user's key: `database.rs`.

use std::time::Duration;

use authbench_core::settings::ApiMode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use authbench_core::settings::SigningAlgorithm;
use jwt_auth::keys::SigningKey;

use crate::helpers::{USER, assert_invalid_token, spawn_system, spawn_system_with, status_and_challenge};

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

/// Signs `valid_claims` for bob with one claim changed (`Some`) or removed (`None`), and
/// asserts the API refuses it with `invalid_token`.
async fn refused_with_claim(case: &str, key: &str, value: Option<serde_json::Value>) {
    let system = spawn_system().await;
    let mut claims = system.valid_claims("bob", &["user"]);
    // The control: the claims unaltered are accepted.
    let control = system.forge_hs256("at+jwt", &claims);
    assert_eq!(
        system.get(JWT, "/api/me", &control).await.status(),
        200,
        "control"
    );
    match value {
        Some(v) => claims[key] = v,
        None => {
            claims.as_object_mut().unwrap().remove(key);
        }
    }
    let token = system.forge_hs256("at+jwt", &claims);
    assert_invalid_token(&system.get(JWT, "/api/me", &token).await, case);
}

fn now() -> u64 {
    authbench_core::time::now_secs()
}

#[tokio::test]
async fn a_token_expired_one_second_beyond_the_leeway_is_refused() {
    let leeway = authbench_core::Settings::load_profile(authbench_core::Profile::Dev)
        .unwrap()
        .jwt
        .leeway_secs;
    refused_with_claim("expired", "exp", Some(json!(now() - leeway - 1))).await;
}

#[tokio::test]
async fn a_token_whose_nbf_is_in_the_future_is_refused() {
    refused_with_claim("nbf in the future", "nbf", Some(json!(now() + 3600))).await;
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    refused_with_claim("exp missing", "exp", None).await;
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    refused_with_claim("wrong iss", "iss", Some(json!("https://evil.example"))).await;
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    refused_with_claim("wrong aud", "aud", Some(json!("another-api"))).await;
}

#[tokio::test]
async fn other_missing_or_mistyped_claims_are_refused() {
    let system = spawn_system().await;
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
        ("nbf missing", without("nbf")),
        ("sub missing", without("sub")),
        ("iss missing", without("iss")),
        ("aud missing", without("aud")),
        ("exp is a string", with("exp", json!("tomorrow"))),
        ("roles missing", without("roles")),
    ];
    for (case, claims) in cases {
        let token = system.forge_hs256("at+jwt", &claims);
        assert_invalid_token(&system.get(JWT, "/api/me", &token).await, case);
    }
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
    // `iat` is whole seconds, so a 2 s token lives between 1 and 2 s.
    let system = spawn_system_with(|s| {
        s.jwt.access_ttl_secs = 2;
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

/// Sends `credential` as a bearer token and asserts `invalid_token`.
async fn refused_as_sent(case: &str, credential: &str) {
    let system = spawn_system().await;
    let response = system
        .client
        .get(format!("{}/api/me", system.api(JWT)))
        .header("authorization", format!("Bearer {credential}"))
        .send()
        .await
        .unwrap();
    assert_invalid_token(&response, case);
}

async fn a_real_token() -> String {
    let system = spawn_system().await;
    system.credential(JWT, USER).await
}

#[tokio::test]
async fn a_truncated_token_is_refused() {
    let token = a_real_token().await;
    refused_as_sent("truncated", &token[..token.len() / 2]).await;
    refused_as_sent("no signature part", token.rsplit_once('.').unwrap().0).await;
}

#[tokio::test]
async fn a_token_of_invalid_base64_is_refused() {
    refused_as_sent("invalid base64", "e30.e30.!!!").await;
    refused_as_sent("invalid base64 everywhere", "@@@.###.$$$").await;
}

#[tokio::test]
async fn valid_base64_of_invalid_json_is_refused() {
    let not_json = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode("{not json"),
        URL_SAFE_NO_PAD.encode("[]"),
        "AAAA"
    );
    refused_as_sent("base64 of invalid JSON", &not_json).await;
}

#[tokio::test]
async fn ten_thousand_dots_are_refused_as_too_large_without_parsing() {
    // 10,000 bytes: over the 8 KB limit, so refused before any parsing.
    let system = spawn_system().await;
    let response = system.get(JWT, "/api/me", &".".repeat(10_000)).await;
    assert_header_too_large(&response, "10,000 dots");
    // Under the limit, dots are a malformed token.
    refused_as_sent("8,000 dots", &".".repeat(8_000)).await;
}

#[tokio::test]
async fn a_credential_header_over_8_kb_is_431_in_every_mode() {
    let system = spawn_system().await;
    for mode in ApiMode::ALL {
        for credential in ["a".repeat(8 * 1024 + 1), "a".repeat(64 * 1024)] {
            let response = system.get(mode, "/api/me", &credential).await;
            assert_header_too_large(&response, &format!("{mode}, {} bytes", credential.len()));
        }
        // Exactly 8 KB is still read as a credential (and refused as such).
        let response = system.get(mode, "/api/me", &"a".repeat(8 * 1024)).await;
        assert_invalid_token(&response, &format!("{mode}, 8 KB"));
    }
}

fn assert_header_too_large(response: &reqwest::Response, case: &str) {
    let (status, challenge) = status_and_challenge(response);
    assert_eq!(status, 431, "{case}");
    assert!(
        challenge.starts_with("Bearer realm=\"authbench\", error=\"invalid_request\""),
        "{case}: {challenge}"
    );
}

#[tokio::test]
async fn other_malformed_credentials_are_refused_without_a_crash() {
    let token = a_real_token().await;
    for (case, credential) in [
        ("four parts", format!("{token}.AAAA")),
        ("one character", "a".to_string()),
        ("only dots", "..".to_string()),
    ] {
        refused_as_sent(case, &credential).await;
    }
}

#[tokio::test]
async fn a_jwk_header_naming_the_attackers_own_key_is_ignored() {
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let attacker = SigningKey::generate(SigningAlgorithm::ES256).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(system.jwt_key.kid.clone());
    header.jwk = attacker.public_jwk.clone();
    let claims = system.valid_claims("bob", &["admin"]);
    let forged = jsonwebtoken::encode(&header, &claims, &attacker.encoding).unwrap();

    assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, "jwk injection");
}

/// A listener that counts the connections it gets: where a naive verifier would fetch
/// the attacker's keys.
async fn attacker_key_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    (url, hits)
}

#[tokio::test]
async fn jku_and_x5u_headers_pointing_at_the_attackers_keys_are_never_fetched() {
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let attacker = SigningKey::generate(SigningAlgorithm::ES256).unwrap();
    let (url, hits) = attacker_key_server().await;
    let claims = system.valid_claims("bob", &["admin"]);
    for (case, kid) in [
        ("jku", "attacker-key"),
        ("x5u", "attacker-key"),
        ("jku, server's kid", ""),
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(if kid.is_empty() {
            system.jwt_key.kid.clone()
        } else {
            kid.to_string()
        });
        if case.starts_with("jku") {
            header.jku = Some(url.clone());
        } else {
            header.x5u = Some(url.clone());
        }
        let forged = jsonwebtoken::encode(&header, &claims, &attacker.encoding).unwrap();
        assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, case);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the API server fetched a URL from a token"
    );
}

#[tokio::test]
async fn a_kid_with_path_traversal_is_refused() {
    // The classic: a kid naming /dev/null, the token signed with the empty key it would read.
    let system = spawn_system().await;
    let claims = system.valid_claims("bob", &["admin"]);
    for kid in [
        "../../../../../../dev/null",
        "/dev/null",
        "..\\..\\windows\\win.ini",
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.to_string());
        let forged =
            jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(b"")).unwrap();
        assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, kid);
    }
    // With public keys, the kid is only ever a lookup in the fetched JWKS.
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let attacker = SigningKey::generate(SigningAlgorithm::ES256).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some("../../keys/private.pem".into());
    let forged = jsonwebtoken::encode(&header, &claims, &attacker.encoding).unwrap();
    assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, "ES256 traversal kid");
}

#[tokio::test]
async fn a_kid_with_sql_like_content_is_refused() {
    let system = spawn_system().await;
    let claims = system.valid_claims("bob", &["admin"]);
    for (kid, secret) in [
        ("x' UNION SELECT 'attacker-secret' --", "attacker-secret"),
        ("' OR '1'='1", ""),
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.to_string());
        let forged = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        assert_invalid_token(&system.get(JWT, "/api/me", &forged).await, kid);
    }
}

#[tokio::test]
async fn an_ecdsa_signature_of_zeros_is_refused() {
    // CVE-2022-21449 ("psychic signatures"): r = s = 0 verified as valid in some JDKs.
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let token = system.credential(JWT, USER).await;
    let signing_input = token.rsplit_once('.').unwrap().0;
    let mut claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signing_input.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    claims["roles"] = json!(["admin", "user"]);
    let header = signing_input.split('.').next().unwrap();
    for signature in [vec![0u8; 64], vec![0u8; 8], Vec::new()] {
        let forged = format!("{header}.{}.{}", b64(&claims), URL_SAFE_NO_PAD.encode(&signature));
        assert_invalid_token(
            &system.get(JWT, "/api/me", &forged).await,
            &format!("{} zero bytes", signature.len()),
        );
    }
}

#[tokio::test]
async fn a_short_hmac_secret_stops_every_server_that_would_use_it() {
    // An HS256 secret shorter than 32 bytes can be brute-forced offline from any one token.
    let mut settings = authbench_core::Settings::load_profile(authbench_core::Profile::Production).unwrap();
    settings.jwt.secret = Some(secrecy::SecretString::from("short-secret-16b"));
    settings.introspection.client_secret = Some(authbench_core::secret::random_secret());
    settings.api.mode = ApiMode::Jwt;
    settings.jwt_auth.port = 0;
    settings.api.listen.port = 0;

    let auth = jwt_auth::Application::build(&settings)
        .err()
        .expect("the JWT auth server refuses it");
    assert!(auth.to_string().contains("at least 32"), "{auth}");
    let api = api::Application::build(&settings)
        .err()
        .expect("the API server refuses it");
    assert!(api.to_string().contains("at least 32"), "{api}");
}

#[tokio::test]
async fn unknown_malformed_and_misplaced_api_keys_are_refused_before_or_after_the_lookup() {
    let system = spawn_system().await;
    let key = system.credential(ApiMode::ApiKey, USER).await;
    let unknown = authbench_core::database::api_keys::new_key();
    let token = system.credential(ApiMode::Jwt, USER).await;
    for (case, credential) in [
        ("an unknown key of the right shape", unknown.clone()),
        ("the key less one character", key[..key.len() - 1].to_string()),
        ("the key and one more character", format!("{key}A")),
        ("another prefix", key.replacen("abk_", "sk_l", 1)),
        ("the key with its last character changed", {
            let mut k = key.clone();
            let last = if k.ends_with('A') { 'B' } else { 'A' };
            k.pop();
            k.push(last);
            k
        }),
        ("a JWT where a key belongs", token.clone()),
        ("a session id where a key belongs", system.session_of(USER).await),
    ] {
        let response = system.get(ApiMode::ApiKey, "/api/me", &credential).await;
        assert_invalid_token(&response, case);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token", "{case}");
    }
    // A key is no token and no session id anywhere else.
    for mode in [
        ApiMode::Jwt,
        ApiMode::JwtUserdb,
        ApiMode::Session,
        ApiMode::SessionRedis,
    ] {
        assert_invalid_token(
            &system.get(mode, "/api/me", &key).await,
            &format!("a key at {mode}"),
        );
    }
    // Never from the query string: a URL ends up in logs and browser histories.
    for name in ["api_key", "access_token", "key"] {
        let response = system
            .client
            .get(format!("{}/api/me?{name}={key}", system.api(ApiMode::ApiKey)))
            .send()
            .await
            .unwrap();
        let (status, challenge) = status_and_challenge(&response);
        assert_eq!(
            (status, challenge.as_str()),
            (401, "Bearer realm=\"authbench\""),
            "?{name}="
        );
    }
    // The real key still works: none of the above locked it out.
    assert_eq!(system.get(ApiMode::ApiKey, "/api/me", &key).await.status(), 200);
}
