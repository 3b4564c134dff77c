//! Key rotation: the JWT auth server signs with its active key and still vouches for
//! retired keys during their grace period; the API server accepts a retired key's tokens
//! exactly that long.

use std::time::Duration;

use authbench_core::settings::{ApiMode, PreviousKey, SigningAlgorithm};
use authbench_core::time::now_secs;
use jwt_auth::keys::SigningKey;
use secrecy::{ExposeSecret, SecretString};

use crate::helpers::{TestSystem, assert_invalid_token, spawn_system_with};

const GRACE_SECS: u64 = 60;

fn hs256_token(system: &TestSystem, secret: &SecretString) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(authbench_core::secret::hmac_kid(secret));
    let claims = system.valid_claims("bob", &["user"]);
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )
    .unwrap()
}

fn es256_token(system: &TestSystem, key: &SigningKey) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &system.valid_claims("bob", &["user"]), &key.encoding).unwrap()
}

async fn published_kids(system: &TestSystem) -> Vec<String> {
    let jwks: serde_json::Value = system
        .client
        .get(format!("{}/.well-known/jwks.json", system.jwt_auth))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_retired_hmac_key_is_accepted_within_its_grace_period() {
    let retired = authbench_core::secret::random_secret();
    let secret = retired.clone();
    let system = spawn_system_with(move |s| {
        s.jwt.key_grace_secs = Some(GRACE_SECS);
        s.jwt.previous_keys = vec![PreviousKey {
            secret: Some(secret),
            private_key_file: None,
            retired_at: now_secs(),
        }];
    })
    .await;

    let token = hs256_token(&system, &retired);

    for mode in [ApiMode::Jwt, ApiMode::JwtDenylist] {
        assert_eq!(system.get(mode, "/api/me", &token).await.status(), 200, "{mode}");
    }
    // New tokens come from the active key.
    let fresh = system.credential(ApiMode::Jwt, crate::helpers::USER).await;
    let header = jsonwebtoken::decode_header(&fresh).unwrap();
    assert_ne!(header.kid, Some(authbench_core::secret::hmac_kid(&retired)));
}

#[tokio::test]
async fn an_access_token_from_a_rotated_out_key_after_its_grace_period_is_refused() {
    let retired = authbench_core::secret::random_secret();
    let secret = retired.clone();
    let system = spawn_system_with(move |s| {
        s.jwt.key_grace_secs = Some(GRACE_SECS);
        s.jwt.previous_keys = vec![PreviousKey {
            secret: Some(secret),
            private_key_file: None,
            retired_at: now_secs() - GRACE_SECS - 1,
        }];
    })
    .await;

    let token = hs256_token(&system, &retired);

    for mode in [ApiMode::Jwt, ApiMode::JwtDenylist] {
        assert_invalid_token(&system.get(mode, "/api/me", &token).await, &format!("{mode}"));
    }
}

#[tokio::test]
async fn the_jwks_publishes_a_retired_key_until_its_grace_ends_and_the_api_drops_it_at_the_next_fetch() {
    let dir = std::env::temp_dir().join(format!(
        "authbench-rotation-{}",
        authbench_core::secret::random_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = SigningKey::generate_pem(SigningAlgorithm::ES256).unwrap();
    let path = dir.join("retired.pem");
    std::fs::write(&path, &pem).unwrap();
    let retired = SigningKey::from_pem(SigningAlgorithm::ES256, pem.as_bytes()).unwrap();
    // The grace ends 3 s from now; the API keeps a JWKS 1 s.
    let file = path.clone();
    let system = spawn_system_with(move |s| {
        s.jwt.algorithm = SigningAlgorithm::ES256;
        s.jwt.key_grace_secs = Some(GRACE_SECS);
        s.jwt.jwks_max_age_secs = 1;
        s.jwt.previous_keys = vec![PreviousKey {
            secret: None,
            private_key_file: Some(file),
            retired_at: now_secs() + 3 - GRACE_SECS,
        }];
    })
    .await;
    let token = es256_token(&system, &retired);

    let kids = published_kids(&system).await;
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(kids.contains(&retired.kid) && kids.contains(&system.jwt_key.kid));
    assert_eq!(system.get(ApiMode::Jwt, "/api/me", &token).await.status(), 200);

    tokio::time::sleep(Duration::from_millis(4500)).await;

    assert_eq!(
        published_kids(&system).await,
        std::slice::from_ref(&system.jwt_key.kid)
    );
    assert_invalid_token(
        &system.get(ApiMode::Jwt, "/api/me", &token).await,
        "retired ES256 key after its grace",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
