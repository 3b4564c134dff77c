//! The client that counts what a failover undoes: during the trial it makes the writes that
//! matter, one kind per loop, and keeps every one the servers acknowledged; afterwards it
//! checks each against the servers, as a user would meet it.
//!
//! - `session login`: acknowledged with a session id; lost if the session flow's API then
//!   answers 401 to it.
//! - `session logout`: acknowledged with 204; undone if the API then accepts the session.
//! - `access-token revocation`: `/oauth/revoke` of an access token acknowledged with 200;
//!   undone if `jwt-denylist`'s API then accepts the token.
//! - `refresh-family revocation`: `/oauth/revoke` of a refresh token acknowledged with 200;
//!   undone if the token then buys a new access token at `/oauth/token`.
//! - `role change`: an administrator's change of carol's roles (no server takes it over
//!   HTTP: it is written as the servers' own code writes it, through a `RedisLink` with the
//!   same durability), acknowledged when it returned; undone if a token issued to carol
//!   before it is then accepted by `jwt-denylist`. The denylist keeps one cut-off per user,
//!   moved on by each change, so a later change would cover a lost earlier one: role changes
//!   stop at the event, and the last ones before it are the ones at risk.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use authbench_core::claims::FIRST_PARTY_CLIENT_ID;
use harness::login::{LoginAnswer, USERS, login};
use results::failover::WriteCount;

/// Where the writes go and where they are checked.
#[derive(Clone)]
pub struct Endpoints {
    /// The session auth server and the URL of a session-flow API call.
    pub session: Option<(String, String)>,
    /// The JWT auth server and the URL of a `jwt-denylist` API call.
    pub jwt: Option<(String, String)>,
    /// Where role changes are written: the store of the `jwt-denylist` flow.
    pub roles: Option<RoleTarget>,
}

/// The store a role change is written to, as the servers of a flow see it.
#[derive(Clone)]
pub struct RoleTarget {
    pub redis: authbench_core::redis_conn::RedisLink,
    pub key_prefix: String,
    pub timeout: Duration,
    /// How long a token issued before the change stays valid (access lifetime + leeway).
    pub token_lifetime: Duration,
}

/// The user whose roles change; the load logs in as the others.
const ROLE_USER: (&str, &str) = ("carol", "carol-demo-password");

/// One kind of write and what was acknowledged.
pub struct Ledger {
    kind: &'static str,
    attempted: u64,
    refused: u64,
    /// The credential each acknowledged write is about.
    acknowledged: Vec<String>,
    /// How long each acknowledged write took to answer, in µs.
    took_us: Vec<u64>,
}

impl Ledger {
    fn acknowledge(&mut self, credential: String, sent: std::time::Instant) {
        self.acknowledged.push(credential);
        self.took_us.push(sent.elapsed().as_micros() as u64);
    }

    /// The `q` quantile (0-1) of the acknowledged writes' answer times, nearest rank.
    fn quantile(&self, q: f64) -> Option<u64> {
        let mut sorted = self.took_us.clone();
        sorted.sort_unstable();
        let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
        sorted.get(rank - 1).copied()
    }

    fn new(kind: &'static str) -> Ledger {
        Ledger {
            kind,
            attempted: 0,
            refused: 0,
            acknowledged: Vec::new(),
            took_us: Vec::new(),
        }
    }
}

/// The shortest time between two writes of one loop: while the store is known down each
/// write fails at once, and the loop should not spin.
const PACE: Duration = Duration::from_millis(25);

/// Makes writes, one loop per kind the endpoints allow, until `stop` is set (role changes
/// until `stop_roles`); returns what each kind got.
pub async fn write_until(
    endpoints: &Endpoints,
    stop: Arc<AtomicBool>,
    stop_roles: Arc<AtomicBool>,
) -> Vec<Ledger> {
    let client = client();
    let mut loops = tokio::task::JoinSet::new();
    if let Some((auth, _)) = &endpoints.session {
        for kind in ["session login", "session logout"] {
            let (client, auth, stop) = (client.clone(), auth.clone(), stop.clone());
            loops.spawn(async move { session_loop(kind, &client, &auth, &stop).await });
        }
    }
    if let Some((auth, _)) = &endpoints.jwt {
        for kind in ["access-token revocation", "refresh-family revocation"] {
            let (client, auth, stop) = (client.clone(), auth.clone(), stop.clone());
            loops.spawn(async move { jwt_loop(kind, &client, &auth, &stop).await });
        }
    }
    if let (Some((auth, _)), Some(target)) = (&endpoints.jwt, &endpoints.roles) {
        let (client, auth, target, stop) = (client.clone(), auth.clone(), target.clone(), stop_roles.clone());
        loops.spawn(async move { role_loop(&client, &auth, &target, &stop).await });
    }
    let mut ledgers = Vec::new();
    while let Some(done) = loops.join_next().await {
        if let Ok(ledger) = done {
            ledgers.push(ledger);
        }
    }
    ledgers
}

/// Checks every acknowledged write; `settle` is how long a check may retry an answer that
/// is not yet a verdict (a 503 while a flow recovers).
pub async fn check_all(endpoints: &Endpoints, ledgers: Vec<Ledger>, settle: Duration) -> Vec<WriteCount> {
    let client = client();
    let mut out = Vec::new();
    for ledger in ledgers {
        let (mut lost, mut unchecked) = (0, Vec::new());
        for credential in &ledger.acknowledged {
            match check(&client, endpoints, ledger.kind, credential, settle).await {
                Ok(true) => {}
                Ok(false) => lost += 1,
                Err(answer) => unchecked.push(answer),
            }
        }
        out.push(WriteCount {
            kind: ledger.kind.to_string(),
            attempted: ledger.attempted,
            acknowledged: ledger.acknowledged.len() as u64,
            refused: ledger.refused,
            lost,
            unchecked: unchecked.len() as u64,
            unchecked_answers: unchecked,
            p50_us: ledger.quantile(0.5),
            p99_us: ledger.quantile(0.99),
        });
    }
    out.sort_by_key(|w| KINDS.iter().position(|k| *k == w.kind));
    out
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client")
}

/// The kinds, in the order the report lists them.
pub const KINDS: [&str; 5] = [
    "session login",
    "session logout",
    "access-token revocation",
    "refresh-family revocation",
    "role change",
];

async fn role_loop(client: &reqwest::Client, auth: &str, target: &RoleTarget, stop: &AtomicBool) -> Ledger {
    let mut ledger = Ledger::new("role change");
    let mut turn = 0usize;
    while !stop.load(Ordering::Acquire) {
        let paced = tokio::time::sleep(PACE);
        turn += 1;
        // The token the change must cut off is issued first.
        let Ok(LoginAnswer {
            access_token: Some(token),
            ..
        }) = login(client, auth, ROLE_USER).await
        else {
            paced.await;
            continue;
        };
        let roles: Vec<String> = if turn.is_multiple_of(2) {
            vec!["user".into()]
        } else {
            vec!["user".into(), "reader".into()]
        };
        ledger.attempted += 1;
        let sent = std::time::Instant::now();
        match authbench_core::roles::change_roles(
            target.redis.clone(),
            None,
            &target.key_prefix,
            target.timeout,
            ROLE_USER.0,
            &roles,
            target.token_lifetime,
        )
        .await
        {
            Ok(_) => ledger.acknowledge(token, sent),
            Err(_) => ledger.refused += 1,
        }
        paced.await;
    }
    ledger
}

async fn session_loop(kind: &'static str, client: &reqwest::Client, auth: &str, stop: &AtomicBool) -> Ledger {
    let mut ledger = Ledger::new(kind);
    let mut turn = 0usize;
    while !stop.load(Ordering::Acquire) {
        let paced = tokio::time::sleep(PACE);
        let user = USERS[turn % USERS.len()];
        turn += 1;
        ledger.attempted += 1;
        match kind {
            "session login" => {
                let sent = std::time::Instant::now();
                match login(client, auth, user).await {
                    Ok(LoginAnswer {
                        session_id: Some(id), ..
                    }) => ledger.acknowledge(id, sent),
                    _ => ledger.refused += 1,
                }
            }
            _ => {
                // The session to log out is made first; only the logout is counted.
                let Ok(LoginAnswer {
                    session_id: Some(id), ..
                }) = login(client, auth, user).await
                else {
                    ledger.attempted -= 1;
                    paced.await;
                    continue;
                };
                let sent = std::time::Instant::now();
                let answer = client
                    .post(format!("{auth}/logout"))
                    .bearer_auth(&id)
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().is_success() => ledger.acknowledge(id, sent),
                    _ => ledger.refused += 1,
                }
            }
        }
        paced.await;
    }
    ledger
}

async fn jwt_loop(kind: &'static str, client: &reqwest::Client, auth: &str, stop: &AtomicBool) -> Ledger {
    let mut ledger = Ledger::new(kind);
    let mut turn = 0usize;
    while !stop.load(Ordering::Acquire) {
        let paced = tokio::time::sleep(PACE);
        let user = USERS[turn % USERS.len()];
        turn += 1;
        // The tokens to revoke are issued first (a JWT login writes nothing to Redis).
        let Ok(LoginAnswer {
            access_token: Some(access),
            refresh_token: Some(refresh),
            ..
        }) = login(client, auth, user).await
        else {
            paced.await;
            continue;
        };
        let token = if kind == "access-token revocation" {
            access
        } else {
            refresh
        };
        ledger.attempted += 1;
        let sent = std::time::Instant::now();
        let answer = client
            .post(format!("{auth}/oauth/revoke"))
            .form(&[("token", token.as_str()), ("client_id", FIRST_PARTY_CLIENT_ID)])
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => ledger.acknowledge(token, sent),
            _ => ledger.refused += 1,
        }
        paced.await;
    }
    ledger
}

/// Whether an acknowledged write still holds: `Ok(true)` it does, `Ok(false)` it was
/// undone, `Err(last answer)` no verdict within `settle`.
async fn check(
    client: &reqwest::Client,
    endpoints: &Endpoints,
    kind: &str,
    credential: &str,
    settle: Duration,
) -> Result<bool, String> {
    let missing = || "no server to check it against".to_string();
    let deadline = tokio::time::Instant::now() + settle;
    loop {
        let status = match kind {
            "session login" | "session logout" => {
                let (_, api) = endpoints.session.as_ref().ok_or_else(missing)?;
                client
                    .get(api)
                    .bearer_auth(credential)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
            "access-token revocation" | "role change" => {
                let (_, api) = endpoints.jwt.as_ref().ok_or_else(missing)?;
                client
                    .get(api)
                    .bearer_auth(credential)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
            _ => {
                let (auth, _) = endpoints.jwt.as_ref().ok_or_else(missing)?;
                client
                    .post(format!("{auth}/oauth/token"))
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("client_id", FIRST_PARTY_CLIENT_ID),
                        ("refresh_token", credential),
                    ])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }
        };
        match (kind, status) {
            ("session login", Ok(200)) => return Ok(true),
            ("session login", Ok(401)) => return Ok(false),
            ("session logout" | "access-token revocation" | "role change", Ok(401)) => return Ok(true),
            ("session logout" | "access-token revocation" | "role change", Ok(200)) => return Ok(false),
            ("refresh-family revocation", Ok(400 | 401)) => return Ok(true),
            ("refresh-family revocation", Ok(200)) => return Ok(false),
            (_, answer) if tokio::time::Instant::now() >= deadline => {
                return Err(match answer {
                    Ok(status) => status.to_string(),
                    Err(e) => e.to_string(),
                });
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
