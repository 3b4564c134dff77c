//! `workbench revocation`: how long a logout, or the removal of a role, takes to reach the
//! API in each flow, and what each flow pays per request for its answer.
//!
//! For each flow a user keeps calling the API (every `--interval`) while, at a moment t0,
//! the user logs out or an administrator removes the user's `admin` role. The lag is the
//! time from t0 (the revocation confirmed by the auth server, or the role change written)
//! to the first request the API denies. The trials place t0 evenly over the credential's
//! (or the cache entry's) life, so the lags spread as a user would meet them.
//!
//! - `session`, `session-redis`: every request reads the session, so the lag is one
//!   request away.
//! - `session-cached-<ttl>`: up to one cache lifetime.
//! - `jwt`: until the access token expires. Lifetimes of 1, 5 and 15 minutes are run with
//!   one second standing for one minute (`--seconds-per-minute`), and the lag is scaled
//!   back by the same factor; the leeway is 0 here (the default 30 s adds to every lag).
//!   The client behaves as a real one: on 401 it refreshes once (with rotation) and tries
//!   again; after a logout the refresh fails too, after a role change the new token
//!   carries the new roles.
//! - `jwt-denylist`: one request away, like the session.
//!
//! Then each flow's closed-loop maximum, with CPU per tier as `throughput` measures it, so
//! the report can set revocation lag against requests per second.

mod section;

use results::revocation::{RevocationArm, RevocationResults, RevocationTrial};
use results::units::show_ms;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use authbench_core::Settings;
use authbench_core::server::{RunningServer, ServerHandle};
use authbench_core::settings::SigningAlgorithm;
use authbench_core::time::now_ms;
use loadgen::Mode;

use harness::system::USERS;
use harness::{RunOptions, begin, measure, start_flow};
use results::Flow;
use results::ResultsFile;
use results::Topology;

pub const DEFAULT_LIFETIMES_MIN: [u64; 3] = [1, 5, 15];
pub const DEFAULT_CACHE_TTLS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(5),
];
pub const DEFAULT_TRIALS: u16 = 3;
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(10);
pub const DEFAULT_PRICING_DURATION: Duration = Duration::from_secs(3);

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Plain-JWT access-token lifetimes to show, in minutes of the real system.
    pub lifetimes: Vec<u64>,
    /// Seconds of the run that stand for one minute of token lifetime (1: a 15-minute
    /// token lives 15 s here, and its lag is scaled by 60).
    pub seconds_per_minute: u64,
    /// Introspection cache lifetimes of `session-cached` to show.
    pub cache_ttls: Vec<Duration>,
    /// Trials per flow and event, spread evenly over the credential's life.
    pub trials: u16,
    /// How often the user calls the API during a trial: the resolution of every lag.
    pub interval: Duration,
    /// Length of the closed-loop run that prices each flow (0 skips the pricing).
    pub duration: Duration,
    /// Load before each pricing run that is not recorded.
    pub warmup: Duration,
    /// Virtual users of the pricing runs.
    pub connections: usize,
}

/// The two ways a user's access is taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Logout,
    RoleRemoved,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::Logout => "logout",
            Event::RoleRemoved => "role-removed",
        }
    }
}

/// One arm's servers, in this process: a session auth server, a JWT auth server and an API
/// server in the arm's mode, with their own Redis key prefix.
struct ArmSystem {
    settings: Settings,
    session_auth: String,
    jwt_auth: String,
    api: String,
    handles: Vec<ServerHandle>,
}

impl ArmSystem {
    fn start(redis_url: &str, flow: Flow, lifetime: Duration) -> anyhow::Result<ArmSystem> {
        let mut settings = Settings::loopback(redis_url)?;
        settings.jwt.algorithm = SigningAlgorithm::HS256;
        settings.jwt.leeway_secs = 0;
        settings.jwt.access_ttl_secs = lifetime.as_secs().max(1);
        settings.api.mode = flow.api_mode();
        if let Flow::SessionCached(ms) = flow {
            settings.api.introspection_cache_ttl_ms = ms;
        }
        for listen in [
            &mut settings.session_auth,
            &mut settings.jwt_auth,
            &mut settings.api.listen,
        ] {
            listen.workers = Some(1);
        }
        let mut handles = Vec::new();
        let mut run = |server: RunningServer| {
            let url = server.url();
            handles.push(server.handle());
            tokio::spawn(server.run_until_stopped());
            url
        };
        let session_auth = run(session_auth::Application::build(&settings)?);
        let jwt_auth = run(jwt_auth::Application::build(&settings)?);
        settings.api.session_auth_url = session_auth.clone();
        let api = run(api::Application::build(&settings)?);
        Ok(ArmSystem {
            settings,
            session_auth,
            jwt_auth,
            api,
            handles,
        })
    }

    async fn stop(self) {
        for handle in self.handles {
            handle.stop(true).await;
        }
    }

    /// Gives alice the roles `roles` in every flow at once (see `authbench_core::roles`).
    async fn set_alice_roles(&self, roles: &[&str]) -> anyhow::Result<()> {
        let timeout = Duration::from_secs(2);
        let conn = authbench_core::redis_conn::connect(&self.settings.redis.url, timeout)?;
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        let lifetime = Duration::from_secs(self.settings.jwt.access_ttl_secs + self.settings.jwt.leeway_secs);
        authbench_core::roles::change_roles(
            conn,
            &self.settings.redis.key_prefix,
            timeout,
            "alice",
            &roles,
            lifetime,
        )
        .await?;
        Ok(())
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
}

/// How the API answered one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Granted,
    Denied,
}

pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(!args.interval.is_zero(), "--interval must be above 0");
    let run_args = RunOptions {
        flows: Vec::new(),
        link_delay: vec![Duration::ZERO],
        connections: args.connections,
        warmup: args.warmup,
        duration: args.duration,
        workers: 1,
    };
    let (redis, mut file) = begin(&run_args, "revocation", &["trials", "closed"]).await?;
    let minute = Duration::from_secs(args.seconds_per_minute);
    let mut arms: Vec<(Flow, Option<u64>)> = vec![(Flow::Session, None), (Flow::SessionRedis, None)];
    for ttl in &args.cache_ttls {
        arms.push((Flow::SessionCached(ttl.as_millis().max(1) as u64), None));
    }
    arms.push((Flow::JwtDenylist, None));
    for minutes in &args.lifetimes {
        arms.push((Flow::Jwt(SigningAlgorithm::HS256), Some(*minutes)));
    }
    println!(
        "revocation: {} flows x {} trials x (logout, role removed), one call every {}; plain \
         JWT runs {} s per minute of token lifetime",
        arms.len(),
        args.trials,
        results::units::show_us(args.interval.as_micros() as u64),
        args.seconds_per_minute
    );
    // Every arm runs at once, each on servers of its own; within an arm the logout trials
    // (bob) and the role trials (alice) run side by side.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (flow, minutes)) in arms.iter().copied().enumerate() {
        let redis_url = redis.url().to_string();
        let (trials, interval) = (args.trials, args.interval);
        tasks.spawn(async move {
            let arm = run_arm(&redis_url, flow, minutes, minute, trials, interval).await;
            (i, arm)
        });
    }
    let mut results: Vec<Option<RevocationArm>> = vec![None; arms.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, arm) = done.context("a revocation arm failed")?;
        let arm = arm?;
        println!("  {:<28} {}", arm.label, summary(&arm));
        results[i] = Some(arm);
    }
    let arms_done: Vec<RevocationArm> = results.into_iter().flatten().collect();
    for arm in &arms_done {
        for t in &arm.trials {
            if t.lag_ms.is_none() {
                file.notes.push(format!(
                    "{} ({}): the API never denied the credential within the trial's time",
                    arm.label, t.event
                ));
            }
            if t.regranted {
                file.notes.push(format!(
                    "{} ({}): a request was granted again after a denial",
                    arm.label, t.event
                ));
            }
        }
    }
    file.revocation = Some(RevocationResults {
        seconds_per_minute: args.seconds_per_minute,
        interval_ms: args.interval.as_secs_f64() * 1000.0,
        arms: arms_done,
    });

    if !args.duration.is_zero() {
        let mut priced: Vec<Flow> = Vec::new();
        for (flow, _) in &arms {
            if !priced.contains(flow) {
                priced.push(*flow);
            }
        }
        let total = priced.len();
        for (i, flow) in priced.into_iter().enumerate() {
            let (system, users) = start_flow(flow, &redis, &run_args, Topology::single()).await?;
            let position = format!("[{}/{total}]", i + 1);
            file.runs
                .push(measure(&system, &users, Mode::Closed, &run_args, "max", &position).await?);
        }
    }
    file.notes.push(format!(
        "plain JWT lifetimes ran {} s per minute with leeway 0; their lags are scaled by {} \
         (the default 30 s leeway adds 30 s to each)",
        args.seconds_per_minute,
        60 / args.seconds_per_minute
    ));
    let path = file.write(&args.out)?;
    println!("results: {}", path.display());
    Ok(file)
}

fn summary(arm: &RevocationArm) -> String {
    let show = |event: &str| {
        let lags = arm.scaled_lags_ms(Some(event));
        if lags.is_empty() {
            return format!("{event}: never denied");
        }
        let max = lags.iter().copied().fold(0.0, f64::max);
        let median = results::median(&lags);
        format!("{event}: median {} max {}", show_ms(median), show_ms(max))
    };
    format!(
        "{}   {}",
        show(Event::Logout.name()),
        show(Event::RoleRemoved.name())
    )
}

async fn run_arm(
    redis_url: &str,
    flow: Flow,
    minutes: Option<u64>,
    minute: Duration,
    trials: u16,
    interval: Duration,
) -> anyhow::Result<RevocationArm> {
    let lifetime = match minutes {
        Some(m) => minute * m as u32,
        // Long enough that no token expires during a trial.
        None => Duration::from_secs(600),
    };
    let system = ArmSystem::start(redis_url, flow, lifetime)
        .with_context(|| format!("cannot start the servers of {flow}"))?;
    let cache_ttl = match flow {
        Flow::SessionCached(ms) => Some(Duration::from_millis(ms)),
        _ => None,
    };
    // The span t0 is spread over: the token's life, the cache's, or a short while.
    let span = match (minutes, cache_ttl) {
        (Some(_), _) => lifetime,
        (None, Some(ttl)) => ttl,
        _ => Duration::from_millis(300),
    };
    let trials = usize::from(trials);
    let logout = async {
        let mut out = Vec::new();
        for k in 0..trials {
            out.push(trial(&system, flow, Event::Logout, fraction(k, trials), interval, span).await?);
        }
        anyhow::Ok(out)
    };
    let roles = async {
        let mut out = Vec::new();
        for k in 0..trials {
            out.push(
                trial(
                    &system,
                    flow,
                    Event::RoleRemoved,
                    fraction(k, trials),
                    interval,
                    span,
                )
                .await?,
            );
            system.set_alice_roles(&["admin", "user"]).await?;
            // A token issued in the same second as the restoring cut-off would be refused
            // by the denylist; the next trial logs in after it.
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        anyhow::Ok(out)
    };
    let (logout, roles) = tokio::join!(logout, roles);
    let mut trials_done = logout?;
    trials_done.extend(roles?);
    system.stop().await;
    let label = match (flow, minutes, cache_ttl) {
        (Flow::Jwt(_), Some(m), _) => format!("{flow} ({m} min tokens)"),
        (_, _, Some(ttl)) if ttl.subsec_millis() == 0 => {
            format!("session-cached ({} s cache)", ttl.as_secs())
        }
        (_, _, Some(ttl)) => format!("session-cached ({} ms cache)", ttl.as_millis()),
        _ => flow.to_string(),
    };
    Ok(RevocationArm {
        flow: flow.to_string(),
        label,
        access_lifetime_min: minutes,
        cache_ttl_ms: cache_ttl.map(|t| t.as_millis() as u64),
        scale: if minutes.is_some() {
            60.0 / minute.as_secs_f64()
        } else {
            1.0
        },
        trials: trials_done,
    })
}

/// Trial `k` of `n` revokes at the middle of the k-th n-th of the credential's life.
fn fraction(k: usize, n: usize) -> f64 {
    (k as f64 + 0.5) / n as f64
}

async fn trial(
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

/// `workbench revocation` in the registry.
pub struct Revocation;

impl crate::experiment::Experiment for Revocation {
    fn name(&self) -> &'static str {
        "revocation"
    }

    fn step(&self) -> Option<&'static str> {
        Some("revocation lag: logout and role removal, per flow")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                out: plan.results.clone(),
                lifetimes: DEFAULT_LIFETIMES_MIN.to_vec(),
                seconds_per_minute: 1,
                cache_ttls: DEFAULT_CACHE_TTLS.to_vec(),
                trials: DEFAULT_TRIALS,
                interval: DEFAULT_INTERVAL,
                duration: DEFAULT_PRICING_DURATION,
                warmup: plan.run.warmup,
                connections: plan.run.connections,
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trials_revoke_evenly_over_the_life_of_the_credential() {
        let shares: Vec<f64> = (0..3).map(|k| fraction(k, 3) * 6.0).collect();
        assert_eq!(shares, [1.0, 3.0, 5.0]);
    }

    #[test]
    fn a_plain_jwt_lag_is_scaled_by_its_own_tokens_life() {
        let trial = |lag: f64, life: f64| RevocationTrial {
            event: "logout".into(),
            lag_ms: Some(lag),
            bound_ms: lag,
            granted_after: 1,
            lifetime_ms: Some(life),
            regranted: false,
        };
        let arm = RevocationArm {
            flow: "jwt-hs256".into(),
            label: "jwt-hs256 (1 min tokens)".into(),
            access_lifetime_min: Some(1),
            cache_ttl_ms: None,
            scale: 60.0,
            // Half of an 800 ms life is half of a minute, not 24 s.
            trials: vec![trial(400.0, 800.0)],
        };
        assert_eq!(arm.scaled_lags_ms(None), [30_000.0]);
    }

    #[test]
    fn lags_read_in_the_unit_that_suits_them() {
        assert_eq!(show_ms(0.123), "0.12 ms");
        assert_eq!(show_ms(850.0), "850 ms");
        assert_eq!(show_ms(4_200.0), "4.2 s");
        assert_eq!(show_ms(450_000.0), "7.5 min");
    }
}
