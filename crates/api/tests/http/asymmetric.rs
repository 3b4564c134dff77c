//! The JWT flow with public-key signatures: the API server fetches the JWKS, finds the key
//! by `kid`, and lets only that key's one algorithm verify.

use authbench_core::settings::{ApiMode, SigningAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jwt_auth::keys::SigningKey;
use serde_json::json;

use crate::helpers::{USER, assert_invalid_token, spawn_system_with};

const ASYMMETRIC: [SigningAlgorithm; 3] = [
    SigningAlgorithm::EdDSA,
    SigningAlgorithm::ES256,
    SigningAlgorithm::RS256,
];

fn sign(key: &SigningKey, kid: &str, alg: jsonwebtoken::Algorithm, claims: &serde_json::Value) -> String {
    let mut header = jsonwebtoken::Header::new(alg);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

#[tokio::test]
async fn each_asymmetric_algorithm_works_end_to_end_through_the_jwks() {
    for alg in ASYMMETRIC {
        let system = spawn_system_with(|s| s.jwt.algorithm = alg).await;
        let token = system.credential(ApiMode::Jwt, USER).await;

        let response = system.get(ApiMode::Jwt, "/api/departments", &token).await;

        assert_eq!(response.status(), 200, "{alg}");
    }
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_the_servers_kid_is_refused() {
    for alg in ASYMMETRIC {
        let system = spawn_system_with(|s| s.jwt.algorithm = alg).await;
        let impostor = SigningKey::generate(alg).unwrap();
        let claims = system.valid_claims("bob", &["admin"]);

        let forged = sign(&impostor, &system.jwt_key.kid, alg.jwt_algorithm(), &claims);

        assert_invalid_token(
            &system.get(ApiMode::Jwt, "/api/me", &forged).await,
            &format!("{alg} impostor"),
        );
    }
}

#[tokio::test]
async fn an_unknown_kid_is_refused() {
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let impostor = SigningKey::generate(SigningAlgorithm::ES256).unwrap();
    let claims = system.valid_claims("bob", &["user"]);

    let forged = sign(&impostor, "no-such-key", jsonwebtoken::Algorithm::ES256, &claims);

    assert_invalid_token(&system.get(ApiMode::Jwt, "/api/me", &forged).await, "unknown kid");
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    // Algorithm confusion: a verifier that lets the token's `alg` choose would check this
    // HMAC with the public key as the secret, and accept it.
    for alg in [
        SigningAlgorithm::ES256,
        SigningAlgorithm::RS256,
        SigningAlgorithm::EdDSA,
    ] {
        let system = spawn_system_with(|s| s.jwt.algorithm = alg).await;
        let jwks: serde_json::Value = system
            .client
            .get(format!("{}/.well-known/jwks.json", system.jwt_auth))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let public = serde_json::to_vec(&jwks["keys"][0]).unwrap();
        let claims = system.valid_claims("bob", &["admin"]);
        let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": system.jwt_key.kid});
        for secret in [
            public.clone(),
            jwks["keys"][0]["x"]
                .as_str()
                .unwrap_or_default()
                .as_bytes()
                .to_vec(),
        ] {
            let signing_input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
            );
            let tag = aws_lc_rs::hmac::sign(
                &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret),
                signing_input.as_bytes(),
            );
            let forged = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));

            assert_invalid_token(
                &system.get(ApiMode::Jwt, "/api/me", &forged).await,
                &format!("{alg} confusion"),
            );
        }
    }
}

#[tokio::test]
async fn once_the_keys_are_known_the_jwt_flow_does_not_need_the_auth_server() {
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::EdDSA).await;
    let token = system.credential(ApiMode::Jwt, USER).await;
    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);

    // The API server never calls the JWT auth server again for a known kid: even with the
    // session auth link and Redis cut, the JWT call succeeds.
    system.redis_link().set_mode(linkproxy::Mode::Refuse);
    system.session_auth_link.set_mode(linkproxy::Mode::Refuse);

    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
}

#[tokio::test]
async fn without_reachable_public_keys_the_jwt_flow_answers_503_then_recovers_when_they_return() {
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let token = system.credential(ApiMode::Jwt, USER).await;
    system.jwt_auth_link.set_mode(linkproxy::Mode::Refuse);

    let response = system.get(ApiMode::Jwt, "/api/me", &token).await;

    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(system.get_anonymous(ApiMode::Jwt, "/readyz").await.status(), 503);

    system.jwt_auth_link.set_mode(linkproxy::Mode::Pass);

    // The configured re-fetch interval is 30 s; with no key known the API retries sooner.
    let recovered = linkproxy::eventually(std::time::Duration::from_secs(10), || async {
        system.get(ApiMode::Jwt, "/api/me", &token).await.status() == 200
    })
    .await;
    assert!(recovered, "the JWT flow recovers once the keys can be fetched");
}

#[tokio::test]
async fn forged_kids_do_not_make_the_api_server_hammer_the_auth_server() {
    let system = spawn_system_with(|s| s.jwt.algorithm = SigningAlgorithm::ES256).await;
    let token = system.credential(ApiMode::Jwt, USER).await;
    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);
    let impostor = SigningKey::generate(SigningAlgorithm::ES256).unwrap();
    let claims = system.valid_claims("bob", &["user"]);
    let fetches_before = system.jwt_auth_link.accepted();

    for i in 0..50 {
        let forged = sign(
            &impostor,
            &format!("forged-{i}"),
            jsonwebtoken::Algorithm::ES256,
            &claims,
        );
        assert_invalid_token(&system.get(ApiMode::Jwt, "/api/me", &forged).await, "forged kid");
    }

    // At most one re-fetch per configured interval (30 s): one new connection at most.
    assert!(system.jwt_auth_link.accepted() - fetches_before <= 1);
}
