//! Refresh-token rotation state in Redis (RFC 9700 section 4.14.2).
//!
//! Every refresh token names its family (one per login) and its generation in the family.
//! Redis keeps, per family, the generation that may be used next, or `revoked`
//! (`<prefix>:refresh-family:<fam>`). A login writes nothing: a family with no entry is at
//! generation 0, so the JWT login stays free of server state.
//!
//! - Using the current generation moves the family on by one (rotation) and the client
//!   gets the next token.
//! - Using an older generation means a spent token was replayed: someone holds a copy.
//!   The whole family is revoked, the legitimate holder's newest token included.
//! - A revoked family refuses every token.
//!
//! The entry lives as long as the newest token of its family can.

use std::time::Duration;

use authbench_core::claims::RefreshClaims;
use authbench_core::redis_conn::{CallError, RedisLink};
use authbench_core::time::now_secs;

/// What the family said about a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The token is its family's current one.
    Current,
    /// The token was already rotated out: reuse. The family is revoked now.
    Replayed,
    /// The family was revoked (logout, revocation, or an earlier replay).
    Revoked,
}

/// `KEYS[1]` family; `ARGV[1]` generation presented; `ARGV[2]` entry lifetime (s);
/// `ARGV[3]` `1` to rotate, `0` to check only. Answers 1 current, 2 replayed, 3 revoked.
const USE: &str = r"
local state = redis.call('GET', KEYS[1])
if state == 'revoked' then return 3 end
local current = tonumber(state) or 0
local presented = tonumber(ARGV[1])
if presented ~= current then
  redis.call('SET', KEYS[1], 'revoked', 'EX', ARGV[2])
  return 2
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], current + 1, 'EX', ARGV[2])
end
return 1
";

/// The rotation state of every refresh-token family. Cheap to clone.
#[derive(Clone)]
pub struct Families {
    redis: RedisLink,
    prefix: String,
    timeout: Duration,
    /// How long an entry must outlive its newest token's issue (the refresh lifetime).
    lifetime: Duration,
    script: redis::Script,
}

impl Families {
    pub fn new(redis: impl Into<RedisLink>, key_prefix: &str, timeout: Duration, lifetime: Duration) -> Self {
        Families {
            redis: redis.into(),
            prefix: format!("{key_prefix}:refresh-family:"),
            timeout,
            lifetime,
            script: redis::Script::new(USE),
        }
    }

    /// Records a use of `token`: with `rotate`, a current token moves its family on, so it
    /// can never be used again.
    pub async fn use_token(&self, token: &RefreshClaims, rotate: bool) -> Result<Use, CallError> {
        let mut invocation = self.script.key(format!("{}{}", self.prefix, token.fam));
        invocation
            .arg(token.generation)
            .arg(self.lifetime.as_secs().max(1))
            .arg(if rotate { "1" } else { "0" });
        // A rotation is acknowledged with the new token: the old one must stay used up.
        let answer: u8 = self
            .redis
            .durable(self.timeout, |mut conn| async move {
                invocation.invoke_async(&mut conn).await
            })
            .await?;
        Ok(match answer {
            1 => Use::Current,
            2 => Use::Replayed,
            _ => Use::Revoked,
        })
    }

    /// Whether `token` is its family's current one, without using it (introspection).
    pub async fn is_current(&self, token: &RefreshClaims) -> Result<bool, CallError> {
        let mut get = redis::cmd("GET");
        get.arg(format!("{}{}", self.prefix, token.fam));
        let state: Option<String> = self
            .redis
            .call(self.timeout, |mut conn| async move {
                get.query_async(&mut conn).await
            })
            .await?;
        Ok(match state {
            None => token.generation == 0,
            Some(s) => s.parse::<u64>().is_ok_and(|current| current == token.generation),
        })
    }

    /// Revokes the family of `token` until its newest member could have expired.
    pub async fn revoke(&self, token: &RefreshClaims) -> Result<(), CallError> {
        let remaining = token.exp.saturating_sub(now_secs()).max(1) + self.lifetime.as_secs();
        let mut set = redis::cmd("SET");
        set.arg(format!("{}{}", self.prefix, token.fam))
            .arg("revoked")
            .arg("EX")
            .arg(remaining);
        self.redis
            .durable(self.timeout, |mut conn| async move {
                set.query_async::<()>(&mut conn).await
            })
            .await
    }
}
