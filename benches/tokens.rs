//! Per-credential CPU cost, away from HTTP: issuing and verifying an access token with
//! each signing algorithm (as the JWT auth server and the API server do it), and making a
//! session id (as the session auth server does at login).
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
        group.finish();
    }
    c.bench_function("session/new_id", |b| b.iter(new_session_id));
}

criterion_group!(benches, tokens);
criterion_main!(benches);
