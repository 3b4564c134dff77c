//! `workbench state`: what each architecture keeps on the server, and what it sends
//! instead.
//!
//! - Sessions: Redis memory against the number of live sessions (created through the
//!   session store itself, without the login's password hash), as bytes per session.
//! - Tokens: the `Authorization` header's size against the number of roles in the token,
//!   per signing algorithm, and where it passes 8 KB; then the API server's real limit,
//!   probed with bearer credentials around that size.
//!
//! - The denylist: Redis memory against the number of revoked, unexpired access tokens
//!   (`jwt-denylist`'s state; a plain JWT flow keeps nothing on the server), written
//!   through the denylist itself, as bytes per entry.
//! - API keys: PostgreSQL bytes (table and indexes) against the number of keys, one user
//!   each, as the `api-key` flow stores them (the `jwt-userdb` flow keeps only the users).

mod section;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use authbench_core::denylist::Denylist;
use authbench_core::session_store::{Lifetimes, SessionStore};
use authbench_core::settings::SigningAlgorithm;
use harness::system::FlowSystem;
use results::Flow;
use results::Method;
use results::ResultsFile;
use results::Topology;
use results::state::{DenylistMemory, LimitProbe, SessionMemory, StateResults, TokenSize};

pub const DEFAULT_SESSIONS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];
pub const DEFAULT_ROLES: [usize; 11] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
pub const DEFAULT_DENYLIST: [usize; 3] = [1_000, 10_000, 100_000];
pub const DEFAULT_API_KEYS: [usize; 3] = [1_000, 10_000, 100_000];

/// What one run of this experiment is asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder the results file is written to.
    pub out: PathBuf,
    /// Numbers of live sessions to measure Redis at.
    pub sessions: Vec<usize>,
    /// Role counts to size tokens at.
    pub roles: Vec<usize>,
    /// Numbers of revoked tokens to measure the denylist at.
    pub denylist: Vec<usize>,
    /// Numbers of API keys to measure PostgreSQL at (none: PostgreSQL is not asked for).
    pub api_keys: Vec<usize>,
}

/// `Authorization: Bearer ` before the token.
const HEADER_PREFIX: usize = "Authorization: Bearer ".len();
const EIGHT_KB: usize = 8 * 1024;

/// Runs the experiment, writes its results file into `out` and returns it.
pub async fn run(args: Options) -> anyhow::Result<ResultsFile> {
    let mut method = Method::new("state");
    method.modes = vec!["in-process".into()];
    let (redis, described) = harness::redis().await?;
    method.redis = described;
    let mut file = ResultsFile::new(method);
    let mut state = StateResults::default();

    let conn = authbench_core::redis_conn::connect(redis.url(), Duration::from_secs(5))?;
    let prefix = format!("authbench-state-{}:", authbench_core::secret::random_id());

    // The denylist, through the denylist itself: 128-bit jti values as the JWT auth
    // server makes them, each kept until a 5-minute token's expiry plus 30 s.
    let denylist = Denylist::new(conn.clone(), &prefix, Duration::from_secs(5));
    let exp = authbench_core::time::now_secs() + 300;
    let grown = grow(&conn, &args.denylist, ("revoked tokens", "entry"), |_| {
        let denylist = denylist.clone();
        // 22 characters, the length of the auth server's base64url 128-bit jti.
        let jti = format!(
            "{}{}",
            authbench_core::secret::random_id(),
            &authbench_core::secret::random_id()[..6]
        );
        async move {
            denylist
                .revoke_token(&jti, "u-alice", exp, Duration::from_secs(30))
                .await
        }
    })
    .await?;
    state.denylist = grown
        .into_iter()
        .map(|g| DenylistMemory {
            entries: g.count,
            bytes: g.bytes,
            bytes_per_entry: g.bytes as f64 / g.count as f64,
        })
        .collect();
    remove_keys(&conn, &prefix).await?;
    wait_for_lazy_free(&conn).await?;

    // Sessions, through the store, in growing numbers.
    let store = SessionStore::new(conn.clone(), &prefix, Duration::from_secs(5));
    let lifetimes = Lifetimes {
        idle: Duration::from_secs(30 * 60),
        absolute: Duration::from_secs(8 * 3600),
    };
    let roles = vec!["user".to_string()];
    let grown = grow(&conn, &args.sessions, ("sessions", "session"), |i| {
        let (store, roles) = (store.clone(), roles.clone());
        let sub = format!("user-{i}");
        async move { store.create(&sub, &roles, lifetimes).await.map(drop) }
    })
    .await?;
    state.sessions = grown
        .into_iter()
        .map(|g| SessionMemory {
            sessions: g.count,
            bytes: g.bytes,
            bytes_per_session: g.bytes as f64 / g.count as f64,
            created_per_second: g.count as f64 / g.elapsed.as_secs_f64(),
        })
        .collect();
    remove_keys(&conn, &prefix).await?;

    // Token sizes per algorithm.
    let sizes = tokio::task::spawn_blocking({
        let roles = args.roles.clone();
        move || token_sizes(&roles)
    })
    .await??;
    state.header_limit_roles = sizes.1;
    state.tokens = sizes.0;
    for (alg, roles) in &state.header_limit_roles {
        match roles {
            Some(n) => println!("{alg:<6} the Authorization header passes 8 KB at {n} roles"),
            None => println!("{alg:<6} the Authorization header stays under 8 KB"),
        }
    }

    // The API server's real limit.
    let server = FlowSystem::start_with(
        Flow::Jwt(SigningAlgorithm::HS256),
        &redis,
        harness::system::ServerOptions {
            workers: 1,
            cuttable_links: false,
            population: 0,
        },
        Topology::single(),
    )
    .await?;
    let client = reqwest::Client::new();
    for length in [
        1024,
        EIGHT_KB - 1,
        EIGHT_KB,
        EIGHT_KB + 1,
        16 * 1024,
        32 * 1024,
        64 * 1024,
    ] {
        // JWT-shaped (three dot-separated parts), wrongly signed, exactly `length` bytes: the
        // answer says whether the server read it as a token.
        let credential = format!("eyJ.{}.sig", "a".repeat(length - 8));
        let answer = client
            .get(format!("{}/api/departments", server.api_url()))
            .header("Authorization", format!("Bearer {credential}"))
            .send()
            .await;
        let probe = match answer {
            Ok(r) => LimitProbe {
                credential_bytes: credential.len(),
                status: Some(r.status().as_u16()),
                www_authenticate: r
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            },
            Err(_) => LimitProbe {
                credential_bytes: credential.len(),
                status: None,
                www_authenticate: None,
            },
        };
        println!(
            "a {}-byte bearer credential: {}",
            probe.credential_bytes,
            probe
                .status
                .map(|s| format!("{s} {}", probe.www_authenticate.clone().unwrap_or_default()))
                .unwrap_or_else(|| "no answer".into())
        );
        state.limit_probe.push(probe);
    }
    file.notes.push(
        "sessions are created through the session store (one role each, 30 min idle, 8 h \
         absolute, each for its own user, so each also has its user's index set), without the \
         login's password hash; bytes are Redis used_memory above the level before the first \
         one, so they include the keys and Redis's own overhead"
            .into(),
    );
    file.notes.push(
        "denylist entries are written through the denylist (one key per revoked access token, \
         with a TTL until the token's expiry plus leeway), measured the same way"
            .into(),
    );
    file.notes.push(
        "tokens are access tokens as the JWT auth server issues them, with roles named \
         role-000, role-001 ...; the limit probe sends wrongly signed, JWT-shaped bearer \
         credentials of each length to a running API server (jwt-hs256)"
            .into(),
    );
    if !args.api_keys.is_empty() {
        state.api_keys = api_key_bytes(&args.api_keys).await?;
        file.notes.push(
            "API keys are inserted straight into a fresh database of the flow's schema (one \
             user and one live key each, a 32-byte hash, one scope), and measured with \
             pg_total_relation_size after VACUUM ANALYZE: heap, indexes and their free space"
                .into(),
        );
    }
    file.state = Some(state);
    file.method.database = harness::database::described().await;
    let path = file.write(&args.out)?;
    println!("results: {}", path.display());
    Ok(file)
}

/// Redis memory after writing a number of items.
struct Grown {
    count: usize,
    /// `used_memory` above its level before the first item.
    bytes: u64,
    /// Since the first item.
    elapsed: Duration,
}

/// Writes items `0, 1, 2 ...` with `write`, 2000 at a time concurrently, up to each of
/// `sizes` in turn, and reads Redis's memory at each. `names` (plural, singular) label the
/// progress lines.
async fn grow<E, Fut>(
    conn: &redis::aio::ConnectionManager,
    sizes: &[usize],
    (plural, singular): (&str, &str),
    write: impl Fn(usize) -> Fut,
) -> anyhow::Result<Vec<Grown>>
where
    Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    let before = used_memory(conn).await?;
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable();
    let started = Instant::now();
    let mut written = 0usize;
    let mut out = Vec::new();
    for target in sizes {
        while written < target {
            let batch = (target - written).min(2000);
            let mut tasks = tokio::task::JoinSet::new();
            for i in written..written + batch {
                tasks.spawn(write(i));
            }
            while let Some(done) = tasks.join_next().await {
                done?.with_context(|| format!("one of the {plural} could not be written"))?;
            }
            written += batch;
        }
        let bytes = used_memory(conn).await?.saturating_sub(before);
        println!(
            "{target:>9} {plural}: Redis uses {:.1} MB more, {:.0} bytes per {singular}",
            bytes as f64 / 1e6,
            bytes as f64 / target as f64
        );
        out.push(Grown {
            count: target,
            bytes,
            elapsed: started.elapsed(),
        });
    }
    Ok(out)
}

/// Waits until Redis has freed what UNLINK handed to its background thread and shrunk its
/// key table (which it does a little at a time, in its timer), so that the next
/// measurement starts from a settled `used_memory`: four readings 250 ms apart within
/// 4 KB of each other, or 15 s at most.
async fn wait_for_lazy_free(conn: &redis::aio::ConnectionManager) -> anyhow::Result<()> {
    let mut last = used_memory(conn).await?;
    let mut steady = 0;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = used_memory(conn).await?;
        if now.abs_diff(last) < 4096 {
            steady += 1;
            if steady >= 4 {
                return Ok(());
            }
        } else {
            steady = 0;
        }
        last = now;
    }
    Ok(())
}

async fn used_memory(conn: &redis::aio::ConnectionManager) -> anyhow::Result<u64> {
    let mut conn = conn.clone();
    let info: String = redis::cmd("INFO").arg("memory").query_async(&mut conn).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("Redis INFO memory has no used_memory")
}

/// Deletes every key under `prefix` (SCAN and UNLINK, never FLUSHDB: the Redis may be
/// someone else's).
async fn remove_keys(conn: &redis::aio::ConnectionManager, prefix: &str) -> anyhow::Result<()> {
    let mut conn = conn.clone();
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(10_000)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            let _: u64 = redis::cmd("UNLINK").arg(&keys).query_async(&mut conn).await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

type Sizes = (Vec<TokenSize>, Vec<(String, Option<usize>)>);

fn token_sizes(role_counts: &[usize]) -> anyhow::Result<Sizes> {
    let mut sizes = Vec::new();
    let mut limits = Vec::new();
    for alg in SigningAlgorithm::ALL {
        let issuer = token_costs::issuer(alg);
        let roles = |n: usize| (0..n).map(|i| format!("role-{i:03}")).collect::<Vec<_>>();
        let header = |n: usize| -> anyhow::Result<(usize, usize)> {
            let token = issuer.issue_access("alice", &roles(n))?.token;
            Ok((token.len(), HEADER_PREFIX + token.len()))
        };
        for &n in role_counts {
            let (token_bytes, header_bytes) = header(n)?;
            sizes.push(TokenSize {
                algorithm: alg.to_string(),
                roles: n,
                token_bytes,
                header_bytes,
            });
        }
        // The first role count past 8 KB: sizes grow by the same amount per role, so a
        // linear search from a close lower bound is short.
        let mut limit = None;
        for n in 0..=2000 {
            if header(n)?.1 > EIGHT_KB {
                limit = Some(n);
                break;
            }
        }
        limits.push((alg.to_string(), limit));
    }
    Ok((sizes, limits))
}

/// `workbench state` in the registry.
pub struct State;

impl crate::experiment::Experiment for State {
    fn name(&self) -> &'static str {
        "state"
    }

    fn step(&self) -> Option<&'static str> {
        Some("server-side state and token size")
    }

    fn compare<'a>(&'a self, plan: &'a crate::experiment::Compare) -> crate::experiment::Step<'a> {
        Box::pin(async move {
            run(Options {
                out: plan.results.clone(),
                sessions: DEFAULT_SESSIONS.to_vec(),
                roles: DEFAULT_ROLES.to_vec(),
                denylist: DEFAULT_DENYLIST.to_vec(),
                api_keys: DEFAULT_API_KEYS.to_vec(),
            })
            .await
            .map(drop)
        })
    }

    fn report(&self) -> Option<&'static dyn report::Part> {
        Some(&section::Sections)
    }
}

/// PostgreSQL bytes of `counts` API keys (one user each), in a database of their own.
async fn api_key_bytes(counts: &[usize]) -> anyhow::Result<Vec<results::state::TableBytes>> {
    let postgres = harness::database::shared().await?;
    let name = format!("authbench_state_{}", authbench_core::secret::random_id());
    let url = postgres.create_database(&name).await?;
    let database = authbench_core::database::Database::new(&url.clone().into(), 1, Duration::from_secs(60))?;
    database.migrate().await?;
    let client = pg_locator::connect(&url).await?;
    let hash = authbench_core::users::hash_password(&authbench_core::secret::random_secret())
        .map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
    let mut counts = counts.to_vec();
    counts.sort_unstable();
    let mut out = Vec::new();
    let mut have = 0i64;
    for count in counts {
        let count = count as i64;
        client
            .execute(
                "INSERT INTO users (username, password_hash, roles)
                 SELECT 'state-user-' || i, $1, ARRAY['user'] FROM generate_series($2::bigint, $3::bigint) AS i",
                &[&hash, &(have + 1), &count],
            )
            .await?;
        client
            .execute(
                "INSERT INTO api_keys (user_id, key_hash, hint, name, scopes, created_at_ms, expires_at_ms)
                 SELECT u.id, sha256(convert_to(u.username || random()::text, 'UTF8')), 'abk_' || substr(md5(u.username), 1, 4),
                        'state', ARRAY['user'], 0, 9000000000000
                 FROM users u WHERE u.id > $1 AND u.id <= $2",
                &[&have, &count],
            )
            .await?;
        have = count;
        // One statement each: VACUUM cannot run inside the transaction a batch makes.
        client.batch_execute("VACUUM ANALYZE users").await?;
        client.batch_execute("VACUUM ANALYZE api_keys").await?;
        let row = client
            .query_one(
                "SELECT pg_total_relation_size('api_keys'), pg_total_relation_size('users')",
                &[],
            )
            .await?;
        let (key_bytes, user_bytes): (i64, i64) = (row.get(0), row.get(1));
        println!(
            "{count} API keys: {:.1} MB in PostgreSQL ({:.0} bytes per key, {:.0} per user)",
            key_bytes as f64 / 1e6,
            key_bytes as f64 / count as f64,
            user_bytes as f64 / count as f64
        );
        out.push(results::state::TableBytes {
            rows: count as usize,
            key_bytes: key_bytes as u64,
            bytes_per_key: key_bytes as f64 / count as f64,
            user_bytes: user_bytes as u64,
            bytes_per_user: user_bytes as f64 / count as f64,
        });
    }
    Ok(out)
}
