//! Users in the database: what a login reads, what an API server of the `jwt-userdb` flow
//! reads on every request, and the administrative writes (roles, disabling, the logout
//! cut-off).

use super::{Database, DbError};
use crate::time::now_ms;
use crate::users::UserRecord;

/// A user's row as a login reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub username: String,
    pub password_hash: String,
    pub roles: Vec<String>,
    pub disabled: bool,
}

/// What the `jwt-userdb` flow reads on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUser {
    pub roles: Vec<String>,
    pub disabled: bool,
    /// Tokens issued before this moment (ms) are refused.
    pub tokens_valid_after_ms: i64,
}

impl RequestUser {
    /// Why a token of this user issued at `iat` (whole seconds) is refused, if it is: the
    /// user is disabled, or logged out after it. `iat` has whole seconds, so a token issued
    /// in the same second as a logout but after it is refused too (the denylist's rule: err
    /// on the safe side; the next login or refresh passes).
    pub fn refuses(&self, iat: u64) -> Option<&'static str> {
        if self.disabled {
            Some("the token's user is disabled")
        } else if (iat as i64).saturating_mul(1000) < self.tokens_valid_after_ms {
            Some("the token was issued before its user logged out")
        } else {
            None
        }
    }
}

impl Database {
    /// The user named `username`, for a login.
    pub async fn find_user(&self, username: &str) -> Result<Option<UserRow>, DbError> {
        self.with(async |client| {
            let statement = client
                .prepare_cached(
                    "SELECT username, password_hash, roles, disabled FROM users WHERE username = $1",
                )
                .await?;
            let row = client.query_opt(&statement, &[&username]).await?;
            Ok(row.map(|row| UserRow {
                username: row.get(0),
                password_hash: row.get(1),
                roles: row.get(2),
                disabled: row.get(3),
            }))
        })
        .await
    }

    /// The user `sub` as a request sees it: roles now, disabled or not, and the logout
    /// cut-off. One prepared statement through the primary key's index.
    pub async fn user_for_request(&self, sub: &str) -> Result<Option<RequestUser>, DbError> {
        self.with(async |client| {
            let statement = client
                .prepare_cached(
                    "SELECT roles, disabled, tokens_valid_after_ms FROM users WHERE username = $1",
                )
                .await?;
            let row = client.query_opt(&statement, &[&sub]).await?;
            Ok(row.map(|row| RequestUser {
                roles: row.get(0),
                disabled: row.get(1),
                tokens_valid_after_ms: row.get(2),
            }))
        })
        .await
    }

    /// Gives `sub` these roles (committed before it returns); `false` when there is no such
    /// user.
    pub async fn set_roles(&self, sub: &str, roles: &[String]) -> Result<bool, DbError> {
        let roles = roles.to_vec();
        self.with(async |client| {
            let n = client
                .execute("UPDATE users SET roles = $2 WHERE username = $1", &[&sub, &roles])
                .await?;
            Ok(n == 1)
        })
        .await
    }

    /// Disables or re-enables `sub`: a disabled user cannot log in, and the flows that read
    /// the database on every request refuse their tokens and keys at once.
    pub async fn set_disabled(&self, sub: &str, disabled: bool) -> Result<bool, DbError> {
        self.with(async |client| {
            let n = client
                .execute(
                    "UPDATE users SET disabled = $2 WHERE username = $1",
                    &[&sub, &disabled],
                )
                .await?;
            Ok(n == 1)
        })
        .await
    }

    /// Refuses every token of `sub` issued before now (a logout, for the `jwt-userdb` flow).
    pub async fn cut_off_tokens(&self, sub: &str) -> Result<bool, DbError> {
        let now = now_ms() as i64;
        self.with(async |client| {
            let n = client
                .execute(
                    "UPDATE users SET tokens_valid_after_ms = GREATEST(tokens_valid_after_ms, $2) WHERE username = $1",
                    &[&sub, &now],
                )
                .await?;
            Ok(n == 1)
        })
        .await
    }

    /// Adds the users of a directory file that are not in the database yet (by name);
    /// returns how many were added. Users already there keep their row.
    pub async fn seed_users(&self, records: &[UserRecord]) -> Result<u64, DbError> {
        let mut added = 0;
        // A few thousand rows per statement keeps each call well within the timeout.
        for chunk in records.chunks(2000) {
            let names: Vec<&str> = chunk.iter().map(|u| u.username.as_str()).collect();
            let hashes: Vec<&str> = chunk.iter().map(|u| u.password_hash.as_str()).collect();
            let roles: Vec<String> = chunk.iter().map(|u| u.roles.join(",")).collect();
            added += self
                .with(async |client| {
                    Ok(client
                        .execute(
                            "INSERT INTO users (username, password_hash, roles)
                             SELECT u, h, CASE WHEN r = '' THEN '{}'::text[] ELSE string_to_array(r, ',') END
                             FROM unnest($1::text[], $2::text[], $3::text[]) AS t (u, h, r)
                             ON CONFLICT (username) DO NOTHING",
                            &[&names, &hashes, &roles],
                        )
                        .await?)
                })
                .await?;
        }
        Ok(added)
    }

    /// How many users the database holds.
    pub async fn count_users(&self) -> Result<i64, DbError> {
        self.with(async |client| Ok(client.query_one("SELECT count(*) FROM users", &[]).await?.get(0)))
            .await
    }
}
