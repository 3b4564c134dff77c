use authbench_core::settings::SigningAlgorithm;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};

use crate::helpers::{USER, spawn_app, spawn_app_with, with_algorithm};

#[tokio::test]
async fn the_jwks_is_empty_for_hs256_whose_key_is_a_secret() {
    let app = spawn_app().await;

    let jwks = app.jwks().await;

    assert_eq!(jwks, serde_json::json!({"keys": []}));
}

#[tokio::test]
async fn tokens_of_each_asymmetric_algorithm_verify_with_the_published_key_found_by_kid() {
    for alg in [
        SigningAlgorithm::EdDSA,
        SigningAlgorithm::ES256,
        SigningAlgorithm::RS256,
    ] {
        let app = spawn_app_with(with_algorithm(alg)).await;
        let tokens = app.tokens_of(USER).await;
        let access = tokens["access_token"].as_str().unwrap();

        let set: JwkSet = serde_json::from_value(app.jwks().await).unwrap();
        let header = jsonwebtoken::decode_header(access).unwrap();
        assert_eq!(header.alg, alg.jwt_algorithm(), "{alg}");
        let jwk = set
            .find(header.kid.as_deref().unwrap())
            .expect("the kid is published");
        let mut validation = Validation::new(alg.jwt_algorithm());
        validation.set_audience(&[&app.settings.jwt.audience]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(
            access,
            &DecodingKey::from_jwk(jwk).unwrap(),
            &validation,
        )
        .unwrap_or_else(|e| panic!("{alg}: {e}"))
        .claims;
        assert_eq!(claims["sub"], "bob", "{alg}");
    }
}

#[tokio::test]
async fn the_published_keys_hold_no_private_part() {
    for alg in [
        SigningAlgorithm::EdDSA,
        SigningAlgorithm::ES256,
        SigningAlgorithm::RS256,
    ] {
        let app = spawn_app_with(with_algorithm(alg)).await;

        let jwks = app.jwks().await;

        let key = jwks["keys"][0].as_object().unwrap();
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(
                !key.contains_key(private),
                "{alg}: `{private}` must not be published"
            );
        }
    }
}
