//! `workbench up`: both architectures of the design note on loopback, in one process:
//! Redis (found as `redis-locator` describes), the session auth server, the JWT auth
//! server, and one API server per mode. Prints the URLs and ready-to-paste curl commands,
//! and stops everything on Ctrl-C.

use anyhow::Context;
use authbench_core::Settings;
use authbench_core::server::shutdown_signal;
use authbench_core::settings::{ApiMode, SigningAlgorithm};
use clap::Args;
use harness::loopback::{LoopbackSystem, Urls};
use redis_locator::{Source, free_port};

#[derive(Args)]
pub struct UpArgs {
    /// JWT signing algorithm: HS256, EdDSA, ES256 or RS256.
    #[arg(long, default_value = "HS256")]
    alg: SigningAlgorithm,
    /// Use fixed ports from this one up (session auth, JWT auth, then the API servers:
    /// session, session-redis, jwt, session-cached, jwt-denylist, and with --database
    /// api-key, jwt-userdb) instead of free ones.
    #[arg(long)]
    port_base: Option<u16>,
    /// The session store: one Redis (`single`), or a primary, two replicas and three
    /// sentinels (`sentinel`, down-after 1 s, the writes that matter waiting for one
    /// replica), which the servers follow through a failover: kill the primary and watch;
    /// or a Redis Cluster of three shards (`cluster`), each user's keys on one of them.
    #[arg(long, value_enum, default_value = "single")]
    store: StoreKind,
    /// Keep the users, roles and API keys in PostgreSQL (DATABASE_URL, else a private
    /// cluster from PostgreSQL's binaries, else a container) and run the API servers that
    /// read it on every request: api-key (seed 004) and jwt-userdb.
    #[arg(long)]
    database: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    Single,
    Sentinel,
    Cluster,
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    // Sessions and revocations outlive a restart of the Redis `up` starts.
    let persistence = redis_locator::Persistence::AppendOnly { fsync: "everysec" };
    let redis = redis_locator::locate_with(persistence)
        .await
        .context("failed to find or start Redis")?;
    let cluster = match args.store {
        StoreKind::Cluster => {
            let path = redis_locator::find_on_path("redis-server")
                .context("--store cluster starts redis-server processes: install redis-server")?;
            let options = redis_locator::ClusterOptions {
                persistence,
                ..Default::default()
            };
            Some(redis_locator::ClusterTopology::start(&path, options).await?)
        }
        _ => None,
    };
    let sentinel = match args.store {
        StoreKind::Single | StoreKind::Cluster => None,
        StoreKind::Sentinel => {
            let path = redis_locator::find_on_path("redis-server")
                .context("--store sentinel starts redis-server processes: install redis-server")?;
            let options = redis_locator::SentinelOptions {
                persistence,
                ..Default::default()
            };
            Some(redis_locator::SentinelTopology::start(&path, options).await?)
        }
    };
    let postgres = match args.database {
        true => Some(
            pg_locator::locate()
                .await
                .context("--database needs PostgreSQL")?,
        ),
        false => None,
    };
    let mut ports = Vec::new();
    for i in 0..9u16 {
        ports.push(match args.port_base {
            Some(base) => base.checked_add(i).context("--port-base is too high")?,
            None => free_port().context("failed to find a free port")?,
        });
    }
    let url = |port: u16| format!("http://127.0.0.1:{port}");

    let mut settings = Settings::loopback(redis.url()).context("failed to load settings")?;
    settings.redis.key_prefix = "authbench".into();
    settings.jwt.algorithm = args.alg;
    settings.jwt.issuer = url(ports[1]);
    settings.jwt.jwks_url = format!("{}/.well-known/jwks.json", url(ports[1]));
    settings.session_auth.port = ports[0];
    settings.jwt_auth.port = ports[1];
    settings.api.session_auth_url = url(ports[0]);
    if let Some(topology) = &sentinel {
        settings.redis.sentinel = Some(authbench_core::settings::SentinelSettings {
            master_name: topology.master_name().to_string(),
            addresses: topology.sentinel_addresses(),
        });
        settings.redis.durability.wait_replicas = 1;
    }
    if let Some(cluster) = &cluster {
        settings.redis.cluster = Some(authbench_core::settings::ClusterSettings {
            nodes: cluster.addresses(),
        });
    }
    if let Some(postgres) = &postgres {
        // DATABASE_URL's database as it is; on a server of its own, a database named authbench.
        let url = match postgres.source() {
            pg_locator::Source::Env => postgres.url().to_string(),
            _ => postgres.create_database("authbench").await?,
        };
        settings.database = Some(authbench_core::settings::DatabaseSettings {
            url: url.into(),
            pool_size: authbench_core::database::DEFAULT_POOL_SIZE,
            password_file: None,
        });
        let database = authbench_core::database::Database::from_settings(&settings)?.context("a database")?;
        let directory = authbench_core::users::UserDirectory::load(&settings.users_file)?;
        database
            .prepare(&directory)
            .await
            .context("failed to prepare the database")?;
    }
    let system = LoopbackSystem::start(&settings, &ports[2..])?;

    let source = match redis.source() {
        Source::Env => "from REDIS_URL",
        Source::Process => {
            "a private redis-server with an append-only file (fsync everysec), stopped on exit"
        }
        Source::Container => "a Redis container, removed on exit",
    };
    // The teaching page runs on servers of its own (with short lifetimes, and a link to
    // Redis its Stop button can cut), sharing this Redis.
    let demo = teaching::DemoSystem::start_on(
        redis.socket_addr().await?,
        Some(teaching::WEB_LIFETIME_SECS),
        None,
    )
    .await
    .context("failed to start the teaching page's servers")?;
    let (page_url, page) = teaching::web::start(std::sync::Arc::new(demo))?;
    let page_handle = page.handle();
    let page_task = tokio::spawn(page);
    if let Some(topology) = &sentinel {
        print!("{}", sentinel_banner(topology).await);
    }
    if let Some(cluster) = &cluster {
        print!("{}", cluster_banner(cluster));
    }
    print!(
        "{}",
        banner(&system.urls, &page_url, redis.url(), source, args.alg)
    );
    if postgres.is_some() {
        print!("{}", database_banner(&system.urls));
    }

    shutdown_signal().await;
    eprintln!("\nstopping...");
    page_handle.stop(true).await;
    let _ = page_task.await;
    system.stop().await;
    drop(sentinel);
    drop(cluster);
    drop(redis);
    drop(postgres);
    Ok(())
}

/// What `--store sentinel` adds to the banner: where the topology runs and how to fail it
/// over.
async fn sentinel_banner(topology: &redis_locator::SentinelTopology) -> String {
    let primary = topology.primary().await.unwrap_or_default();
    let sentinels = topology.sentinel_addresses();
    format!(
        r#"
The servers' session store is a Sentinel topology ({described}); every login,
logout and revocation waits for one replica (WAIT 1) before it is acknowledged. The
teaching page keeps the single Redis named above.

  master name   {name}
  sentinels     {sentinel_list}
  data nodes    {nodes}   (primary now: {primary})

# which node is the primary
redis-cli -p {first_sentinel_port} sentinel get-master-addr-by-name {name}
# kill it as a crash would; about {down_after} ms later the sentinels promote a replica and
# the servers follow it (503 meanwhile, at once, not after a timeout)
kill -9 $(redis-cli -p {primary_port} info server | sed -n 's/^process_id:\([0-9]*\).*//p')
"#,
        described = topology.options().describe(),
        name = topology.master_name(),
        sentinel_list = sentinels.join(", "),
        nodes = topology.data_addresses().join(", "),
        first_sentinel_port = sentinels.first().and_then(|s| s.rsplit(':').next()).unwrap_or(""),
        primary_port = primary.rsplit(':').next().unwrap_or(""),
        down_after = topology.options().down_after.as_millis(),
    )
}

/// What `--store cluster` adds to the banner: the shards and how to see each one's keys.
fn cluster_banner(cluster: &redis_locator::ClusterTopology) -> String {
    let shards = cluster.addresses();
    let port = |addr: &str| addr.rsplit(':').next().unwrap_or("").to_string();
    format!(
        r#"
The servers' session store is a Redis Cluster ({described}); each user's keys
share a hash tag, so a user's sessions, index and denylist entries sit on one shard. The
teaching page keeps the single Redis named above.

  shards        {list}

# the keys each shard holds, after a few users have logged in
{counts}
"#,
        described = cluster.options().describe(),
        list = shards.join(", "),
        counts = shards
            .iter()
            .map(|a| format!("redis-cli -p {} dbsize", port(a)))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// What `--database` adds to the banner: the two API servers that read PostgreSQL and how
/// to get an API key.
fn database_banner(urls: &Urls) -> String {
    let login =
        r#"-H 'content-type: application/json' -d '{"username":"alice","password":"alice-demo-password"}'"#;
    format!(
        r#"
With --database (users, roles and API keys in PostgreSQL):

  API server, api-key        {api_key}   (looks the API key up in PostgreSQL)
  API server, jwt-userdb     {api_userdb}   (verifies the token, then loads the user)

export API_KEY_SERVER={api_key} API_JWT_USERDB={api_userdb}
AT=$(curl -s -X POST $JWT_AUTH/login {login} | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
# issue an API key (shown once; only its SHA-256 is stored)                      -> 201
KEY=$(curl -s -X POST $JWT_AUTH/api-keys -H "Authorization: Bearer $AT" -H 'content-type: application/json' -d '{{"name":"cli"}}' | sed -E 's/.*"key":"([^"]+)".*/\1/')
curl -i $API_KEY_SERVER/api/departments -H "Authorization: Bearer $KEY"
curl -s $JWT_AUTH/api-keys -H "Authorization: Bearer $AT"
curl -i $API_JWT_USERDB/api/me -H "Authorization: Bearer $AT"
"#,
        api_key = urls.api(ApiMode::ApiKey),
        api_userdb = urls.api(ApiMode::JwtUserdb),
    )
}

fn banner(urls: &Urls, page_url: &str, redis_url: &str, redis_source: &str, alg: SigningAlgorithm) -> String {
    let api = |mode: ApiMode| urls.api(mode);
    let extract = |field: &str| format!("sed -E 's/.*\"{field}\":\"([^\"]+)\".*/\\1/'");
    let login =
        r#"-H 'content-type: application/json' -d '{"username":"alice","password":"alice-demo-password"}'"#;
    format!(
        r#"
authbench is up. Redis: {redis_url} ({redis_source}). JWT algorithm: {alg}.

  session auth server        {session_auth}
  JWT auth server            {jwt_auth}
  API server, session        {api_session}   (asks the session auth server on every call)
  API server, session-redis  {api_session_redis}   (reads Redis itself)
  API server, jwt            {api_jwt}   (verifies the token alone)
  API server, session-cached {api_session_cached}   (asks the auth server, keeps answers 1 s)
  API server, jwt-denylist   {api_jwt_denylist}   (verifies the token, then reads the denylist)

Teaching page: {page_url}   (in a browser; its own servers, credentials live {page_lifetime} s)

Paste into another shell:

export SESSION_AUTH={session_auth} JWT_AUTH={jwt_auth}
export API_SESSION={api_session} API_SESSION_REDIS={api_session_redis} API_JWT={api_jwt}
export API_SESSION_CACHED={api_session_cached} API_JWT_DENYLIST={api_jwt_denylist}

# Session process, steps 1-2: log in; the session goes into Redis, its id comes back
SID=$(curl -s -X POST $SESSION_AUTH/login {login} | {sid})
# steps 3-6: call the API; it asks the auth server, which asks Redis            -> 200
curl -i $API_SESSION/api/departments -H "Authorization: Bearer $SID"
# the same session read straight from Redis                                      -> 200
curl -i $API_SESSION_REDIS/api/me -H "Authorization: Bearer $SID"
# log out: the session is deleted at once, and the next call is refused          -> 204, then 401
curl -i -X POST $SESSION_AUTH/logout -H "Authorization: Bearer $SID"
curl -i $API_SESSION/api/departments -H "Authorization: Bearer $SID"

# Self-contained token process, steps 1-2: log in; the claims come back signed
TOKENS=$(curl -s -X POST $JWT_AUTH/login {login})
AT=$(echo "$TOKENS" | {at}); RT=$(echo "$TOKENS" | {rt})
# steps 3-4: call the API; it checks the signature itself, no other hop          -> 200
curl -i $API_JWT/api/departments -H "Authorization: Bearer $AT"
# admin only: alice is admin                                                     -> 201
curl -i -X POST $API_JWT/api/departments -H "Authorization: Bearer $AT" -H 'content-type: application/json' -d '{{"name":"Research"}}'
# a new access token for the refresh token                                       -> 200
curl -i -X POST $JWT_AUTH/refresh -H 'content-type: application/json' -d "{{\"refresh_token\":\"$RT\"}}"
# the public keys (empty for HS256)
curl -s $JWT_AUTH/.well-known/jwks.json
# log out (RFC 7009): the refresh family ends and the access token goes on the denylist
curl -i -X POST $JWT_AUTH/oauth/revoke -d "token=$AT" -d client_id=authbench-login
# the denylist refuses it at once; plain JWT accepts it until it expires          -> 401, then 200
curl -i $API_JWT_DENYLIST/api/me -H "Authorization: Bearer $AT"
curl -i $API_JWT/api/me -H "Authorization: Bearer $AT"
# OAuth 2.0: a third-party client's own token (client credentials)               -> 200
curl -s -X POST $JWT_AUTH/oauth/token -u reporting-service:reporting-demo-secret -d grant_type=client_credentials

Ctrl-C stops everything.
"#,
        session_auth = urls.session_auth,
        jwt_auth = urls.jwt_auth,
        api_session = api(ApiMode::Session),
        api_session_redis = api(ApiMode::SessionRedis),
        api_jwt = api(ApiMode::Jwt),
        api_session_cached = api(ApiMode::SessionCached),
        api_jwt_denylist = api(ApiMode::JwtDenylist),
        page_lifetime = teaching::WEB_LIFETIME_SECS,
        sid = extract("session_id"),
        at = extract("access_token"),
        rt = extract("refresh_token"),
    )
}
