//! Reaching a Redis Cluster: the shards are found from any of the configured nodes, and
//! every command goes to the shard that owns its key (redis-rs's cluster client follows
//! `MOVED` and `ASK` on its own).
//!
//! What the stores ask of the key layout so that a cluster can serve them: every script
//! and every `MULTI`/`MGET` touches keys of one hash slot only (see the hash tags in
//! `session_store` and `denylist`).

use std::time::Duration;

use redis::IntoConnectionInfo;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, ResponsePolicy, RoutingInfo};

/// The cluster's seed nodes and the credentials for every node.
#[derive(Debug, Clone)]
pub struct ClusterTarget {
    /// `host:port` of each seed node, as configured.
    pub nodes: Vec<String>,
    client: ClusterClient,
}

impl ClusterTarget {
    /// The nodes at `nodes` (`host:port`), with the password of `url` (a cluster has only
    /// database 0, so `url`'s database is not used).
    pub fn new(nodes: &[String], url: &str, timeout: Duration) -> redis::RedisResult<ClusterTarget> {
        let template = url.into_connection_info()?;
        let mut infos = Vec::with_capacity(nodes.len());
        for node in nodes {
            let (host, port) = super::sentinel::split_addr(node).map_err(|e| {
                redis::RedisError::from((redis::ErrorKind::InvalidClientConfig, "bad node", e))
            })?;
            let redis = template.redis_settings().clone().set_db(0);
            infos.push(
                template
                    .clone()
                    .set_addr(redis::ConnectionAddr::Tcp(host, port))
                    .set_redis_settings(redis),
            );
        }
        let client = ClusterClient::builder(infos)
            .connection_timeout(timeout)
            .response_timeout(timeout)
            // A shard that does not answer is an outage the link reports at once; the
            // client's own retries would only make every request wait for it.
            .retries(1)
            .min_retry_wait(10)
            .max_retry_wait(100)
            .tcp_settings(redis::io::tcp::TcpSettings::default().set_nodelay(true))
            .build()?;
        Ok(ClusterTarget {
            nodes: nodes.to_vec(),
            client,
        })
    }

    /// A connection to every shard, found from the first seed node that answers.
    pub async fn connect(&self, timeout: Duration) -> Result<ClusterConnection, String> {
        tokio::time::timeout(timeout, self.client.get_async_connection())
            .await
            .map_err(|_| format!("no cluster node answered within {timeout:?}"))?
            .map_err(|e| format!("cannot reach the cluster at {}: {e}", self.nodes.join(",")))
    }
}

/// `PING` to every primary: `Ok` only when every shard answers, as Redis Cluster itself
/// serves nothing while a slot has no live owner (`cluster-require-full-coverage`).
pub async fn ping_every_primary(conn: &mut ClusterConnection) -> redis::RedisResult<()> {
    let routing = RoutingInfo::MultiNode((
        MultipleNodeRoutingInfo::AllMasters,
        Some(ResponsePolicy::AllSucceeded),
    ));
    conn.route_command(redis::cmd("PING"), routing).await.map(drop)
}

/// Characters of a [`user_tag`]: 18 bits, 262 144 buckets over Redis Cluster's 16 384
/// slots.
pub const USER_TAG_LEN: usize = 3;

/// The hash tag of a user's keys: the first 18 bits of the SHA-256 of the user id,
/// base64url. Every key that a script or `MGET` reads beside another of the same user
/// carries it as `{tag}`, so a cluster keeps them in one slot: a session and its user's
/// index, a revoked token's `jti` and its user's cut-off.
///
/// A bucket, not an identity: with many users several share a tag, so a session id that
/// shows its tag says little about whose it is. It is not a secret either; nothing relies
/// on it being unguessable.
pub fn user_tag(sub: &str) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, sub.as_bytes());
    let mut tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..3]);
    tag.truncate(USER_TAG_LEN);
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_tag_is_three_base64url_characters_fixed_per_user() {
        let tag = user_tag("u-alice");
        assert_eq!(tag.len(), USER_TAG_LEN);
        assert!(
            tag.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(tag, user_tag("u-alice"));
        assert_ne!(user_tag("u-alice"), user_tag("u-bob"));
    }

    #[test]
    fn user_tags_spread_over_many_buckets() {
        let tags: std::collections::HashSet<String> =
            (0..10_000).map(|i| user_tag(&format!("user-{i}"))).collect();
        // 10 000 users over 262 144 buckets: a few collisions, not many.
        assert!(tags.len() > 9_700, "{} distinct tags", tags.len());
    }
}
