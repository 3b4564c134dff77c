//! [`RedisLink`]: the servers' one way to Redis.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::ConnectionManager;

use super::cluster::{ClusterTarget, ping_every_primary};
use super::sentinel::SentinelTarget;
use super::{CallError, StoreConnection, connect, connect_info};
use crate::settings::RedisSettings;

/// How many connections carry the writes that wait for replicas. `WAIT` blocks the
/// connection it is sent on, so these never carry the per-request reads; a few let several
/// logins wait at once.
const DURABLE_CONNECTIONS: usize = 4;

/// The connections of their own that durable writes need: none when they wait for no
/// replica, else [`DURABLE_CONNECTIONS`], each opened by `open`.
fn durable_connections<E>(
    durability: Durability,
    open: impl Fn() -> Result<ConnectionManager, E>,
) -> Result<Vec<tokio::sync::Mutex<ConnectionManager>>, E> {
    let count = if durability.wait_replicas > 0 {
        DURABLE_CONNECTIONS
    } else {
        0
    };
    (0..count).map(|_| open().map(tokio::sync::Mutex::new)).collect()
}

/// How often the background check asks again while Redis is known to be down.
const RECHECK: Duration = Duration::from_millis(100);

/// What a write that matters waits for before it is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durability {
    /// Replicas that must confirm the write (`WAIT`); 0 acknowledges it once the primary
    /// has applied it.
    pub wait_replicas: u32,
    /// How long to wait for them before answering 503 instead.
    pub wait_timeout: Duration,
}

impl Durability {
    pub fn describe(&self) -> String {
        if self.wait_replicas == 0 {
            "acknowledged by the primary alone".into()
        } else {
            format!(
                "WAIT {} replica(s), {} ms",
                self.wait_replicas,
                self.wait_timeout.as_millis()
            )
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("invalid Redis URL {url}: {source}")]
    Url {
        url: String,
        #[source]
        source: redis::RedisError,
    },
    #[error("redis.sentinel.addresses is empty: name at least one sentinel (host:port)")]
    NoSentinels,
    #[error("redis.cluster.nodes is empty: name at least one node of the cluster (host:port)")]
    NoClusterNodes,
    #[error("both redis.sentinel and redis.cluster are set: choose one topology")]
    TwoTopologies,
    #[error(
        "redis.durability.wait_replicas is {0}, but a cluster's writes are not followed by WAIT \
         here (its shards run without replicas): set it to 0, or use Sentinel for writes that \
         must reach a replica"
    )]
    ClusterWait(u32),
}

/// Where the primary is found.
enum Target {
    /// One address, for good (a single Redis, or a connection the caller made).
    Fixed,
    /// Asked of the sentinels whenever the primary stops answering as one.
    Sentinel(Box<SentinelTarget>),
    /// The shards of a Redis Cluster, found from its seed nodes.
    Cluster(Box<ClusterTarget>),
}

/// The connections to the current primary.
struct Conns {
    /// The multiplexed connection every read and ordinary write shares.
    shared: StoreConnection,
    /// Connections of their own for writes followed by `WAIT`, one user at a time each.
    durable: Vec<tokio::sync::Mutex<ConnectionManager>>,
    /// `host:port` of the primary these lead to (empty for a fixed connection).
    primary: String,
}

struct Inner {
    target: Target,
    durability: Durability,
    /// How long a connection attempt or a background check may take.
    timeout: Duration,
    conns: RwLock<Arc<Conns>>,
    /// Set when a call finds Redis down; cleared by the background check.
    down: AtomicBool,
    /// Why it was found down, for the fast answers.
    reason: RwLock<String>,
    checking: AtomicBool,
    next_durable: std::sync::atomic::AtomicUsize,
}

/// The servers' link to Redis. Cheap to clone: clones share the connections and the
/// knowledge of whether Redis is down.
///
/// - **Finding the primary.** A fixed URL, or the primary Sentinel names (checked with
///   `ROLE`). After a lost connection, a timeout or a `READONLY` answer it asks the
///   sentinels again and moves every connection to the new primary: a failover is followed
///   without a restart. With a Redis Cluster, every shard, each command going to its key's
///   owner; the link is up while every shard answers (Redis Cluster's own default).
/// - **Failing fast.** A call that finds Redis unreachable marks it down; until a
///   background check (every 100 ms) gets an answer again, calls fail at once with
///   [`CallError::KnownDown`] instead of each waiting out the timeout. The first answer
///   ends it, so the flow recovers as soon as Redis does.
/// - **Durable writes.** [`RedisLink::durable`] runs a write on a connection of its own
///   and then `WAIT`s for the configured replicas; fewer within the wait is an error, never
///   a success a failover could undo.
#[derive(Clone)]
pub struct RedisLink {
    inner: Arc<Inner>,
}

impl RedisLink {
    /// The link the settings describe: `redis.url`, or the sentinels of `redis.sentinel`,
    /// or the nodes of `redis.cluster` (with either, `redis.url` gives only the password,
    /// and the database for Sentinel).
    pub fn from_settings(settings: &RedisSettings, timeout: Duration) -> Result<RedisLink, LinkError> {
        let url_error = |source| LinkError::Url {
            url: crate::settings::redacted_url(&settings.url),
            source,
        };
        let durability = settings.durability.durability();
        match (&settings.sentinel, &settings.cluster) {
            (Some(_), Some(_)) => Err(LinkError::TwoTopologies),
            (None, Some(cluster)) => {
                if cluster.nodes.is_empty() {
                    return Err(LinkError::NoClusterNodes);
                }
                if durability.wait_replicas > 0 {
                    return Err(LinkError::ClusterWait(durability.wait_replicas));
                }
                let target = ClusterTarget::new(&cluster.nodes, &settings.url, timeout).map_err(url_error)?;
                let link = Self::with(
                    Target::Cluster(Box::new(target)),
                    StoreConnection::Absent,
                    Vec::new(),
                    String::new(),
                    durability,
                    timeout,
                );
                link.mark_down("the cluster has not been asked for its shards yet".into());
                Ok(link)
            }
            (None, None) => {
                let shared = StoreConnection::Single(connect(&settings.url, timeout).map_err(url_error)?);
                let durable =
                    durable_connections(durability, || connect(&settings.url, timeout)).map_err(url_error)?;
                Ok(Self::with(
                    Target::Fixed,
                    shared,
                    durable,
                    String::new(),
                    durability,
                    timeout,
                ))
            }
            (Some(sentinel), None) => {
                if sentinel.addresses.is_empty() {
                    return Err(LinkError::NoSentinels);
                }
                let target = SentinelTarget::new(&sentinel.master_name, &sentinel.addresses, &settings.url)
                    .map_err(url_error)?;
                // Until the sentinels are asked (on the first call), the link is down: the
                // server starts while the store is away and `/readyz` says so.
                let link = Self::with(
                    Target::Sentinel(Box::new(target)),
                    StoreConnection::Absent,
                    Vec::new(),
                    String::new(),
                    durability,
                    timeout,
                );
                link.mark_down("the primary has not been asked of the sentinels yet".into());
                Ok(link)
            }
        }
    }

    /// A link over a connection the caller made (tests and tools): no failover to follow,
    /// no waiting for replicas, failing fast all the same.
    pub fn fixed(conn: ConnectionManager, timeout: Duration) -> RedisLink {
        Self::with(
            Target::Fixed,
            StoreConnection::Single(conn),
            Vec::new(),
            String::new(),
            Durability::default(),
            timeout,
        )
    }

    fn with(
        target: Target,
        shared: StoreConnection,
        durable: Vec<tokio::sync::Mutex<ConnectionManager>>,
        primary: String,
        durability: Durability,
        timeout: Duration,
    ) -> RedisLink {
        RedisLink {
            inner: Arc::new(Inner {
                target,
                durability,
                timeout,
                conns: RwLock::new(Arc::new(Conns {
                    shared,
                    durable,
                    primary,
                })),
                down: AtomicBool::new(false),
                reason: RwLock::new(String::new()),
                checking: AtomicBool::new(false),
                next_durable: Default::default(),
            }),
        }
    }

    pub fn durability(&self) -> Durability {
        self.inner.durability
    }

    /// `host:port` of the primary in use, when Sentinel named it.
    pub fn primary(&self) -> Option<String> {
        let conns = self.conns();
        (!conns.primary.is_empty()).then(|| conns.primary.clone())
    }

    /// Whether the last call found Redis down and no check has reached it since.
    pub fn is_known_down(&self) -> bool {
        self.inner.down.load(Ordering::Acquire)
    }

    /// Runs one call on the shared connection within `timeout`; at once with
    /// [`CallError::KnownDown`] while Redis is known to be down.
    pub async fn call<T, F, Fut>(&self, timeout: Duration, call: F) -> Result<T, CallError>
    where
        F: FnOnce(StoreConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        self.fail_fast()?;
        let conn = self.conns().shared.clone();
        self.observe(tokio::time::timeout(timeout, call(conn)).await, timeout)
    }

    /// Runs a write that must survive a failover: on a connection of its own, followed by
    /// `WAIT` for the configured replicas (or, with none configured, like [`Self::call`]).
    /// Fewer replicas within the wait is [`CallError::NotDurable`].
    pub async fn durable<T, F, Fut>(&self, timeout: Duration, write: F) -> Result<T, CallError>
    where
        F: FnOnce(StoreConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let durability = self.inner.durability;
        if durability.wait_replicas == 0 {
            return self.call(timeout, write).await;
        }
        self.fail_fast()?;
        let conns = self.conns();
        if conns.durable.is_empty() {
            return Err(CallError::KnownDown("no connection to the primary yet".into()));
        }
        let slot = self.inner.next_durable.fetch_add(1, Ordering::Relaxed) % conns.durable.len();
        let deadline = timeout + durability.wait_timeout;
        let conn = conns.durable[slot].lock().await;
        let work = async {
            let value = write(StoreConnection::Single(conn.clone())).await?;
            let mut waiting = conn.clone();
            let acked: u32 = redis::cmd("WAIT")
                .arg(durability.wait_replicas)
                .arg(durability.wait_timeout.as_millis() as u64)
                .query_async(&mut waiting)
                .await?;
            Ok((value, acked))
        };
        let (value, acked) = self.observe(tokio::time::timeout(deadline, work).await, deadline)?;
        if acked < durability.wait_replicas {
            return Err(CallError::NotDurable {
                acked,
                wanted: durability.wait_replicas,
                timeout: durability.wait_timeout,
            });
        }
        Ok(value)
    }

    /// `Ok` when Redis answers a PING within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), CallError> {
        self.call(timeout, |mut conn| async move {
            redis::cmd("PING").query_async::<String>(&mut conn).await
        })
        .await
        .map(drop)
    }

    fn conns(&self) -> Arc<Conns> {
        self.inner.conns.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn fail_fast(&self) -> Result<(), CallError> {
        if self.is_known_down() {
            // A link marked down where no runtime could check (built outside one) starts
            // its check on the first call.
            self.start_check();
            let reason = self
                .inner
                .reason
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            return Err(CallError::KnownDown(reason));
        }
        Ok(())
    }

    /// Turns a call's outcome into the caller's answer, marking Redis down when the outcome
    /// says it is unreachable or no longer the primary.
    fn observe<T>(
        &self,
        outcome: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
        timeout: Duration,
    ) -> Result<T, CallError> {
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                let message = e.to_string();
                if is_outage(&e) {
                    self.mark_down(message.clone());
                }
                Err(CallError::Unavailable(message))
            }
            Err(_) => {
                self.mark_down(format!("no answer within {timeout:?}"));
                Err(CallError::Timeout(timeout))
            }
        }
    }

    fn mark_down(&self, reason: String) {
        *self.inner.reason.write().unwrap_or_else(|e| e.into_inner()) = reason;
        self.inner.down.store(true, Ordering::Release);
        self.start_check();
    }

    /// Starts the background check unless one runs.
    fn start_check(&self) {
        if !self.inner.checking.swap(true, Ordering::AcqRel) {
            let link = self.clone();
            // Outside a runtime (a link built for a synchronous tool) nobody can check;
            // the next call inside one will.
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(async move { link.check_until_up().await });
                }
                Err(_) => self.inner.checking.store(false, Ordering::Release),
            }
        }
    }

    /// The background check: until Redis answers as the primary, ask again every 100 ms,
    /// following Sentinel to a new primary when there is one.
    async fn check_until_up(self) {
        loop {
            match self.check_once().await {
                Ok(()) => {
                    self.inner.down.store(false, Ordering::Release);
                    self.inner.checking.store(false, Ordering::Release);
                    // A call may have marked it down again between the check and now,
                    // finding `checking` still set: look once more.
                    if self.is_known_down() && !self.inner.checking.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    return;
                }
                Err(reason) => {
                    tracing::debug!(%reason, "Redis still down");
                    *self.inner.reason.write().unwrap_or_else(|e| e.into_inner()) = reason;
                }
            }
            tokio::time::sleep(RECHECK).await;
        }
    }

    async fn check_once(&self) -> Result<(), String> {
        let timeout = self.inner.timeout;
        if let Target::Cluster(target) = &self.inner.target {
            let mut conn = match &self.conns().shared {
                StoreConnection::Cluster(conn) => conn.clone(),
                _ => {
                    let conn = target.connect(timeout).await?;
                    tracing::info!(nodes = %target.nodes.join(","), "connected to the cluster's shards");
                    *self.inner.conns.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Conns {
                        shared: StoreConnection::Cluster(conn.clone()),
                        durable: Vec::new(),
                        primary: String::new(),
                    });
                    conn
                }
            };
            return tokio::time::timeout(timeout, ping_every_primary(&mut conn))
                .await
                .map_err(|_| format!("not every shard answered within {timeout:?}"))?
                .map_err(|e| format!("not every shard answers: {e}"));
        }
        if let Target::Sentinel(target) = &self.inner.target {
            let (host, port) = target.primary(timeout).await.map_err(|e| e.to_string())?;
            let primary = format!("{host}:{port}");
            if self.conns().primary != primary {
                let info = target.info_for(&host, port);
                let open = || connect_info(info.clone(), timeout).map_err(|e| e.to_string());
                let conns = Conns {
                    shared: StoreConnection::Single(open()?),
                    durable: durable_connections(self.inner.durability, open)?,
                    primary: primary.clone(),
                };
                tracing::info!(%primary, "following the primary Sentinel names");
                *self.inner.conns.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(conns);
            }
        }
        let mut conn = self.conns().shared.clone();
        let answer = tokio::time::timeout(timeout, redis::cmd("ROLE").query_async::<redis::Value>(&mut conn))
            .await
            .map_err(|_| format!("no answer within {timeout:?}"))?
            .map_err(|e| e.to_string())?;
        match &self.inner.target {
            Target::Sentinel(_) if !super::sentinel::role_is_master(&answer) => {
                Err("the server Sentinel named is not the primary".into())
            }
            _ => Ok(()),
        }
    }
}

impl From<ConnectionManager> for RedisLink {
    /// [`RedisLink::fixed`] with a one-second background check.
    fn from(conn: ConnectionManager) -> RedisLink {
        RedisLink::fixed(conn, Duration::from_secs(1))
    }
}

/// Whether an error means Redis cannot serve this link now: the connection is gone, or the
/// server stopped being the primary (`READONLY`), or is not ready (`LOADING`, `MASTERDOWN`),
/// or a cluster has a slot nobody serves (`CLUSTERDOWN`, `TRYAGAIN`).
fn is_outage(e: &redis::RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || matches!(
            e.kind(),
            ErrorKind::Server(ServerErrorKind::ReadOnly)
                | ErrorKind::Server(ServerErrorKind::BusyLoading)
                | ErrorKind::Server(ServerErrorKind::MasterDown)
                | ErrorKind::Server(ServerErrorKind::ClusterDown)
                | ErrorKind::Server(ServerErrorKind::TryAgain)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ClusterSettings, SentinelSettings, Settings};

    fn settings() -> RedisSettings {
        Settings::loopback("redis://127.0.0.1:1").unwrap().redis
    }

    fn cluster(nodes: &[&str]) -> Option<ClusterSettings> {
        Some(ClusterSettings {
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
        })
    }

    fn refused(settings: &RedisSettings) -> LinkError {
        match RedisLink::from_settings(settings, Duration::from_secs(1)) {
            Ok(_) => panic!("the settings were taken"),
            Err(e) => e,
        }
    }

    #[tokio::test]
    async fn a_cluster_link_starts_down_until_its_shards_are_asked() {
        let mut redis = settings();
        redis.cluster = cluster(&["127.0.0.1:1"]);
        let link = RedisLink::from_settings(&redis, Duration::from_millis(200)).unwrap();
        assert!(link.is_known_down());
        let answer = link.ping(Duration::from_millis(200)).await;
        assert!(matches!(answer, Err(CallError::KnownDown(_))), "{answer:?}");
    }

    #[test]
    fn cluster_settings_that_cannot_work_are_refused_with_the_reason() {
        let mut redis = settings();
        redis.cluster = cluster(&[]);
        assert!(matches!(refused(&redis), LinkError::NoClusterNodes));

        redis.cluster = cluster(&["127.0.0.1:7000"]);
        redis.sentinel = Some(SentinelSettings {
            master_name: "store".into(),
            addresses: vec!["127.0.0.1:26379".into()],
        });
        assert!(matches!(refused(&redis), LinkError::TwoTopologies));

        redis.sentinel = None;
        redis.durability.wait_replicas = 1;
        let error = refused(&redis);
        assert!(matches!(error, LinkError::ClusterWait(1)));
        assert!(error.to_string().contains("set it to 0"), "{error}");

        redis.durability.wait_replicas = 0;
        redis.cluster = cluster(&["no-port"]);
        assert!(matches!(refused(&redis), LinkError::Url { .. }));
    }
}
