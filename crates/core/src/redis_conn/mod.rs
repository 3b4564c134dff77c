//! How every server reaches Redis.
//!
//! - [`connect`]: one multiplexed, self-reconnecting connection to a fixed address (the
//!   tests and the experiments' own bookkeeping use it directly).
//! - [`RedisLink`]: what the servers' stores share. It finds the primary (a fixed URL, or
//!   through Sentinel) or the shards of a Redis Cluster, follows a failover without a
//!   restart, answers at once while Redis is known to be down (fail fast), and makes the
//!   writes that matter durable with `WAIT` when the settings ask for it.
//! - [`StoreConnection`]: what a store's call is given, whichever the topology.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;

pub mod cluster;
mod link;
pub mod sentinel;

pub use link::{Durability, LinkError, RedisLink};

/// A multiplexed, self-reconnecting connection to Redis. Cloning it shares the one TCP
/// connection; no request ever opens its own.
///
/// It connects lazily, so a server starts even while Redis is down (its `/readyz` says
/// so). Every command times out after `timeout`; after a lost connection it reconnects
/// in the background with short back-off, so service resumes within about a second of
/// Redis coming back.
///
/// TCP_NODELAY is on: redis-rs leaves it off, and then a command written while the
/// previous one is unacknowledged waits for that ACK (Nagle), which on a real network link
/// adds up to a round trip to every other request.
pub fn connect(url: &str, timeout: Duration) -> redis::RedisResult<ConnectionManager> {
    use redis::IntoConnectionInfo;
    connect_info(url.into_connection_info()?, timeout)
}

/// [`connect`] for an address already parsed (the primary Sentinel names).
pub(crate) fn connect_info(
    info: redis::ConnectionInfo,
    timeout: Duration,
) -> redis::RedisResult<ConnectionManager> {
    let tcp = info.tcp_settings().clone().set_nodelay(true);
    let client = redis::Client::open(info.set_tcp_settings(tcp))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
        .set_number_of_retries(3);
    client.get_connection_manager_lazy(config)
}

/// The connection a store's call runs on: one server (a fixed address or the primary
/// Sentinel names) or every shard of a cluster. Cloning it shares the connection.
#[derive(Clone)]
pub enum StoreConnection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    /// No connection yet (the sentinels or the cluster have not been asked): every
    /// command fails, and the link is marked down until its check connects.
    Absent,
}

impl redis::aio::ConnectionLike for StoreConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            StoreConnection::Single(conn) => conn.req_packed_command(cmd),
            StoreConnection::Cluster(conn) => conn.req_packed_command(cmd),
            StoreConnection::Absent => Box::pin(std::future::ready(Err(not_connected()))),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            StoreConnection::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            StoreConnection::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
            StoreConnection::Absent => Box::pin(std::future::ready(Err(not_connected()))),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            StoreConnection::Single(conn) => conn.get_db(),
            StoreConnection::Cluster(_) | StoreConnection::Absent => 0,
        }
    }
}

fn not_connected() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "no connection to Redis yet",
    ))
}

/// Why a Redis call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("Redis did not answer: {0}")]
    Unavailable(String),
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    /// Answered at once, without asking: the last call failed and Redis has not answered
    /// the background check since.
    #[error("Redis is known to be down ({0}); retrying in the background")]
    KnownDown(String),
    /// The write was applied on the primary, but fewer replicas than asked confirmed it
    /// within the wait: a failover now could undo it, so it is not acknowledged.
    #[error("the write reached {acked} of {wanted} replicas within {timeout:?}: not durable")]
    NotDurable {
        acked: u32,
        wanted: u32,
        timeout: Duration,
    },
}

/// Runs one Redis call with a deadline, so that a store that hangs costs a request at most
/// `timeout` and the caller can answer 503 quickly.
pub async fn timed<T>(
    timeout: Duration,
    fut: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, CallError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(result) => result.map_err(|e| CallError::Unavailable(e.to_string())),
        Err(_) => Err(CallError::Timeout(timeout)),
    }
}
