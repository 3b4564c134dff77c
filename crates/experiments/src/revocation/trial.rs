//! One trial: a user logs in, calls the API every interval, and at t0 loses access (a
//! logout or a role removal); the lag is from t0 to the first call the API denies.

use std::time::{Duration, Instant};

use anyhow::Context;
use authbench_core::time::now_ms;
use harness::system::USERS;
use results::Flow;
use results::revocation::RevocationTrial;

use super::servers::ArmSystem;

/// The two ways a user's access is taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Event {
    Logout,
    RoleRemoved,
}

impl Event {
    pub(super) fn name(self) -> &'static str {
        match self {
            Event::Logout => "logout",
            Event::RoleRemoved => "role-removed",
        }
    }
}

/// The credential a trial's user holds.
enum Credential {
    Session(String),
    Tokens {
        access: String,
        refresh: String,
        exp: u64,
    },
    /// An API key (`api-key`), with the access token that issued it and can revoke it.
    Key {
        key: String,
        id: i64,
        access: String,
    },
}

/// How the API answered one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Granted,
    Denied,
}

pub(super) async fn trial(
    system: &ArmSystem,
    flow: Flow,
    event: Event,
    fraction: f64,
    interval: Duration,
    span: Duration,
) -> anyhow::Result<RevocationTrial> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()?;
    let user = match event {
        Event::Logout => USERS[1],
        Event::RoleRemoved => USERS[0],
    };
    if flow.is_jwt() {
        // Log in just after a whole second, so that a token's whole-second `exp` leaves it
        // its full lifetime.
        let into_second = now_ms() % 1000;
        tokio::time::sleep(Duration::from_millis(1005 - into_second)).await;
    }
    let mut credential = log_in(&client, system, flow, user).await?;
    let logged_in = Instant::now();
    // A token's life runs from now to its `exp`; t0 falls at the same share of it in every
    // run, however long the login took.
    let lifetime_ms = match (&credential, flow) {
        (Credential::Tokens { exp, .. }, Flow::Jwt(_)) => {
            Some((*exp as f64 * 1000.0 - now_ms() as f64).max(1.0))
        }
        _ => None,
    };
    let life = lifetime_ms.map_or(span, |ms| Duration::from_secs_f64(ms / 1000.0));
    let t0_due = logged_in + life.mul_f64(fraction);
    // The design's bound from t0, and a deadline well past it.
    let mut bound_ms = 0.0;
    let mut t0: Option<Instant> = None;
    let mut lag = None;
    let mut granted_after = 0;
    let mut regranted = false;
    let mut denials = 0;
    let give_up = span + Duration::from_secs(5);
    let mut next = Instant::now();
    loop {
        if t0.is_none() && Instant::now() >= t0_due {
            revoke(&client, system, event, &credential).await?;
            let at = Instant::now();
            bound_ms = match (&credential, flow) {
                (Credential::Tokens { exp, .. }, Flow::Jwt(_)) => {
                    (*exp as f64 * 1000.0 - now_ms() as f64).max(0.0)
                }
                (_, Flow::SessionCached(ms)) => ms as f64,
                _ => 0.0,
            };
            t0 = Some(at);
        }
        let sent = Instant::now();
        let answer = call(&client, system, event, &mut credential).await?;
        if let Some(t0) = t0 {
            match answer {
                Answer::Denied => {
                    if lag.is_none() {
                        lag = Some(sent.saturating_duration_since(t0).as_secs_f64() * 1000.0);
                    }
                    denials += 1;
                    // Three denials in a row confirm it.
                    if denials >= 3 {
                        break;
                    }
                }
                Answer::Granted => {
                    if lag.is_some() {
                        regranted = true;
                    } else {
                        granted_after += 1;
                    }
                }
            }
            if t0.elapsed() > give_up {
                break;
            }
        }
        next += interval;
        let now = Instant::now();
        if next > now {
            tokio::time::sleep(next - now).await;
        } else {
            next = now;
        }
    }
    Ok(RevocationTrial {
        event: event.name().to_string(),
        lag_ms: lag,
        bound_ms,
        granted_after,
        lifetime_ms,
        regranted,
    })
}

async fn log_in(
    client: &reqwest::Client,
    system: &ArmSystem,
    flow: Flow,
    (user, password): (&str, &str),
) -> anyhow::Result<Credential> {
    if flow == Flow::ApiKey {
        let answer = harness::system::login(client, &system.jwt_auth, (user, password)).await?;
        let access = answer
            .access_token
            .context("the JWT login gave no access_token")?;
        let issued: serde_json::Value = client
            .post(format!("{}/api-keys", system.jwt_auth))
            .bearer_auth(&access)
            .json(&serde_json::json!({ "name": "revocation trial" }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        return Ok(Credential::Key {
            key: issued["key"].as_str().context("no key")?.to_string(),
            id: issued["id"].as_i64().context("no key id")?,
            access,
        });
    }
    if flow.is_session() {
        let answer = harness::system::login(client, &system.session_auth, (user, password)).await?;
        return Ok(Credential::Session(
            answer
                .session_id
                .context("the session login gave no session_id")?,
        ));
    }
    let answer: serde_json::Value = client
        .post(format!("{}/oauth/token", system.jwt_auth))
        .form(&[
            ("grant_type", "password"),
            ("client_id", authbench_core::claims::FIRST_PARTY_CLIENT_ID),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    tokens_of(&answer)
}

fn tokens_of(answer: &serde_json::Value) -> anyhow::Result<Credential> {
    let access = answer["access_token"]
        .as_str()
        .context("the token answer has no access_token")?
        .to_string();
    let refresh = answer["refresh_token"]
        .as_str()
        .context("the token answer has no refresh_token")?
        .to_string();
    let exp = exp_of(&access)?;
    Ok(Credential::Tokens { access, refresh, exp })
}

/// The `exp` of a token, read without verifying (the client's own token).
fn exp_of(token: &str) -> anyhow::Result<u64> {
    use base64::Engine;
    let payload = token.split('.').nth(1).context("a token has three parts")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes)?;
    claims["exp"].as_u64().context("the token has no exp")
}

/// Takes the user's access away at t0: a logout, or an administrator removing `admin`.
async fn revoke(
    client: &reqwest::Client,
    system: &ArmSystem,
    event: Event,
    credential: &Credential,
) -> anyhow::Result<()> {
    match (event, credential) {
        (Event::RoleRemoved, _) => system.set_alice_roles(&["user"]).await,
        (Event::Logout, Credential::Session(id)) => {
            client
                .post(format!("{}/logout", system.session_auth))
                .bearer_auth(id)
                .send()
                .await?
                .error_for_status()?;
            Ok(())
        }
        (Event::Logout, Credential::Key { id, access, .. }) => {
            // An API key's "logout" is its revocation by its owner.
            client
                .delete(format!("{}/api-keys/{id}", system.jwt_auth))
                .bearer_auth(access)
                .send()
                .await?
                .error_for_status()?;
            Ok(())
        }
        (Event::Logout, Credential::Tokens { access, refresh, .. }) => {
            // A JWT logout is revocation (RFC 7009) of both tokens: the refresh family
            // ends, and the access token goes on the denylist, which only `jwt-denylist`
            // API servers read.
            for token in [refresh, access] {
                client
                    .post(format!("{}/oauth/revoke", system.jwt_auth))
                    .form(&[
                        ("token", token.as_str()),
                        ("client_id", authbench_core::claims::FIRST_PARTY_CLIENT_ID),
                    ])
                    .send()
                    .await?
                    .error_for_status()?;
            }
            Ok(())
        }
    }
}

/// One API call as the user makes it: `GET /api/me` while logged in (the logout trials),
/// or the admin check `POST /api/departments` with an empty name (400 for an admin: the
/// role passed and the name was refused; 403 for anyone else; nothing is ever created).
async fn call(
    client: &reqwest::Client,
    system: &ArmSystem,
    event: Event,
    credential: &mut Credential,
) -> anyhow::Result<Answer> {
    let status = send(client, system, event, credential).await?;
    if status == 401
        && let Credential::Tokens { refresh, .. } = credential
    {
        // A client whose access token is refused refreshes once and tries again.
        let renewed = client
            .post(format!("{}/oauth/token", system.jwt_auth))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", authbench_core::claims::FIRST_PARTY_CLIENT_ID),
                ("refresh_token", refresh.as_str()),
            ])
            .send()
            .await?;
        if !renewed.status().is_success() {
            return Ok(Answer::Denied);
        }
        *credential = tokens_of(&renewed.json().await?)?;
        let again = send(client, system, event, credential).await?;
        return Ok(judge(again));
    }
    Ok(judge(status))
}

fn judge(status: u16) -> Answer {
    match status {
        200 | 400 => Answer::Granted,
        _ => Answer::Denied,
    }
}

async fn send(
    client: &reqwest::Client,
    system: &ArmSystem,
    event: Event,
    credential: &Credential,
) -> anyhow::Result<u16> {
    let bearer = match credential {
        Credential::Session(id) => id,
        Credential::Tokens { access, .. } => access,
        Credential::Key { key, .. } => key,
    };
    let request = match event {
        Event::Logout => client.get(format!("{}/api/me", system.api)),
        Event::RoleRemoved => client
            .post(format!("{}/api/departments", system.api))
            .json(&serde_json::json!({ "name": "" })),
    };
    let status = request.bearer_auth(bearer).send().await?.status().as_u16();
    anyhow::ensure!(
        !matches!(status, 500..=599),
        "the API answered {status} during a revocation trial"
    );
    Ok(status)
}
