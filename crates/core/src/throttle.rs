//! Failed logins, counted in Redis per user name and per client address, so that password
//! guessing is slowed down across every auth server process.
//!
//! - Before a password is checked, either counter at its limit answers `429 Too Many
//!   Requests` with `Retry-After` (the time until that counter's window ends).
//! - A failed check adds one to both counters; the first failure of a window starts it.
//! - A successful login clears the user's counter (not the address's).
//!
//! The two counters have nothing in common to share a Redis Cluster slot by, so every call
//! here touches one key: the two checks (and the two counts after a failure) go out
//! together and are waited for together, one round trip on a single Redis as on a cluster.
//!
//! The user counter is kept under the SHA-256 of the name given, whether or not such a user
//! exists, so the answers (status, body, timing) are the same for a user who exists and one
//! who does not: the throttle tells an attacker nothing about which names are real.

use std::net::IpAddr;
use std::time::Duration;

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::SecretString;

use crate::error::LoginError;
use crate::redis_conn::RedisLink;
use crate::settings::LoginLimitSettings;
use crate::users::{AuthenticatedUser, UserDirectory};

/// `KEYS[1]`: a counter; `ARGV[1]`: its limit. Answers how long to wait (ms), 0 when it
/// is below its limit.
const CHECK: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  return math.max(redis.call('PTTL', KEYS[1]), 1)
end
return 0
";

/// Adds one to the counter `KEYS[1]`; the first failure starts a window of `ARGV[1]` ms.
const FAILED: &str = r"
if redis.call('INCR', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 0
";

/// The login throttle. Cheap to clone.
#[derive(Clone)]
pub struct LoginThrottle {
    redis: RedisLink,
    prefix: String,
    timeout: Duration,
    limits: LoginLimitSettings,
    check: redis::Script,
    failed: redis::Script,
}

impl LoginThrottle {
    pub fn new(
        redis: impl Into<RedisLink>,
        key_prefix: &str,
        timeout: Duration,
        limits: LoginLimitSettings,
    ) -> Self {
        LoginThrottle {
            redis: redis.into(),
            prefix: format!("{key_prefix}:login-failures:"),
            timeout,
            limits,
            check: redis::Script::new(CHECK),
            failed: redis::Script::new(FAILED),
        }
    }

    fn keys(&self, username: &str, address: Option<IpAddr>) -> [String; 2] {
        let name = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, username.as_bytes()).as_ref());
        let address = address.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        [
            format!("{}user:{name}", self.prefix),
            format!("{}address:{address}", self.prefix),
        ]
    }

    /// The whole login check of both auth servers (their JSON logins and the password
    /// grant): within the limits, the password, then the roles, with an administrator's
    /// change (see `roles`) in place of the directory's.
    pub async fn log_in(
        &self,
        users: &UserDirectory,
        overrides: &crate::roles::RoleOverrides,
        req: &actix_web::HttpRequest,
        username: &str,
        password: SecretString,
    ) -> Result<AuthenticatedUser, LoginError> {
        let address = req.peer_addr().map(|a| a.ip());
        let user = self.authenticate(users, username, password, address).await?;
        overrides
            .at_login(users, user)
            .await
            .map_err(|e| LoginError::Unavailable(e.to_string()))
    }

    /// Checks a password with the directory, within the limits: 429 when a counter is
    /// full, the directory's answer otherwise, and the counters updated by the outcome.
    pub async fn authenticate(
        &self,
        users: &UserDirectory,
        username: &str,
        password: SecretString,
        address: Option<IpAddr>,
    ) -> Result<AuthenticatedUser, LoginError> {
        let keys = self.keys(username, address);
        let unavailable = |e: crate::redis_conn::CallError| LoginError::Unavailable(e.to_string());
        let check = |key: &str, limit: u32| {
            let mut check = self.check.prepare_invoke();
            check.key(key).arg(limit);
            self.redis.call(self.timeout, |mut conn| async move {
                check.invoke_async::<u64>(&mut conn).await
            })
        };
        let (user_wait, address_wait) = tokio::join!(
            check(&keys[0], self.limits.max_failures_per_user),
            check(&keys[1], self.limits.max_failures_per_address)
        );
        let wait_ms = user_wait
            .map_err(unavailable)?
            .max(address_wait.map_err(unavailable)?);
        if wait_ms > 0 {
            return Err(LoginError::TooManyAttempts {
                retry_after_secs: wait_ms.div_ceil(1000),
            });
        }
        match users.authenticate(username, password).await {
            Ok(user) => {
                let mut del = redis::cmd("DEL");
                del.arg(&keys[0]);
                self.redis
                    .call(self.timeout, |mut conn| async move {
                        del.query_async::<u64>(&mut conn).await
                    })
                    .await
                    .map_err(unavailable)?;
                Ok(user)
            }
            Err(LoginError::InvalidCredentials) => {
                let window_ms = self.limits.window_secs.saturating_mul(1000).max(1);
                let count = |key: &str| {
                    let mut failed = self.failed.prepare_invoke();
                    failed.key(key).arg(window_ms);
                    self.redis.call(self.timeout, |mut conn| async move {
                        failed.invoke_async::<u64>(&mut conn).await
                    })
                };
                let (user, address) = tokio::join!(count(&keys[0]), count(&keys[1]));
                user.map_err(unavailable)?;
                address.map_err(unavailable)?;
                Err(LoginError::InvalidCredentials)
            }
            Err(other) => Err(other),
        }
    }
}
