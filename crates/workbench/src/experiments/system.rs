//! One flow's servers as separate processes (`workbench serve ...`), so that `/proc` tells
//! each tier's CPU time apart, plus the virtual users' logins through that flow.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use authbench_core::secret::random_secret;
use authbench_core::settings::SigningAlgorithm;
use loadgen::cpu::Tier;
use loadgen::header::{AUTHORIZATION, HeaderName, HeaderValue};
use redis_locator::{LocalRedis, free_port};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::flows::Flow;

/// How the servers of a flow are started.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// actix-web workers per server (API and auth).
    pub workers: usize,
}

/// The demo users from `configuration/users.yaml`; virtual users take them in turn.
const USERS: [(&str, &str); 2] = [("alice", "alice-demo-password"), ("bob", "bob-demo-password")];

struct ServerProcess {
    name: &'static str,
    child: Child,
    url: String,
    log: PathBuf,
}

impl ServerProcess {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: VecDeque<&str> = text.lines().collect();
        let skip = lines.len().saturating_sub(10);
        lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_file(&self.log);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The running servers of one flow.
pub struct FlowSystem {
    pub flow: Flow,
    api: ServerProcess,
    auth: Option<ServerProcess>,
    redis_pid: Option<u32>,
}

impl FlowSystem {
    /// Starts the auth server the flow logs in through (none for the baseline) and one API
    /// server, and waits until both are ready.
    pub async fn start(flow: Flow, redis: &LocalRedis, options: ServerOptions) -> anyhow::Result<FlowSystem> {
        let exe = std::env::current_exe().context("cannot find the workbench executable")?;
        let config_dir = authbench_core::settings::config_dir()
            .context("no configuration folder found: run from the project root or set APP_CONFIG_DIR")?;
        let config_dir = config_dir.canonicalize().unwrap_or(config_dir);
        let (auth_port, api_port) = (free_port()?, free_port()?);
        let auth_url = format!("http://127.0.0.1:{auth_port}");
        let workers = options.workers.max(1).to_string();
        let mut env: Vec<(String, String)> = vec![
            ("APP_PROFILE".into(), "dev".into()),
            ("APP_CONFIG_DIR".into(), config_dir.display().to_string()),
            ("APP_REDIS__URL".into(), redis.url().into()),
            (
                "APP_REDIS__KEY_PREFIX".into(),
                format!("authbench-bench-{}", authbench_core::secret::random_id()),
            ),
            (
                "APP_JWT__SECRET".into(),
                random_secret().expose_secret().to_string(),
            ),
            (
                "APP_INTROSPECTION__CLIENT_SECRET".into(),
                random_secret().expose_secret().to_string(),
            ),
            (
                "APP_JWT__ALGORITHM".into(),
                flow.algorithm().unwrap_or(SigningAlgorithm::HS256).to_string(),
            ),
            ("APP_JWT__ISSUER".into(), auth_url.clone()),
            (
                "APP_JWT__JWKS_URL".into(),
                format!("{auth_url}/.well-known/jwks.json"),
            ),
            // Long enough that no token or session expires during a run.
            ("APP_JWT__ACCESS_TTL_SECS".into(), "3600".into()),
            ("APP_SESSION_AUTH__PORT".into(), auth_port.to_string()),
            ("APP_SESSION_AUTH__WORKERS".into(), workers.clone()),
            ("APP_JWT_AUTH__PORT".into(), auth_port.to_string()),
            ("APP_JWT_AUTH__WORKERS".into(), workers.clone()),
            ("APP_API__PORT".into(), api_port.to_string()),
            ("APP_API__WORKERS".into(), workers),
            ("APP_API__MODE".into(), flow.api_mode().to_string()),
            ("APP_API__SESSION_AUTH_URL".into(), auth_url.clone()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        env.sort();

        let auth = match flow {
            Flow::Baseline => None,
            Flow::Session | Flow::SessionRedis => Some(spawn(&exe, "session-auth", &env, &auth_url).await?),
            Flow::Jwt(_) => Some(spawn(&exe, "jwt-auth", &env, &auth_url).await?),
        };
        let api = spawn(&exe, "api", &env, &format!("http://127.0.0.1:{api_port}")).await?;
        Ok(FlowSystem {
            flow,
            api,
            auth,
            redis_pid: flow.needs_redis().then(|| redis.pid()).flatten(),
        })
    }

    pub fn api_url(&self) -> &str {
        &self.api.url
    }

    /// The processes to meter: the API server, the auth server, Redis (when the flow uses
    /// it and the workbench started it) and the generator (this process).
    pub fn tiers(&self) -> Vec<Tier> {
        let mut tiers = vec![Tier::new("api", vec![self.api.pid()])];
        if let Some(auth) = &self.auth {
            tiers.push(Tier::new(auth.name, vec![auth.pid()]));
        }
        if let Some(pid) = self.redis_pid {
            tiers.push(Tier::new("redis", vec![pid]));
        }
        tiers.push(Tier::new("generator", vec![std::process::id()]));
        tiers
    }

    /// Logs `count` virtual users in through the flow's auth server and returns the header
    /// each one sends (none for the baseline).
    pub async fn log_in(&self, count: usize) -> anyhow::Result<Vec<Vec<(HeaderName, HeaderValue)>>> {
        let Some(auth) = &self.auth else {
            return Ok(vec![Vec::new(); count]);
        };
        let client = reqwest::Client::new();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..count {
            let (user, password) = USERS[i % USERS.len()];
            let url = format!("{}/login", auth.url);
            let client = client.clone();
            tasks.spawn(async move {
                let response = client
                    .post(&url)
                    .json(&serde_json::json!({ "username": user, "password": password }))
                    .send()
                    .await?
                    .error_for_status()?;
                let body: LoginAnswer = response.json().await?;
                anyhow::Ok((i, body))
            });
        }
        let mut users = vec![Vec::new(); count];
        while let Some(done) = tasks.join_next().await {
            let (i, body) = done
                .context("a login task failed")?
                .context("a virtual user could not log in")?;
            let credential = body
                .session_id
                .or(body.access_token)
                .context("the login answer held neither session_id nor access_token")?;
            let value = HeaderValue::from_str(&format!("Bearer {credential}"))?;
            users[i] = vec![(AUTHORIZATION, value)];
        }
        Ok(users)
    }
}

#[derive(Deserialize)]
struct LoginAnswer {
    session_id: Option<String>,
    access_token: Option<String>,
}

async fn spawn(
    exe: &std::path::Path,
    name: &'static str,
    env: &[(String, String)],
    url: &str,
) -> anyhow::Result<ServerProcess> {
    let log = std::env::temp_dir().join(format!(
        "authbench-{name}-{}-{}.log",
        std::process::id(),
        authbench_core::secret::random_id()
    ));
    let stderr = std::fs::File::create(&log).context("cannot create a server log file")?;
    let child = Command::new(exe)
        .args(["serve", name])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("cannot start `workbench serve {name}`"))?;
    let mut process = ServerProcess {
        name,
        child,
        url: url.to_string(),
        log,
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = process.child.try_wait() {
            bail!("the {name} server exited ({status}):\n{}", process.log_tail());
        }
        if let Ok(r) = client.get(format!("{url}/readyz")).send().await
            && r.status().is_success()
        {
            return Ok(process);
        }
        if Instant::now() > deadline {
            bail!(
                "the {name} server was not ready within 20 s:\n{}",
                process.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
