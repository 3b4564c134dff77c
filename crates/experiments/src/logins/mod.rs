//! `workbench logins`: what a login costs in each flow, and what a token refresh costs in
//! the JWT flows, as CPU time per operation in each tier. Both architectures pay the
//! login's argon2id once per session; the report sets it against the per-request costs the
//! throughput experiment measured.
//!
//! Every virtual user logs in as the same demo user over and over (closed loop), so the
//! figure is the server's whole login: the password hash, plus a session written to Redis
//! or a pair of tokens signed. The refresh run reuses one refresh token, which the JWT
//! auth server accepts until it expires (it does not rotate them).

mod section;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use authbench_core::settings::SigningAlgorithm;
use harness::system::{FlowSystem, USERS, login};
use harness::{RunOptions, begin, measure_plan};
use loadgen::header::{CONTENT_TYPE, HeaderValue};
use loadgen::{Balance, Mode, Plan, RequestSpec, Stop, Target};
use results::Flow;
use results::ResultsFile;
use results::Topology;

/// The flows with a login of their own (session-redis logs in at the same server as
/// session; the baseline has none).
pub const DEFAULT_FLOWS: [Flow; 5] = [
    Flow::Session,
    Flow::Jwt(SigningAlgorithm::HS256),
    Flow::Jwt(SigningAlgorithm::EdDSA),
    Flow::Jwt(SigningAlgorithm::ES256),
    Flow::Jwt(SigningAlgorithm::RS256),
];

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The load options every experiment shares (flows, connections, run lengths).
    pub run: RunOptions,
    /// Virtual users of the login runs (`--connections` sets the refresh runs'). A login
    /// hashes with argon2id, 19 MiB of memory each by default: many at once on a few cores
    /// measure cache thrashing more than the login.
    pub login_connections: usize,
    /// Folder the results file is written to.
    pub out: PathBuf,
}

pub const DEFAULT_LOGIN_CONNECTIONS: usize = 4;

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    let out = args.out;
    let login_connections = args.login_connections.max(1);
    let args = args.run;
    let flows: Vec<Flow> = args
        .flows_or(&DEFAULT_FLOWS)
        .into_iter()
        .filter(|f| !matches!(f, Flow::Baseline))
        .collect();
    anyhow::ensure!(!flows.is_empty(), "the baseline has no login: pick another flow");
    let (redis, mut file) = begin(&args, "logins", &["closed"]).await?;
    file.notes.push(password_hash_note());
    file.notes.push(format!(
        "login runs: {login_connections} virtual users; refresh runs: {}",
        args.connections
    ));
    let total = flows.len() + flows.iter().filter(|f| f.algorithm().is_some()).count();
    let mut done = 0;
    for flow in flows {
        let system = FlowSystem::start_with(flow, &redis, args.server_options(), Topology::single()).await?;
        let auth = system
            .auth_url()
            .context("a flow with a login has an auth server")?;
        let (user, password) = USERS[0];
        let credentials = serde_json::json!({ "username": user, "password": password }).to_string();
        done += 1;
        let run = measure_plan(
            &system,
            post_plan(auth, "/login", credentials, login_connections, &args)?,
            &args,
            "login",
            &format!("[{done}/{total}]"),
        )
        .await?;
        file.runs.push(run);
        if flow.algorithm().is_some() {
            let refresh_token = refresh_token(auth).await?;
            let body = serde_json::json!({ "refresh_token": refresh_token }).to_string();
            done += 1;
            let run = measure_plan(
                &system,
                post_plan(auth, "/refresh", body, args.connections, &args)?,
                &args,
                "refresh",
                &format!("[{done}/{total}]"),
            )
            .await?;
            file.runs.push(run);
        }
    }
    let path = file.write(&out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// A closed-loop plan in which `users` virtual users, none with a credential, POST `body`
/// as JSON to `path` on the auth server.
fn post_plan(auth: &str, path: &str, body: String, users: usize, args: &RunOptions) -> anyhow::Result<Plan> {
    Ok(Plan {
        mode: Mode::Closed,
        warmup: Duration::ZERO,
        stop: Stop::After(args.warmup),
        targets: vec![Target::parse(auth)?],
        balance: Balance::PerUser,
        request: RequestSpec {
            method: loadgen::Method::POST,
            path: path.to_string(),
            headers: vec![(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body: body.into(),
        },
        users: vec![Vec::new(); users],
        request_timeout: Duration::from_secs(10),
        generator_cpus: harness::placement::generator_cpus(),
    })
}

async fn refresh_token(auth: &str) -> anyhow::Result<String> {
    login(&reqwest::Client::new(), auth, USERS[0])
        .await?
        .refresh_token
        .context("the JWT login answered no refresh_token")
}

/// The argon2id parameters of the demo user's hash, which every login run verifies.
fn password_hash_note() -> String {
    let params = authbench_core::Settings::load()
        .ok()
        .and_then(|s| std::fs::read_to_string(&s.users_file).ok())
        .and_then(|text| {
            text.split('$')
                .find(|part| part.starts_with("m="))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".into());
    format!("every login verifies the demo user's argon2id hash ({params}, from configuration/users.yaml)")
}

/// `workbench logins` in the registry.
pub struct Logins;

impl crate::experiment::Experiment for Logins {
    fn name(&self) -> &'static str {
        "logins"
    }

    fn step(&self) -> Option<&'static str> {
        Some("the cost of a login and of a token refresh")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            let mut run = plan.run.clone();
            run.flows = plan.authenticated_flows(&DEFAULT_FLOWS);
            self::run(Options {
                run,
                login_connections: DEFAULT_LOGIN_CONNECTIONS,
                out: plan.results.clone(),
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}
