//! One flow's servers as separate processes (`workbench serve ...`), so that `/proc` tells
//! each tier's CPU time apart, plus the virtual users' logins through that flow.

use std::time::Duration;

use anyhow::Context;
use authbench_core::secret::random_secret;
use authbench_core::settings::SigningAlgorithm;
use loadgen::cpu::Tier;
use loadgen::header::{HeaderName, HeaderValue};
use redis_locator::{LocalRedis, free_port};
use results::flow::DEFAULT_CACHE_TTL_MS;
use results::{Flow, Topology};
use secrecy::ExposeSecret;

pub use crate::login::{LoginAnswer, USERS, log_in, login};
use crate::population::Population;
use crate::process::{PortTaken, ServerProcess, spawn};

/// How the servers of a flow are started.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// actix-web workers per server (API and auth).
    pub workers: usize,
    /// Put a link that can be cut ([`linkproxy::LinkProxy`]) in front of Redis and of each
    /// session auth server, for the fault experiment.
    pub cuttable_links: bool,
    /// Users in a directory of their own ([`Population`]), one per virtual user up to this
    /// many; 0: the demo users, taken in turn.
    pub population: usize,
}

/// Which dependency [`FlowSystem::cut`] acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Redis,
    /// The session auth server, as the API servers reach it.
    SessionAuth,
    /// PostgreSQL, as every server of a database flow reaches it.
    Database,
}

impl Dependency {
    pub fn name(self) -> &'static str {
        match self {
            Dependency::Redis => "redis",
            Dependency::SessionAuth => "session-auth",
            Dependency::Database => "postgres",
        }
    }
}

impl std::str::FromStr for Dependency {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "redis" => Ok(Dependency::Redis),
            "session-auth" => Ok(Dependency::SessionAuth),
            "postgres" => Ok(Dependency::Database),
            other => Err(format!(
                "unknown dependency `{other}`: redis, session-auth or postgres"
            )),
        }
    }
}

/// Where a flow's servers find Redis.
#[derive(Clone, Copy)]
pub enum Store<'a> {
    /// One Redis this process found or started.
    Single(&'a LocalRedis),
    /// One Redis at a URL (a node of a topology the caller runs).
    Url(&'a str),
    /// The primary of a Sentinel topology, found through its sentinels; the writes that
    /// matter wait for `wait_replicas` replicas.
    Sentinel {
        topology: &'a redis_locator::SentinelTopology,
        wait_replicas: u32,
    },
    /// Every shard of a Redis Cluster the caller runs.
    Cluster(&'a redis_locator::ClusterTopology),
}

impl Store<'_> {
    /// The URL the servers are given (for Sentinel, only its credentials count).
    fn url(&self) -> String {
        match self {
            Store::Single(redis) => redis.url().to_string(),
            Store::Url(url) => url.to_string(),
            Store::Sentinel { .. } | Store::Cluster(_) => "redis://127.0.0.1:6379".into(),
        }
    }

    /// The Redis processes to meter: those the workbench started and the servers use.
    fn pids(&self) -> Vec<u32> {
        match self {
            Store::Single(redis) => redis.pid().into_iter().collect(),
            Store::Url(_) | Store::Sentinel { .. } => Vec::new(),
            Store::Cluster(cluster) => cluster.pids().into_iter().flatten().collect(),
        }
    }

    /// Redis Cluster primaries (1 for every other store).
    fn shards(&self) -> usize {
        match self {
            Store::Cluster(cluster) => cluster.addresses().len(),
            _ => 1,
        }
    }

    /// The settings that point a server at the store.
    fn env(&self) -> Vec<(String, String)> {
        match self {
            Store::Single(_) | Store::Url(_) => Vec::new(),
            Store::Cluster(cluster) => {
                vec![("APP_REDIS__CLUSTER__NODES".into(), cluster.addresses().join(","))]
            }
            Store::Sentinel {
                topology,
                wait_replicas,
            } => vec![
                (
                    "APP_REDIS__SENTINEL__MASTER_NAME".into(),
                    topology.master_name().to_string(),
                ),
                (
                    "APP_REDIS__SENTINEL__ADDRESSES".into(),
                    topology.sentinel_addresses().join(","),
                ),
                (
                    "APP_REDIS__DURABILITY__WAIT_REPLICAS".into(),
                    wait_replicas.to_string(),
                ),
            ],
        }
    }
}

/// The running servers of one flow.
pub struct FlowSystem {
    pub flow: Flow,
    /// The prefix of every Redis key this flow's servers write.
    pub key_prefix: String,
    pub topology: Topology,
    apis: Vec<ServerProcess>,
    auths: Vec<ServerProcess>,
    redis_pids: Vec<u32>,
    /// Kept open while the servers run.
    _links: Vec<linkproxy::DelayLink>,
    /// Links the fault experiment cuts, by what they lead to.
    cuttable: Vec<(Dependency, linkproxy::LinkProxy)>,
    /// The users the auth servers know, when not the demo users.
    population: Option<Population>,
    /// The PostgreSQL of a database flow, and the URL of the flow's own database on it.
    postgres: Option<(std::sync::Arc<pg_locator::LocalPostgres>, String)>,
}

impl FlowSystem {
    /// Starts the flow's servers as `topology` says: API replicas spread over the auth
    /// servers in turn, with a delay link on every server-to-server hop when asked.
    ///
    /// Ports are picked free before the servers start, so another process can take one in
    /// between; the answer would then come from the wrong server. Each server is checked
    /// to be the one listening on its port, and the whole flow starts again on new ports
    /// when it is not (three attempts).
    pub async fn start_with(
        flow: Flow,
        redis: &LocalRedis,
        options: ServerOptions,
        topology: Topology,
    ) -> anyhow::Result<FlowSystem> {
        FlowSystem::start_on(flow, Store::Single(redis), options, topology).await
    }

    /// [`FlowSystem::start_with`] on any [`Store`].
    pub async fn start_on(
        flow: Flow,
        store: Store<'_>,
        options: ServerOptions,
        topology: Topology,
    ) -> anyhow::Result<FlowSystem> {
        let mut attempt = 1;
        loop {
            match FlowSystem::start_once(flow, store, options, topology).await {
                Err(e) if attempt < 3 && e.downcast_ref::<PortTaken>().is_some() => {
                    tracing::warn!("{e}; starting {flow} again on other ports");
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    async fn start_once(
        flow: Flow,
        store: Store<'_>,
        options: ServerOptions,
        topology: Topology,
    ) -> anyhow::Result<FlowSystem> {
        let exe = std::env::current_exe().context("cannot find the workbench executable")?;
        let config_dir = authbench_core::settings::config_dir()
            .context("no configuration folder found: run from the project root or set APP_CONFIG_DIR")?;
        let config_dir = config_dir.canonicalize().unwrap_or(config_dir);
        let auth_count = match flow {
            Flow::Baseline => 0,
            f if f.is_session() => topology.auth_servers.max(1),
            _ => 1,
        };
        let api_count = topology.api_replicas.max(1);
        let auth_ports: Vec<u16> = (0..auth_count).map(|_| free_port()).collect::<Result<_, _>>()?;
        let api_ports: Vec<u16> = (0..api_count).map(|_| free_port()).collect::<Result<_, _>>()?;
        let auth_urls: Vec<String> = auth_ports
            .iter()
            .map(|p| format!("http://127.0.0.1:{p}"))
            .collect();
        let issuer = auth_urls
            .first()
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1:9".into());
        let workers = options.workers.max(1).to_string();
        let delay = topology.link_delay();
        anyhow::ensure!(
            delay.is_zero() || !options.cuttable_links,
            "a link delay and cuttable links do not combine"
        );
        anyhow::ensure!(
            !matches!(store, Store::Sentinel { .. } | Store::Cluster(_))
                || (delay.is_zero() && !options.cuttable_links),
            "links in front of Redis need a single Redis, not a Sentinel topology or a cluster"
        );
        let store_url = store.url();
        let mut links = Vec::new();
        let mut cuttable = Vec::new();
        if options.cuttable_links && flow.needs_redis() {
            let proxy = linkproxy::LinkProxy::start(redis_addr(&store_url)?).await?;
            cuttable.push((Dependency::Redis, proxy));
        }
        let redis_direct = match cuttable.first() {
            Some((_, proxy)) => format!("redis://{}", proxy.addr()),
            None => store_url.clone(),
        };
        let redis_url = |links: &mut Vec<linkproxy::DelayLink>| -> anyhow::Result<String> {
            if delay.is_zero() {
                return Ok(redis_direct.clone());
            }
            let link = linkproxy::DelayLink::start(redis_addr(&store_url)?, delay)?;
            let url = format!("redis://{}", link.addr());
            links.push(link);
            Ok(url)
        };
        let key_prefix = format!("authbench-bench-{}", authbench_core::secret::random_id());
        let mut env: Vec<(String, String)> = vec![
            ("APP_PROFILE".into(), "dev".into()),
            ("APP_CONFIG_DIR".into(), config_dir.display().to_string()),
            ("APP_REDIS__KEY_PREFIX".into(), key_prefix.clone()),
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
            ("APP_JWT__ISSUER".into(), issuer.clone()),
            (
                "APP_JWT__JWKS_URL".into(),
                format!("{issuer}/.well-known/jwks.json"),
            ),
            // Long enough that no token or session expires during a run.
            ("APP_JWT__ACCESS_TTL_SECS".into(), "3600".into()),
            ("APP_SESSION_AUTH__WORKERS".into(), workers.clone()),
            ("APP_JWT_AUTH__WORKERS".into(), workers.clone()),
            ("APP_API__WORKERS".into(), workers),
            ("APP_API__MODE".into(), flow.api_mode().to_string()),
            (
                "APP_API__INTROSPECTION_CACHE_TTL_MS".into(),
                match flow {
                    Flow::SessionCached(ms) => ms,
                    _ => DEFAULT_CACHE_TTL_MS,
                }
                .to_string(),
            ),
            (
                "APP_API__INTROSPECTION_HTTP".into(),
                if flow == Flow::SessionH2 { "http2" } else { "http1" }.into(),
            ),
            ("RUST_LOG".into(), "warn".into()),
        ];
        env.extend(store.env());
        let population = match options.population {
            0 => None,
            n => Some(Population::create(n)?),
        };
        if let Some(population) = &population {
            env.push(("APP_USERS_FILE".into(), population.file().display().to_string()));
        }
        let postgres = if flow.needs_database() {
            let postgres = crate::database::shared().await?;
            let users_file = match &population {
                Some(p) => p.file().to_path_buf(),
                None => config_dir.join("users.yaml"),
            };
            let url = crate::database::fresh(&postgres, &users_file).await?;
            Some((postgres, url))
        } else {
            None
        };
        // Every server of a database flow reaches PostgreSQL the way it reaches Redis: through
        // the fault experiment's cuttable link, or a delay link, or directly.
        if let Some((_, url)) = &postgres {
            let addr = pg_addr(url)?;
            let reached = if options.cuttable_links {
                let proxy = linkproxy::LinkProxy::start(addr).await?;
                let via = proxy.addr();
                cuttable.push((Dependency::Database, proxy));
                via
            } else if !delay.is_zero() {
                let link = linkproxy::DelayLink::start(addr, delay)?;
                let via = link.addr();
                links.push(link);
                via
            } else {
                addr
            };
            env.push((
                "APP_DATABASE__URL".into(),
                url.replacen(&addr.to_string(), &reached.to_string(), 1),
            ));
        }
        env.sort();
        let with = |extra: Vec<(&str, String)>| {
            let mut all = env.clone();
            all.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
            all
        };

        let mut auths = Vec::new();
        let auth_redis = redis_url(&mut links)?;
        for (port, url) in auth_ports.iter().zip(&auth_urls) {
            let (name, port_var) = if flow.is_jwt() {
                ("jwt-auth", "APP_JWT_AUTH__PORT")
            } else {
                ("session-auth", "APP_SESSION_AUTH__PORT")
            };
            let env = with(vec![
                (port_var, port.to_string()),
                ("APP_REDIS__URL", auth_redis.clone()),
            ]);
            auths.push(spawn(&exe, name, &env, url).await?);
        }
        // The API servers' view of each auth server: through a delay link when asked.
        let mut api_auth_urls = Vec::new();
        for (port, url) in auth_ports.iter().zip(&auth_urls) {
            let auth_addr = std::net::SocketAddr::from(([127, 0, 0, 1], *port));
            let asks_auth = matches!(flow, Flow::Session | Flow::SessionH2 | Flow::SessionCached(_));
            if options.cuttable_links && asks_auth {
                let proxy = linkproxy::LinkProxy::start(auth_addr).await?;
                api_auth_urls.push(format!("http://{}", proxy.addr()));
                cuttable.push((Dependency::SessionAuth, proxy));
            } else if delay.is_zero() || !asks_auth {
                api_auth_urls.push(url.clone());
            } else {
                let link =
                    linkproxy::DelayLink::start(std::net::SocketAddr::from(([127, 0, 0, 1], *port)), delay)?;
                api_auth_urls.push(format!("http://{}", link.addr()));
                links.push(link);
            }
        }
        let api_redis = if matches!(flow, Flow::SessionRedis | Flow::JwtDenylist) {
            redis_url(&mut links)?
        } else {
            redis_direct.clone()
        };
        let mut apis = Vec::new();
        for (i, port) in api_ports.iter().enumerate() {
            let auth_url = api_auth_urls
                .get(i % api_auth_urls.len().max(1))
                .cloned()
                .unwrap_or_else(|| issuer.clone());
            let env = with(vec![
                ("APP_API__PORT", port.to_string()),
                ("APP_API__SESSION_AUTH_URL", auth_url),
                ("APP_REDIS__URL", api_redis.clone()),
            ]);
            let server = if flow == Flow::JwtFloor {
                "jwt-floor"
            } else {
                "api"
            };
            apis.push(spawn(&exe, server, &env, &format!("http://127.0.0.1:{port}")).await?);
        }
        Ok(FlowSystem {
            flow,
            key_prefix,
            topology: Topology {
                api_replicas: api_count,
                auth_servers: auth_count,
                link_delay_us: topology.link_delay_us,
                shards: store.shards(),
            },
            apis,
            auths,
            redis_pids: if flow.needs_redis() {
                store.pids()
            } else {
                Vec::new()
            },
            _links: links,
            cuttable,
            population,
            postgres,
        })
    }

    /// A load plan against this flow's API replicas: its route, `users`' credentials, each
    /// virtual user keeping to one replica (as behind a layer-4 balancer, so a replica sees
    /// users / replicas connections however many replicas run), 10 s request timeout.
    pub fn plan(
        &self,
        mode: loadgen::Mode,
        warmup: Duration,
        stop: loadgen::Stop,
        users: &[Vec<(HeaderName, HeaderValue)>],
    ) -> anyhow::Result<loadgen::Plan> {
        Ok(loadgen::Plan {
            mode,
            warmup,
            stop,
            targets: self
                .api_urls()
                .into_iter()
                .map(loadgen::Target::parse)
                .collect::<Result<_, _>>()?,
            balance: loadgen::Balance::PerUser,
            request: loadgen::RequestSpec::get(self.flow.path()),
            users: users.to_vec(),
            request_timeout: Duration::from_secs(10),
            generator_cpus: crate::placement::generator_cpus(),
        })
    }

    /// Every API replica's URL, for the generator to spread requests over.
    pub fn api_urls(&self) -> Vec<&str> {
        self.apis.iter().map(|a| a.url.as_str()).collect()
    }

    /// Sets every cuttable link to `dependency` (none when the flow does not use it, or the
    /// system was started without cuttable links) to `mode`; returns how many it set.
    pub fn cut(&self, dependency: Dependency, mode: linkproxy::Mode) -> usize {
        self.cuttable
            .iter()
            .filter(|(d, _)| *d == dependency)
            .map(|(_, proxy)| proxy.set_mode(mode))
            .count()
    }

    pub fn api_pids(&self) -> Vec<u32> {
        self.apis.iter().map(ServerProcess::pid).collect()
    }

    pub fn auth_pids(&self) -> Vec<u32> {
        self.auths.iter().map(ServerProcess::pid).collect()
    }

    /// The first auth server's URL (none for the baseline).
    pub fn auth_url(&self) -> Option<&str> {
        self.auths.first().map(|a| a.url.as_str())
    }

    pub fn api_url(&self) -> &str {
        &self.apis[0].url
    }

    /// The URL of the flow's own database (a database flow only), reached directly.
    pub fn database_url(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(_, url)| url.as_str())
    }

    /// The PostgreSQL postmaster, for a database flow on a server the workbench started.
    pub fn postgres_pid(&self) -> Option<u32> {
        self.postgres.as_ref().and_then(|(postgres, _)| postgres.pid())
    }

    /// The postmaster and every process it runs now (its helpers, a backend per pooled
    /// connection); empty without one the workbench started.
    pub fn postgres_pids(&self) -> Vec<u32> {
        self.postgres
            .as_ref()
            .map(|(postgres, _)| postgres.server_pids())
            .unwrap_or_default()
    }

    /// The processes to meter: the API servers, the auth servers, Redis (every shard, when
    /// the flow uses it and the workbench started it), PostgreSQL (for a database flow) and
    /// the generator (this process).
    pub fn tiers(&self) -> Vec<Tier> {
        let mut tiers = vec![Tier::new("api", self.api_pids())];
        if let Some(auth) = self.auths.first() {
            tiers.push(Tier::new(auth.name, self.auth_pids()));
        }
        if !self.redis_pids.is_empty() {
            tiers.push(Tier::new("redis", self.redis_pids.clone()));
        }
        // The postmaster and its backends (a backend per pooled connection), when the
        // workbench started the server; read as a family, so that a backend a pool opens or
        // closes during the run counts too.
        if let Some(postmaster) = self.postgres_pid() {
            tiers.push(Tier::family("postgres", postmaster, self.postgres_pids()));
        }
        tiers.push(Tier::new("generator", vec![std::process::id()]));
        tiers
    }

    /// Logs `count` virtual users in through the flow's auth server and returns the header
    /// each one sends (none for the baseline; for `api-key`, a key each issued after the
    /// login).
    pub async fn log_in(&self, count: usize) -> anyhow::Result<Vec<Vec<(HeaderName, HeaderValue)>>> {
        let users = self.log_in_users(count).await?;
        match (self.flow, self.auth_url()) {
            (Flow::ApiKey, Some(auth)) => crate::login::trade_for_api_keys(auth, users).await,
            _ => Ok(users),
        }
    }

    async fn log_in_users(&self, count: usize) -> anyhow::Result<Vec<Vec<(HeaderName, HeaderValue)>>> {
        match &self.population {
            None => log_in(self.auth_url(), count).await,
            Some(population) => {
                crate::login::log_in_as(self.auth_url(), count, |i| {
                    let (name, password) = population.credentials(i);
                    (name.to_string(), password.to_string())
                })
                .await
            }
        }
    }
}

/// The address of a `postgres://user:password@host:port/database` URL.
fn pg_addr(url: &str) -> anyhow::Result<std::net::SocketAddr> {
    use std::net::ToSocketAddrs;
    let rest = url.rsplit_once('@').map(|(_, r)| r).unwrap_or(url);
    let host_port = rest.split('/').next().unwrap_or(rest);
    host_port
        .to_socket_addrs()?
        .next()
        .with_context(|| format!("{host_port} does not resolve"))
}

fn redis_addr(url: &str) -> anyhow::Result<std::net::SocketAddr> {
    use std::net::ToSocketAddrs;
    let rest = url
        .strip_prefix("redis://")
        .with_context(|| format!("a link delay needs a plain redis:// URL, not {url}"))?;
    anyhow::ensure!(
        !rest.contains('@'),
        "a link delay cannot sit in front of a Redis URL with credentials"
    );
    let host_port = rest.split('/').next().unwrap_or(rest);
    host_port
        .to_socket_addrs()?
        .next()
        .with_context(|| format!("{host_port} does not resolve"))
}
