//! Sessions in Redis: the state the session flow keeps on the server side.
//!
//! A session id is its user's tag (see [`user_tag`]), a dot, and 256 random bits from the
//! operating system's CSPRNG, base64url-encoded: 47 characters. Redis holds it under the
//! SHA-256 of the id (`<prefix>:session:{<tag>}<digest>`), so a copy of the store does not
//! hand out live credentials. Each session is a hash with the user id,
//! roles, created-at, last-seen and the absolute deadline; the key's TTL is the idle
//! timeout, capped by the absolute deadline. Each lookup that finds a live session slides
//! the idle timeout, in one round trip (a Lua script), so the session flow pays exactly
//! one Redis call per request. A hash per user lists that user's sessions, for role changes
//! and logouts; it carries the same `{<tag>}`, so in a Redis Cluster a session and its
//! user's index live in one slot and every script here touches one slot only.

use std::time::Duration;

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use rand::rngs::OsRng;
use redis::AsyncCommands;
use serde::Serialize;

use crate::redis_conn::cluster::{USER_TAG_LEN, user_tag};
use crate::redis_conn::{CallError, RedisLink};
use crate::time::now_ms;

/// Bytes of randomness in a session id (256 bits; OWASP asks for at least 64).
pub const SESSION_ID_BYTES: usize = 32;
/// Length of an encoded session id: the user's tag, a dot, 43 characters of randomness.
pub const SESSION_ID_LEN: usize = USER_TAG_LEN + 1 + 43;

/// A session as the store returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    pub sub: String,
    pub roles: Vec<String>,
    pub created_at_ms: u64,
    pub last_seen_ms: u64,
    /// When the session ends if it is not used again (idle timeout or absolute deadline).
    pub expires_at_ms: u64,
    pub absolute_expires_at_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the session store did not answer: {0}")]
    Unavailable(String),
    #[error("the session store did not answer within {0:?}")]
    Timeout(Duration),
    #[error("a session record is damaged: {0}")]
    Corrupt(String),
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl From<CallError> for StoreError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Timeout(after) => StoreError::Timeout(after),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// Lifetimes given to new sessions.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

const TOUCH: &str = r"
local v = redis.call('HMGET', KEYS[1], 'sub', 'roles', 'created_at', 'abs_exp', 'idle')
if not v[1] then return false end
local now = tonumber(ARGV[1])
local abs = tonumber(v[4])
local idle = tonumber(v[5])
if (not abs) or (not idle) or now >= abs then
  redis.call('DEL', KEYS[1])
  return false
end
local ttl = math.min(idle, abs - now)
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return {v[1], v[2], v[3], v[4], tostring(now + ttl)}
";

/// Deletes a session (KEYS[1]) and its entry (ARGV[2]) in its user's index (ARGV[1] is
/// the index keys' prefix with the user's tag, so the index shares the session's slot).
const DELETE: &str = r"
local sub = redis.call('HGET', KEYS[1], 'sub')
if not sub then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', ARGV[1] .. sub, ARGV[2])
return 1
";

/// Rewrites the roles of every live session of a user (KEYS[1]: the user's index; ARGV[1]:
/// the roles as JSON; ARGV[2]: the session keys' prefix with the user's tag) and drops
/// index entries whose session has ended. The session keys are read from the index; they
/// share its tag, so in a cluster they live on the node that runs the script.
const SET_ROLES: &str = r"
local n = 0
for _, digest in ipairs(redis.call('HKEYS', KEYS[1])) do
  local key = ARGV[2] .. digest
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'roles', ARGV[1])
    n = n + 1
  else
    redis.call('HDEL', KEYS[1], digest)
  end
end
return n
";

/// The session store. Cheap to clone: all clones share one Redis connection.
///
/// Besides the sessions it keeps one small hash per user whose fields are the digests of
/// that user's sessions (`<prefix>:user-sessions:{<tag>}<sub>`), so that a role change reaches
/// every live session of the user at once. A hash, not a set: Redis 7.0 keeps a small hash
/// compact (listpack), where a set of strings costs several hundred bytes.
#[derive(Clone)]
pub struct SessionStore {
    redis: RedisLink,
    prefix: String,
    index_prefix: String,
    timeout: Duration,
    touch: redis::Script,
    delete: redis::Script,
    set_roles: redis::Script,
}

impl SessionStore {
    pub fn new(redis: impl Into<RedisLink>, key_prefix: &str, timeout: Duration) -> Self {
        SessionStore {
            redis: redis.into(),
            prefix: format!("{key_prefix}:session:"),
            index_prefix: format!("{key_prefix}:user-sessions:"),
            timeout,
            touch: redis::Script::new(TOUCH),
            delete: redis::Script::new(DELETE),
            set_roles: redis::Script::new(SET_ROLES),
        }
    }

    /// The Redis key of a session id.
    pub fn key_of(&self, session_id: &str) -> String {
        format!(
            "{}{{{}}}{}",
            self.prefix,
            tag_of(session_id),
            digest_of(session_id)
        )
    }

    /// The Redis key of a user's index of sessions.
    pub fn index_of(&self, sub: &str) -> String {
        format!("{}{{{}}}{sub}", self.index_prefix, user_tag(sub))
    }

    /// Creates a session with a new random id.
    pub async fn create(
        &self,
        sub: &str,
        roles: &[String],
        lifetimes: Lifetimes,
    ) -> Result<(String, SessionRecord), StoreError> {
        let id = new_session_id(sub)?;
        let now = now_ms();
        let idle_ms = lifetimes.idle.as_millis() as u64;
        let absolute_ms = lifetimes.absolute.as_millis() as u64;
        let record = SessionRecord {
            sub: sub.to_string(),
            roles: roles.to_vec(),
            created_at_ms: now,
            last_seen_ms: now,
            expires_at_ms: now + idle_ms.min(absolute_ms),
            absolute_expires_at_ms: now + absolute_ms,
        };
        let roles_json = serde_json::to_string(roles).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let digest = digest_of(&id);
        let key = self.key_of(&id);
        let fields = [
            ("sub", record.sub.clone()),
            ("roles", roles_json),
            ("created_at", now.to_string()),
            ("last_seen", now.to_string()),
            ("abs_exp", record.absolute_expires_at_ms.to_string()),
            ("idle", idle_ms.to_string()),
        ];
        let index = self.index_of(sub);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .hset_multiple(&key, &fields)
            .ignore()
            .pexpire(&key, idle_ms.min(absolute_ms) as i64)
            .ignore()
            .hset(&index, &digest, 1)
            .ignore()
            .pexpire(&index, absolute_ms as i64)
            .ignore();
        self.redis
            .durable(self.timeout, |mut conn| async move {
                pipe.query_async::<()>(&mut conn).await
            })
            .await?;
        Ok((id, record))
    }

    /// Finds a live session and slides its idle timeout. `None` when the id is unknown,
    /// expired or malformed.
    pub async fn touch(&self, session_id: &str) -> Result<Option<SessionRecord>, StoreError> {
        if !looks_like_session_id(session_id) {
            return Ok(None);
        }
        let now = now_ms();
        let mut invocation = self.touch.key(self.key_of(session_id));
        invocation.arg(now);
        let fields: Option<Vec<String>> = self
            .redis
            .call(self.timeout, |mut conn| async move {
                invocation.invoke_async(&mut conn).await
            })
            .await?;
        let Some(fields) = fields else { return Ok(None) };
        let [sub, roles, created, absolute, expires] = <[String; 5]>::try_from(fields)
            .map_err(|f| StoreError::Corrupt(format!("expected 5 fields, got {}", f.len())))?;
        let number = |s: &str| {
            s.parse::<u64>()
                .map_err(|e| StoreError::Corrupt(format!("{s}: {e}")))
        };
        Ok(Some(SessionRecord {
            sub,
            roles: serde_json::from_str(&roles).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            created_at_ms: number(&created)?,
            last_seen_ms: now,
            expires_at_ms: number(&expires)?,
            absolute_expires_at_ms: number(&absolute)?,
        }))
    }

    /// Deletes a session at once. `true` when there was one.
    pub async fn delete(&self, session_id: &str) -> Result<bool, StoreError> {
        if !looks_like_session_id(session_id) {
            return Ok(false);
        }
        let mut invocation = self.delete.key(self.key_of(session_id));
        invocation
            .arg(format!("{}{{{}}}", self.index_prefix, tag_of(session_id)))
            .arg(digest_of(session_id));
        let removed: u64 = self
            .redis
            .durable(self.timeout, |mut conn| async move {
                invocation.invoke_async(&mut conn).await
            })
            .await?;
        Ok(removed > 0)
    }

    /// Gives every live session of `sub` the roles `roles` (a role change made by an
    /// administrator reaches the session flow at once). Returns how many sessions it changed.
    pub async fn set_roles_of_user(&self, sub: &str, roles: &[String]) -> Result<u64, StoreError> {
        let roles_json = serde_json::to_string(roles).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut invocation = self.set_roles.key(self.index_of(sub));
        invocation
            .arg(roles_json)
            .arg(format!("{}{{{}}}", self.prefix, user_tag(sub)));
        Ok(self
            .redis
            .durable(self.timeout, |mut conn| async move {
                invocation.invoke_async(&mut conn).await
            })
            .await?)
    }

    /// Remaining time to live of a session's key, if it exists (without touching it).
    pub async fn ttl(&self, session_id: &str) -> Result<Option<Duration>, StoreError> {
        let key = self.key_of(session_id);
        let ms: i64 = self
            .redis
            .call(self.timeout, |mut conn| async move { conn.pttl(&key).await })
            .await?;
        Ok((ms >= 0).then(|| Duration::from_millis(ms as u64)))
    }

    /// `Ok` when Redis answers a PING in time.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.redis.ping(self.timeout).await?)
    }
}

/// The SHA-256 of a session id, base64url: what Redis knows the session by.
fn digest_of(session_id: &str) -> String {
    let digest = digest::digest(&digest::SHA256, session_id.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// A new session id for `sub`: its tag, a dot, and 256 bits from the operating system's
/// CSPRNG.
pub fn new_session_id(sub: &str) -> Result<String, StoreError> {
    let mut bytes = [0u8; SESSION_ID_BYTES];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| StoreError::Unavailable(format!("the system random source failed: {e}")))?;
    let mut id = user_tag(sub);
    id.push('.');
    URL_SAFE_NO_PAD.encode_string(bytes, &mut id);
    Ok(id)
}

/// The user tag a session id carries (only for ids that [`looks_like_session_id`]).
fn tag_of(session_id: &str) -> &str {
    session_id.get(..USER_TAG_LEN).unwrap_or("")
}

/// Cheap syntax check that spares Redis a lookup for something that was never an id.
pub fn looks_like_session_id(s: &str) -> bool {
    let base64url = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
    let bytes = s.as_bytes();
    bytes.len() == SESSION_ID_LEN
        && bytes[USER_TAG_LEN] == b'.'
        && bytes[..USER_TAG_LEN].iter().all(base64url)
        && bytes[USER_TAG_LEN + 1..].iter().all(base64url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_carry_their_users_tag_and_differ() {
        let a = new_session_id("u-alice").unwrap();
        let b = new_session_id("u-alice").unwrap();
        assert_eq!(a.len(), SESSION_ID_LEN);
        assert!(looks_like_session_id(&a));
        assert_ne!(a, b);
        assert_eq!(tag_of(&a), user_tag("u-alice"));
        assert_eq!(tag_of(&a), tag_of(&b));
        assert_eq!(&a[USER_TAG_LEN..=USER_TAG_LEN], ".");
    }

    #[test]
    fn strings_that_cannot_be_ids_are_recognised_without_redis() {
        let random = "a".repeat(43);
        assert!(!looks_like_session_id("short"));
        assert!(!looks_like_session_id(&random), "an id without its tag");
        assert!(!looks_like_session_id(&format!("abcd{}", &random[1..])), "no dot");
        assert!(!looks_like_session_id(&format!("ab=.{random}")));
        assert!(!looks_like_session_id(&format!("abc.{}=", &random[1..])));
        assert!(!looks_like_session_id(&format!("abc.{random}x")));
        assert!(!looks_like_session_id(
            "ééé.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ));
        assert!(looks_like_session_id(&format!("abc.{random}")));
    }

    #[tokio::test]
    async fn a_session_and_its_users_index_share_one_hash_tag() {
        let store = SessionStore::new(
            crate::redis_conn::RedisLink::fixed(
                crate::redis_conn::connect("redis://127.0.0.1:1", Duration::from_secs(1)).unwrap(),
                Duration::from_secs(1),
            ),
            "t",
            Duration::from_secs(1),
        );
        let id = new_session_id("u-alice").unwrap();
        let tag = format!("{{{}}}", user_tag("u-alice"));
        assert!(store.key_of(&id).starts_with(&format!("t:session:{tag}")));
        assert_eq!(store.index_of("u-alice"), format!("t:user-sessions:{tag}u-alice"));
    }
}
