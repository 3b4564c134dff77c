//! The floor is only a fair reference if it refuses what the API server refuses: the same
//! tokens, sent to both over HTTP, get the same status.

use std::time::Duration;

use authbench_core::Settings;
use authbench_core::claims::AccessClaims;
use jwt_auth::keys::SigningKey;
use jwt_auth::tokens::{TokenIssuer, TokenPolicy};

fn start(server: authbench_core::server::RunningServer) -> String {
    let url = server.url();
    tokio::spawn(server.run_until_stopped());
    url
}

fn sign(key: &SigningKey, typ: &str, kid: &str, claims: &impl serde::Serialize) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some(typ.into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

#[tokio::test]
async fn the_floor_and_the_api_server_accept_and_refuse_the_same_tokens() {
    let mut settings = Settings::loopback("redis://127.0.0.1:9").unwrap();
    settings.api.mode = authbench_core::settings::ApiMode::Jwt;
    settings.api.listen.workers = Some(1);
    let floor = start(jwt_floor::Application::build(&settings).expect("the floor server"));
    let api = start(api::Application::build(&settings).expect("the API server"));

    let key = SigningKey::hs256(&settings.jwt_secret().unwrap());
    let issuer = TokenIssuer::new(
        key.clone(),
        TokenPolicy {
            issuer: settings.jwt.issuer.clone(),
            audience: settings.jwt.audience.clone(),
            access_ttl: Duration::from_secs(300),
            refresh_ttl: Duration::from_secs(3600),
            leeway: Duration::from_secs(settings.jwt.leeway_secs),
        },
    );
    let valid = issuer.issue_access("alice", &["user".into()]).unwrap();
    let claims = valid.claims.clone();
    let with = |change: &dyn Fn(&mut AccessClaims)| {
        let mut c = claims.clone();
        change(&mut c);
        sign(&key, "at+jwt", &key.kid, &c)
    };
    let now = authbench_core::time::now_secs();
    let leeway = settings.jwt.leeway_secs;
    let other_key = SigningKey::hs256(&authbench_core::secret::random_secret());
    let tampered = {
        let (head, _) = valid.token.rsplit_once('.').unwrap();
        format!("{head}.{}", "A".repeat(43))
    };
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("a valid token", Some(valid.token.clone()), 200),
        ("no token", None, 401),
        ("a forged signature", Some(tampered), 401),
        (
            "another key",
            Some(sign(&other_key, "at+jwt", &key.kid, &claims)),
            401,
        ),
        (
            "another kid",
            Some(sign(&key, "at+jwt", "another-kid", &claims)),
            401,
        ),
        (
            "a refresh typ",
            Some(sign(&key, "refresh+jwt", &key.kid, &claims)),
            401,
        ),
        (
            "expired",
            Some(with(&|c| c.exp = now.saturating_sub(leeway + 1))),
            401,
        ),
        ("not yet valid", Some(with(&|c| c.nbf = now + leeway + 60)), 401),
        (
            "another issuer",
            Some(with(&|c| c.iss = "https://elsewhere".into())),
            401,
        ),
        (
            "another audience",
            Some(with(&|c| c.aud = "another-api".into())),
            401,
        ),
        ("not a JWT", Some("abc.def".into()), 401),
    ];
    let client = reqwest::Client::new();
    for (what, token, expected) in cases {
        for server in [&floor, &api] {
            let mut request = client.get(format!("{server}/api/departments"));
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let status = request.send().await.unwrap().status().as_u16();
            assert_eq!(status, expected, "{what} at {server}");
        }
    }
    // The same answer on the protected route as on the no-auth one.
    let body = |path: &'static str| {
        let request = client.get(format!("{floor}{path}")).bearer_auth(&valid.token);
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(body("/api/departments").await, body("/public/departments").await);
}
