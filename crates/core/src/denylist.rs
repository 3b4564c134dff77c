//! The JWT flow's revocation list in Redis: what `jwt-denylist` API servers check after
//! verifying a token's signature, and what the JWT auth server's revocation endpoint and a
//! role change write.
//!
//! Two kinds of entry, each expiring when no token it covers can still be valid:
//! - `<prefix>:denylist:{<tag>}jti:<jti>`: one access token, revoked (RFC 7009) until its
//!   `exp` plus the leeway;
//! - `<prefix>:denylist:{<tag>}sub:<sub>`: every token of a user issued before a moment
//!   (in ms), written when the user's roles change, kept for one access-token lifetime plus
//!   leeway.
//!
//! Checking both is one `MGET`: the hybrid's price is one Redis round trip per request.
//! Both keys carry the user's tag ([`user_tag`]), so in a Redis Cluster they live in one
//! slot and the `MGET` stays one call to one shard.

use std::time::Duration;

use redis::AsyncCommands;

use crate::redis_conn::cluster::user_tag;
use crate::redis_conn::{CallError, RedisLink};
use crate::time::{now_ms, now_secs};

/// The revocation list. Cheap to clone: all clones share one Redis connection.
#[derive(Clone)]
pub struct Denylist {
    redis: RedisLink,
    prefix: String,
    timeout: Duration,
}

impl Denylist {
    pub fn new(redis: impl Into<RedisLink>, key_prefix: &str, timeout: Duration) -> Self {
        Denylist {
            redis: redis.into(),
            prefix: format!("{key_prefix}:denylist:"),
            timeout,
        }
    }

    /// The key of a revoked token of `sub`.
    pub fn token_key(&self, jti: &str, sub: &str) -> String {
        format!("{}{{{}}}jti:{jti}", self.prefix, user_tag(sub))
    }

    /// The key of `sub`'s cut-off.
    pub fn subject_key(&self, sub: &str) -> String {
        format!("{}{{{}}}sub:{sub}", self.prefix, user_tag(sub))
    }

    /// Revokes one access token of `sub` until it could no longer be accepted anyway
    /// (`exp` plus `leeway`). A token already past that needs no entry.
    pub async fn revoke_token(
        &self,
        jti: &str,
        sub: &str,
        expires_at: u64,
        leeway: Duration,
    ) -> Result<(), CallError> {
        let until = expires_at + leeway.as_secs();
        let now = now_secs();
        if until < now {
            return Ok(());
        }
        let key = self.token_key(jti, sub);
        self.redis
            .durable(self.timeout, |mut conn| async move {
                conn.set_ex::<_, _, ()>(key, 1, until - now + 1).await
            })
            .await
    }

    /// Revokes every token of `sub` issued before now; tokens issued afterwards (after a
    /// refresh) are accepted. The entry lives `keep_for`: the longest an older token can
    /// still be valid.
    pub async fn revoke_subject(&self, sub: &str, keep_for: Duration) -> Result<(), CallError> {
        let key = self.subject_key(sub);
        self.redis
            .durable(self.timeout, |mut conn| async move {
                conn.pset_ex::<_, _, ()>(key, now_ms(), keep_for.as_millis().max(1) as u64)
                    .await
            })
            .await
    }

    /// Whether a token with these claims is revoked: its `jti` is listed, or its user's
    /// tokens were cut off after its `iat`. `iat` has whole seconds, so a token issued in
    /// the same second as a cut-off but after it is refused too (once; the next refresh
    /// passes): the list errs on the safe side.
    pub async fn is_revoked(&self, jti: &str, sub: &str, iat: u64) -> Result<bool, CallError> {
        let mut mget = redis::cmd("MGET");
        mget.arg(self.token_key(jti, sub)).arg(self.subject_key(sub));
        let (token, cut_off): (Option<u8>, Option<u64>) = self
            .redis
            .call(self.timeout, |mut conn| async move {
                mget.query_async(&mut conn).await
            })
            .await?;
        Ok(token.is_some() || cut_off.is_some_and(|ms| iat * 1000 < ms))
    }

    /// `Ok` when Redis answers a PING in time.
    pub async fn ping(&self) -> Result<(), CallError> {
        self.redis.ping(self.timeout).await
    }
}
