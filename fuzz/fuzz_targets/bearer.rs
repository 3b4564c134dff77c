//! Coverage-guided fuzzing of what an attacker controls in every request: the
//! `Authorization` header and the token in it. Each input goes through the API server's
//! own code: credential extraction (header syntax, size), then the HS256 verifier (header,
//! `typ`, `kid`, signature, claims, expiry). It must never panic, and must never accept.
//!
//! `cargo install cargo-fuzz`, then from the project root:
//! `cargo +nightly fuzz run bearer -- -max_total_time=60`.

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::test::TestRequest;
use api::verifier::{JwtVerifier, KeySource, SharedKey};
use jsonwebtoken::DecodingKey;
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"a fixed secret of at least 32 bytes for fuzzing";

fn verifier() -> &'static JwtVerifier {
    static VERIFIER: OnceLock<JwtVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let secret = secrecy::SecretString::from(String::from_utf8_lossy(SECRET).to_string());
        JwtVerifier::new(
            KeySource::Shared(vec![SharedKey {
                kid: authbench_core::secret::hmac_kid(&secret),
                key: DecodingKey::from_secret(SECRET),
                accepted_until: None,
            }]),
            "https://issuer.example".into(),
            "authbench-api".into(),
            Duration::from_secs(30),
        )
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = actix_web::http::header::HeaderValue::from_bytes(data) else {
        return;
    };
    let req = TestRequest::default()
        .insert_header((actix_web::http::header::AUTHORIZATION, value))
        .to_http_request();
    let Ok(credential) = authbench_core::credential::extract(&req, "access_token") else {
        return;
    };
    // No input can be a valid token: nothing here is signed with the secret.
    let verdict = runtime().block_on(verifier().verify(&credential));
    assert!(verdict.is_err(), "the verifier accepted {credential:?}");
});
