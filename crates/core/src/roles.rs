//! Role changes that every server sees at once.
//!
//! The user directory is a file each auth server reads at start, as a stand-in for a user
//! database. An administrator's role change is written to Redis instead
//! (`<prefix>:roles:<sub>`, a JSON list with no expiry), and both auth servers read it at
//! every login and refresh, in whichever process they run.
//!
//! [`change_roles`] is the whole administrative act, as each flow can honour it:
//! - the new roles are recorded for future logins and refreshes;
//! - every live session of the user gets them at once (session flows);
//! - every token of the user issued so far is cut off on the denylist (honoured by
//!   `jwt-denylist`; plain `jwt` API servers keep accepting the old roles until those
//!   tokens expire: the JWT flow's known weak spot).

use std::time::Duration;

use redis::AsyncCommands;

use crate::database::{Database, DbError};
use crate::denylist::Denylist;
use crate::redis_conn::{CallError, RedisLink};
use crate::session_store::{SessionStore, StoreError};
use crate::users::{AuthenticatedUser, UserDirectory};

/// Why the roles of a user could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RolesError {
    #[error(transparent)]
    Redis(#[from] CallError),
    #[error("the user database: {0}")]
    Database(#[from] DbError),
}

/// Role overrides in Redis. Cheap to clone.
#[derive(Clone)]
pub struct RoleOverrides {
    redis: RedisLink,
    prefix: String,
    timeout: Duration,
}

impl RoleOverrides {
    pub fn new(redis: impl Into<RedisLink>, key_prefix: &str, timeout: Duration) -> Self {
        RoleOverrides {
            redis: redis.into(),
            prefix: format!("{key_prefix}:roles:"),
            timeout,
        }
    }

    /// The roles an administrator gave `sub`, if any; else the directory's apply.
    pub async fn get(&self, sub: &str) -> Result<Option<Vec<String>>, CallError> {
        let key = format!("{}{sub}", self.prefix);
        let value: Option<String> = self
            .redis
            .call(self.timeout, |mut conn| async move { conn.get(key).await })
            .await?;
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// The roles to put in a new session or token: the override, else `directory_roles`.
    pub async fn resolve(&self, sub: &str, directory_roles: Vec<String>) -> Result<Vec<String>, CallError> {
        Ok(self.get(sub).await?.unwrap_or(directory_roles))
    }

    /// The roles `sub` has now (an administrator's change, else the directory's); `None`
    /// when the user no longer exists. A refresh puts these in the new access token. With a
    /// database the directory's roles are the administrator's: no override applies.
    pub async fn roles_now(
        &self,
        users: &UserDirectory,
        sub: &str,
    ) -> Result<Option<Vec<String>>, RolesError> {
        let listed = users.roles_of(sub).await?;
        match listed {
            Some(listed) if users.database().is_none() => Ok(Some(self.resolve(sub, listed).await?)),
            other => Ok(other),
        }
    }

    /// The roles to put in a session or token at login: with a database the user's row
    /// holds them already, else an administrator's override or the file's.
    pub async fn at_login(
        &self,
        users: &UserDirectory,
        user: AuthenticatedUser,
    ) -> Result<AuthenticatedUser, CallError> {
        if users.database().is_some() {
            return Ok(user);
        }
        let roles = self.resolve(&user.sub, user.roles).await?;
        Ok(AuthenticatedUser { roles, ..user })
    }

    pub async fn set(&self, sub: &str, roles: &[String]) -> Result<(), CallError> {
        let json = serde_json::to_string(roles).unwrap_or_else(|_| "[]".into());
        let key = format!("{}{sub}", self.prefix);
        self.redis
            .durable(self.timeout, |mut conn| async move {
                conn.set::<_, _, ()>(key, json).await
            })
            .await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RoleChangeError {
    #[error("cannot record the new roles: {0}")]
    Overrides(#[from] CallError),
    #[error("cannot record the new roles in the user database: {0}")]
    Database(#[from] DbError),
    #[error("the user database has no user `{0}`")]
    UnknownUser(String),
    #[error("cannot update the user's sessions: {0}")]
    Sessions(#[from] StoreError),
}

/// What a role change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleChange {
    /// Live sessions that got the new roles.
    pub sessions_updated: u64,
}

/// Gives `sub` the roles `roles` in every flow at once (see the module comment).
/// `token_lifetime` is the longest an access token issued before now stays valid (access
/// lifetime plus leeway): the cut-off on the denylist lasts that long. With a `database`,
/// the roles are written to the user's row there (where `jwt-userdb` and `api-key` servers
/// read them on every request) instead of an override in Redis.
pub async fn change_roles(
    redis: impl Into<RedisLink>,
    database: Option<&Database>,
    key_prefix: &str,
    timeout: Duration,
    sub: &str,
    roles: &[String],
    token_lifetime: Duration,
) -> Result<RoleChange, RoleChangeError> {
    let redis = redis.into();
    match database {
        Some(db) => {
            if !db.set_roles(sub, roles).await? {
                return Err(RoleChangeError::UnknownUser(sub.to_string()));
            }
        }
        None => {
            RoleOverrides::new(redis.clone(), key_prefix, timeout)
                .set(sub, roles)
                .await?
        }
    }
    let sessions_updated = SessionStore::new(redis.clone(), key_prefix, timeout)
        .set_roles_of_user(sub, roles)
        .await?;
    Denylist::new(redis, key_prefix, timeout)
        .revoke_subject(sub, token_lifetime)
        .await?;
    Ok(RoleChange { sessions_updated })
}
