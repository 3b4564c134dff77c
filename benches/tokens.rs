//! Per-credential CPU cost, away from HTTP: issuing and verifying an access token with
//! each signing algorithm (as the JWT auth server and the API server do it), beside the
//! raw primitive underneath (aws-lc-rs on the same signing input), so the library's own
//! overhead (base64, JSON, claim checks, key handling) is visible; and making a session id
//! (as the session auth server does at login).
//!
//! Per algorithm, in the group `jwt/<alg>`:
//! - `issue`, `verify`: through jsonwebtoken, with the API server's checks;
//! - `raw_sign`, `raw_verify`: the primitive alone, with a key parsed once;
//! - `raw_verify_parse_key` (asymmetric): the primitive with the public key parsed on every
//!   call, which is what jsonwebtoken 11's aws-lc backend does.
//!
//! Run: `cargo bench --bench tokens`. Medians and spreads are criterion's own.

use std::hint::black_box;
use std::time::Duration;

use authbench_core::claims::{AccessClaims, jwt_validation};
use authbench_core::session_store::new_session_id;
use authbench_core::settings::SigningAlgorithm;
use criterion::{Criterion, criterion_group, criterion_main};
use jwt_auth::keys::SigningKey;
use jwt_auth::tokens::{TokenIssuer, TokenPolicy};
use secrecy::SecretString;

fn issuer(alg: SigningAlgorithm) -> TokenIssuer {
    let key = match alg {
        SigningAlgorithm::HS256 => SigningKey::hs256(&SecretString::from("b".repeat(48))),
        other => SigningKey::generate(other).expect("key generation"),
    };
    TokenIssuer::new(
        key,
        TokenPolicy {
            issuer: "bench-issuer".into(),
            audience: "bench-api".into(),
            access_ttl: Duration::from_secs(300),
            refresh_ttl: Duration::from_secs(86400),
            leeway: Duration::from_secs(30),
        },
    )
}

fn tokens(c: &mut Criterion) {
    let roles = vec!["admin".to_string(), "user".to_string()];
    for alg in SigningAlgorithm::ALL {
        let issuer = issuer(alg);
        let token = issuer.issue_access("alice", &roles).expect("token").token;
        // The same checks the API server makes.
        let validation = jwt_validation(
            alg.jwt_algorithm(),
            "bench-issuer",
            "bench-api",
            Duration::from_secs(30),
        );

        let mut group = c.benchmark_group(format!("jwt/{alg}"));
        group.bench_function("issue", |b| {
            b.iter(|| issuer.issue_access(black_box("alice"), &roles))
        });
        group.bench_function("verify", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<AccessClaims>(black_box(&token), &issuer.key().decoding, &validation)
            })
        });
        let (input, _) = token.rsplit_once('.').expect("a JWT has three parts");
        raw_primitives(&mut group, alg, input.as_bytes());
        group.finish();
    }
    c.bench_function("session/new_id", |b| b.iter(new_session_id));
}

/// The primitive under each algorithm, on the token's own signing input.
fn raw_primitives(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    alg: SigningAlgorithm,
    input: &[u8],
) {
    use aws_lc_rs::signature::{self, KeyPair, ParsedPublicKey, UnparsedPublicKey};
    use aws_lc_rs::{hmac, rand::SystemRandom};

    let rng = SystemRandom::new();
    match alg {
        SigningAlgorithm::HS256 => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, "b".repeat(48).as_bytes());
            let tag = hmac::sign(&key, input);
            group.bench_function("raw_sign", |b| b.iter(|| hmac::sign(&key, black_box(input))));
            group.bench_function("raw_verify", |b| {
                b.iter(|| hmac::verify(&key, black_box(input), tag.as_ref()).expect("valid tag"))
            });
        }
        SigningAlgorithm::EdDSA => {
            let pair = signature::Ed25519KeyPair::generate().expect("Ed25519 key");
            let sig = pair.sign(input);
            let public = pair.public_key().as_ref().to_vec();
            bench_asymmetric(group, &signature::ED25519, &public, input, sig.as_ref(), || {
                black_box(pair.sign(black_box(input)));
            });
        }
        SigningAlgorithm::ES256 => {
            let pair = signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                .expect("P-256 key");
            let sig = pair.sign(&rng, input).expect("signature");
            let public = pair.public_key().as_ref().to_vec();
            bench_asymmetric(
                group,
                &signature::ECDSA_P256_SHA256_FIXED,
                &public,
                input,
                sig.as_ref(),
                || {
                    pair.sign(&rng, black_box(input)).expect("signature");
                },
            );
        }
        SigningAlgorithm::RS256 => {
            let pair = signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key");
            let mut sig = vec![0; pair.public_modulus_len()];
            pair.sign(&signature::RSA_PKCS1_SHA256, &rng, input, &mut sig)
                .expect("signature");
            let public = pair.public_key().as_ref().to_vec();
            let mut out = vec![0; pair.public_modulus_len()];
            bench_asymmetric(
                group,
                &signature::RSA_PKCS1_2048_8192_SHA256,
                &public,
                input,
                &sig,
                || {
                    pair.sign(&signature::RSA_PKCS1_SHA256, &rng, black_box(input), &mut out)
                        .expect("signature");
                },
            );
        }
    }

    fn bench_asymmetric(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        alg: &'static dyn signature::VerificationAlgorithm,
        public: &[u8],
        input: &[u8],
        sig: &[u8],
        mut sign: impl FnMut(),
    ) {
        let parsed = ParsedPublicKey::new(alg, public).expect("public key");
        group.bench_function("raw_sign", |b| b.iter(&mut sign));
        group.bench_function("raw_verify", |b| {
            b.iter(|| parsed.verify_sig(black_box(input), sig).expect("valid signature"))
        });
        group.bench_function("raw_verify_parse_key", |b| {
            b.iter(|| {
                UnparsedPublicKey::new(alg, public)
                    .verify(black_box(input), sig)
                    .expect("valid signature")
            })
        });
    }
}

criterion_group!(benches, tokens);
criterion_main!(benches);
