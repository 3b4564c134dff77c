//! The CPU cost of one credential operation, away from HTTP: issuing and verifying an
//! access token with each signing algorithm (as the JWT auth server and the API server do
//! it), beside the raw primitive underneath (aws-lc-rs on the same signing input), so the
//! library's own overhead (base64, JSON, claim checks, key handling) is visible.
//!
//! Each [`Kernel`] is one operation ready to call in a loop. The criterion bench
//! (`cargo bench --bench tokens`) and `workbench tokens` run the same kernels: criterion
//! for careful statistics, the workbench with [`sample`] so the comparison suite can chart
//! them without a bench build.

use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

use authbench_core::claims::{ACCESS_TOKEN_TYP, AccessClaims, jwt_validation};
use authbench_core::jws::{AccessChecks, VerifyKey, verify_access};
use authbench_core::settings::SigningAlgorithm;
use aws_lc_rs::signature::{self, KeyPair, ParsedPublicKey, UnparsedPublicKey};
use aws_lc_rs::{hmac, rand::SystemRandom};
use jwt_auth::keys::SigningKey;
use jwt_auth::tokens::{TokenIssuer, TokenPolicy};
use secrecy::SecretString;

/// What a kernel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Sign an access token, as the JWT auth server does at login (the project's own
    /// compact JWS, key parsed once).
    Issue,
    /// Check an access token, as the API server does per request (the project's own check).
    Verify,
    /// The same signature through jsonwebtoken, for reference: what the project did before.
    LibraryIssue,
    /// The same check through jsonwebtoken, for reference.
    LibraryVerify,
    /// The primitive alone, key parsed once.
    RawSign,
    /// The primitive alone, key parsed once.
    RawVerify,
    /// The primitive with the public key parsed on every call, as jsonwebtoken 11's
    /// aws-lc backend does (asymmetric algorithms only).
    RawVerifyParseKey,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Issue => "issue",
            Op::Verify => "verify",
            Op::LibraryIssue => "library_issue",
            Op::LibraryVerify => "library_verify",
            Op::RawSign => "raw_sign",
            Op::RawVerify => "raw_verify",
            Op::RawVerifyParseKey => "raw_verify_parse_key",
        }
    }

    pub const ALL: [Op; 7] = [
        Op::Issue,
        Op::Verify,
        Op::LibraryIssue,
        Op::LibraryVerify,
        Op::RawSign,
        Op::RawVerify,
        Op::RawVerifyParseKey,
    ];

    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One operation of one algorithm, ready to run in a loop.
pub struct Kernel {
    pub algorithm: SigningAlgorithm,
    pub op: Op,
    pub run: Box<dyn FnMut()>,
}

const ISSUER: &str = "bench-issuer";
const AUDIENCE: &str = "bench-api";

/// A token issuer for `alg` with a fresh key (HS256: a fixed 48-byte secret) and the
/// benches' issuer and audience.
pub fn issuer(alg: SigningAlgorithm) -> TokenIssuer {
    let key = match alg {
        SigningAlgorithm::HS256 => SigningKey::hs256(&SecretString::from("b".repeat(48))),
        other => SigningKey::generate(other).expect("key generation"),
    };
    TokenIssuer::new(
        key,
        TokenPolicy {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            access_ttl: Duration::from_secs(300),
            refresh_ttl: Duration::from_secs(86400),
            leeway: Duration::from_secs(30),
        },
    )
}

/// Every kernel of one algorithm: issue, verify, and the raw primitives on the token's
/// own signing input.
pub fn kernels(alg: SigningAlgorithm) -> Vec<Kernel> {
    let roles = vec!["admin".to_string(), "user".to_string()];
    let issuer = std::rc::Rc::new(issuer(alg));
    let token = issuer.issue_access("alice", &roles).expect("token").token;
    // The same checks the API server makes.
    let validation = jwt_validation(alg.jwt_algorithm(), ISSUER, AUDIENCE, Duration::from_secs(30));
    let (input, _) = token.rsplit_once('.').expect("a JWT has three parts");
    let input = input.as_bytes().to_vec();

    let key = issuer.key();
    let verify_key = match &key.public_jwk {
        Some(jwk) => VerifyKey::from_jwk(alg, jwk).expect("the issuer's own JWK"),
        None => VerifyKey::hs256("b".repeat(48).as_bytes()),
    };
    let checks = AccessChecks {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        leeway: Duration::from_secs(30),
    };
    let claims = issuer.issue_access("alice", &roles).expect("token").claims;
    let mut header = jsonwebtoken::Header::new(alg.jwt_algorithm());
    header.typ = Some(ACCESS_TOKEN_TYP.into());
    header.kid = Some(key.kid.clone());
    let encoding = key.encoding.clone();

    let mut out = Vec::new();
    let issuing = issuer.clone();
    out.push(Kernel {
        algorithm: alg,
        op: Op::Issue,
        run: Box::new(move || {
            black_box(issuing.issue_access(black_box("alice"), &roles).expect("token"));
        }),
    });
    let verify_token = token.clone();
    out.push(Kernel {
        algorithm: alg,
        op: Op::Verify,
        run: Box::new(move || {
            black_box(
                verify_access(black_box(&verify_token), |_| Ok(&verify_key), &checks).expect("valid token"),
            );
        }),
    });
    out.push(Kernel {
        algorithm: alg,
        op: Op::LibraryIssue,
        run: Box::new(move || {
            black_box(jsonwebtoken::encode(&header, black_box(&claims), &encoding).expect("token"));
        }),
    });
    out.push(Kernel {
        algorithm: alg,
        op: Op::LibraryVerify,
        run: Box::new(move || {
            jsonwebtoken::decode::<AccessClaims>(black_box(&token), &issuer.key().decoding, &validation)
                .expect("valid token");
        }),
    });
    out.extend(raw_primitives(alg, input));
    out
}

/// The primitive under each algorithm.
fn raw_primitives(alg: SigningAlgorithm, input: Vec<u8>) -> Vec<Kernel> {
    let rng = SystemRandom::new();
    let kernel = |op, run: Box<dyn FnMut()>| Kernel {
        algorithm: alg,
        op,
        run,
    };
    match alg {
        SigningAlgorithm::HS256 => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, "b".repeat(48).as_bytes());
            let tag = hmac::sign(&key, &input);
            let (sign_key, sign_input) = (key.clone(), input.clone());
            vec![
                kernel(
                    Op::RawSign,
                    Box::new(move || {
                        black_box(hmac::sign(&sign_key, black_box(&sign_input)));
                    }),
                ),
                kernel(
                    Op::RawVerify,
                    Box::new(move || hmac::verify(&key, black_box(&input), tag.as_ref()).expect("valid tag")),
                ),
            ]
        }
        SigningAlgorithm::EdDSA => {
            let pair = signature::Ed25519KeyPair::generate().expect("Ed25519 key");
            let sig = pair.sign(&input).as_ref().to_vec();
            let public = pair.public_key().as_ref().to_vec();
            let sign_input = input.clone();
            let sign = Box::new(move || {
                black_box(pair.sign(black_box(&sign_input)));
            });
            asymmetric(alg, &signature::ED25519, public, input, sig, sign)
        }
        SigningAlgorithm::ES256 => {
            let pair = signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                .expect("P-256 key");
            let sig = pair.sign(&rng, &input).expect("signature").as_ref().to_vec();
            let public = pair.public_key().as_ref().to_vec();
            let sign_input = input.clone();
            let sign = Box::new(move || {
                black_box(pair.sign(&rng, black_box(&sign_input)).expect("signature"));
            });
            asymmetric(alg, &signature::ECDSA_P256_SHA256_FIXED, public, input, sig, sign)
        }
        SigningAlgorithm::RS256 => {
            let pair = signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA key");
            let mut sig = vec![0; pair.public_modulus_len()];
            pair.sign(&signature::RSA_PKCS1_SHA256, &rng, &input, &mut sig)
                .expect("signature");
            let public = pair.public_key().as_ref().to_vec();
            let mut buffer = vec![0; pair.public_modulus_len()];
            let sign_input = input.clone();
            let sign = Box::new(move || {
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &rng,
                    black_box(&sign_input),
                    &mut buffer,
                )
                .expect("signature");
            });
            asymmetric(
                alg,
                &signature::RSA_PKCS1_2048_8192_SHA256,
                public,
                input,
                sig,
                sign,
            )
        }
    }
}

fn asymmetric(
    algorithm: SigningAlgorithm,
    verification: &'static dyn signature::VerificationAlgorithm,
    public: Vec<u8>,
    input: Vec<u8>,
    sig: Vec<u8>,
    sign: Box<dyn FnMut()>,
) -> Vec<Kernel> {
    let parsed = ParsedPublicKey::new(verification, &public).expect("public key");
    let (verify_input, verify_sig) = (input.clone(), sig.clone());
    vec![
        Kernel {
            algorithm,
            op: Op::RawSign,
            run: sign,
        },
        Kernel {
            algorithm,
            op: Op::RawVerify,
            run: Box::new(move || {
                parsed
                    .verify_sig(black_box(&verify_input), &verify_sig)
                    .expect("valid signature")
            }),
        },
        Kernel {
            algorithm,
            op: Op::RawVerifyParseKey,
            run: Box::new(move || {
                UnparsedPublicKey::new(verification, &public)
                    .verify(black_box(&input), &sig)
                    .expect("valid signature")
            }),
        },
    ]
}

/// Timing of one kernel by [`sample`]: the time of one call, from batches of calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Samples {
    /// Median over the samples of (batch time / batch size).
    pub median_ns: f64,
    pub min_ns: f64,
    pub max_ns: f64,
    pub samples: usize,
    /// Calls in each batch, chosen so a batch lasts about `sample_time`.
    pub batch: u64,
}

/// Times `run` the simple way: warm up for `sample_time`, size a batch to last about
/// `sample_time`, then time `samples` batches and keep the median per-call time (robust to
/// the odd interrupted batch) with the fastest and slowest batch as the spread.
pub fn sample(run: &mut dyn FnMut(), samples: usize, sample_time: Duration) -> Samples {
    let samples = samples.max(1);
    let warm_until = Instant::now() + sample_time;
    let mut calls = 0u64;
    while Instant::now() < warm_until {
        run();
        calls += 1;
    }
    let per_call = sample_time.as_secs_f64() / calls.max(1) as f64;
    let batch = ((sample_time.as_secs_f64() / per_call) as u64).max(1);
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                run();
            }
            start.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    Samples {
        median_ns: times[times.len() / 2],
        min_ns: times[0],
        max_ns: times[times.len() - 1],
        samples,
        batch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_has_issue_verify_and_its_raw_primitives() {
        for alg in SigningAlgorithm::ALL {
            let mut ops: Vec<Op> = Vec::new();
            for mut kernel in kernels(alg) {
                // Every kernel runs without panicking: the token verifies, the raw
                // signature checks out.
                (kernel.run)();
                ops.push(kernel.op);
            }
            let mut expected = vec![
                Op::Issue,
                Op::Verify,
                Op::LibraryIssue,
                Op::LibraryVerify,
                Op::RawSign,
                Op::RawVerify,
            ];
            if alg != SigningAlgorithm::HS256 {
                expected.push(Op::RawVerifyParseKey);
            }
            assert_eq!(ops, expected, "{alg}");
        }
    }

    #[test]
    fn sample_reports_a_sleep_as_at_least_its_length() {
        let mut nap = || std::thread::sleep(Duration::from_millis(2));
        let timing = sample(&mut nap, 3, Duration::from_millis(10));
        assert!(timing.median_ns >= 2_000_000.0, "{timing:?}");
        assert!(timing.median_ns < 50_000_000.0, "{timing:?}");
        assert!(timing.min_ns <= timing.median_ns && timing.median_ns <= timing.max_ns);
        assert_eq!(timing.samples, 3);
    }

    #[test]
    fn op_names_read_back() {
        for op in Op::ALL {
            assert_eq!(Op::parse(op.name()), Some(op));
        }
        assert_eq!(Op::parse("decode"), None);
    }
}
