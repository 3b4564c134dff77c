//! The one Redis connection each server shares among all its workers.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A multiplexed, self-reconnecting connection to Redis. Cloning it shares the one TCP
/// connection; no request ever opens its own.
///
/// It connects lazily, so a server starts even while Redis is down (its `/readyz` says
/// so). Every command times out after `timeout`; after a lost connection it reconnects
/// in the background with short back-off, so service resumes within about a second of
/// Redis coming back.
pub fn connect(url: &str, timeout: Duration) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
        .set_number_of_retries(3);
    client.get_connection_manager_lazy(config)
}
