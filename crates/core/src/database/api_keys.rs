//! API keys (seed 004's API-key flow): an opaque key a logged-in user issues for a program,
//! looked up in the database on every request.
//!
//! A key is `abk_` and 43 base64url characters (256 random bits). Only its SHA-256 is
//! stored: the key is as random as a secret can be, so a fast hash is as good as a slow one
//! against a stolen table, and a lookup on every request could not afford argon2id. The key
//! is shown once, when it is issued.
//!
//! A key carries scopes, a subset of its user's roles at issue; a request gets the roles the
//! user holds *now* and the key names, so a role taken from the user is taken from every key
//! at once, and a disabled user's keys stop working.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{Database, DbError};
use crate::time::now_ms;

/// What every key starts with, so that a leaked key is recognised (by a secret scanner, or
/// a person) and a token of another kind is refused before any lookup.
pub const KEY_PREFIX: &str = "abk_";
/// Random bytes in a key.
pub const KEY_BYTES: usize = 32;
/// Characters in a key: the prefix and 43 base64url characters.
pub const KEY_LEN: usize = 4 + 43;
/// Lifetime of a key when its request names none, and the longest allowed (days).
pub const DEFAULT_TTL_DAYS: u32 = 90;
pub const MAX_TTL_DAYS: u32 = 365;
/// Longest key name.
pub const MAX_NAME_LEN: usize = 64;
/// Live keys one user may hold.
pub const MAX_KEYS_PER_USER: i64 = 100;

/// A new key's request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct KeyRequest {
    /// What the key is for (1-64 characters).
    pub name: String,
    /// Roles the key may use, each one its user holds; all of them when left out.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Days until the key expires (1-365, default 90).
    #[serde(default)]
    pub ttl_days: Option<u32>,
}

/// A key as its owner sees it in a listing (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The key's first characters.
    pub hint: String,
    pub scopes: Vec<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// A key just issued: the only time the key itself is given out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedKey {
    pub key: String,
    #[serde(flatten)]
    pub info: ApiKey,
}

/// Who a key speaks for, as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyOwner {
    pub sub: String,
    /// The user's roles now that the key's scopes name.
    pub roles: Vec<String>,
    pub expires_at_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the key's name must have 1 to {MAX_NAME_LEN} characters")]
    Name,
    #[error("ttl_days must be between 1 and {MAX_TTL_DAYS}")]
    Ttl,
    #[error("the user does not hold the role `{0}`")]
    Scope(String),
    #[error("the user holds {MAX_KEYS_PER_USER} live keys already; revoke one first")]
    TooMany,
    #[error("the user is unknown or disabled")]
    User,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A new random key.
pub fn new_key() -> String {
    let bytes: [u8; KEY_BYTES] = rand::random();
    format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// `true` when `key` has a key's shape (prefix, length, alphabet); anything else is refused
/// without a lookup.
pub fn is_well_formed(key: &str) -> bool {
    key.len() == KEY_LEN
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The SHA-256 of a key: what the database stores and looks up.
pub fn key_hash(key: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes())
        .as_ref()
        .to_vec()
}

const COLUMNS: &str = "id, name, hint, scopes, created_at_ms, expires_at_ms, revoked_at_ms";

fn key_of(row: &tokio_postgres::Row) -> ApiKey {
    ApiKey {
        id: row.get(0),
        name: row.get(1),
        hint: row.get(2),
        scopes: row.get(3),
        created_at_ms: row.get(4),
        expires_at_ms: row.get(5),
        revoked_at_ms: row.get(6),
    }
}

impl Database {
    /// Issues a key for `sub` as `request` asks (committed before it returns).
    pub async fn issue_api_key(&self, sub: &str, request: &KeyRequest) -> Result<IssuedKey, IssueError> {
        let name = request.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(IssueError::Name);
        }
        let ttl_days = request.ttl_days.unwrap_or(DEFAULT_TTL_DAYS);
        if !(1..=MAX_TTL_DAYS).contains(&ttl_days) {
            return Err(IssueError::Ttl);
        }
        let key = new_key();
        let hash = key_hash(&key);
        let hint = key[..KEY_PREFIX.len() + 4].to_string();
        let now = now_ms() as i64;
        let expires = now + i64::from(ttl_days) * 86_400_000;
        let wanted = request.scopes.clone();
        let outcome = self
            .with(async |client| {
                let user = client
                    .query_opt(
                        "SELECT u.id, u.roles,
                                (SELECT count(*) FROM api_keys k
                                  WHERE k.user_id = u.id AND k.revoked_at_ms IS NULL AND k.expires_at_ms > $2)
                         FROM users u WHERE u.username = $1 AND NOT u.disabled",
                        &[&sub, &now],
                    )
                    .await?;
                let Some(user) = user else {
                    return Ok(Err(IssueError::User));
                };
                let (user_id, roles, live): (i64, Vec<String>, i64) = (user.get(0), user.get(1), user.get(2));
                if live >= MAX_KEYS_PER_USER {
                    return Ok(Err(IssueError::TooMany));
                }
                let scopes = match wanted {
                    None => roles,
                    Some(scopes) => {
                        if let Some(missing) = scopes.iter().find(|s| !roles.contains(s)) {
                            return Ok(Err(IssueError::Scope(missing.clone())));
                        }
                        let mut scopes = scopes;
                        scopes.sort();
                        scopes.dedup();
                        scopes
                    }
                };
                let row = client
                    .query_one(
                        &format!(
                            "INSERT INTO api_keys (user_id, key_hash, hint, name, scopes, created_at_ms, expires_at_ms)
                             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
                        ),
                        &[&user_id, &hash, &hint, &name, &scopes, &now, &expires],
                    )
                    .await?;
                Ok(Ok(key_of(&row)))
            })
            .await??;
        Ok(IssuedKey { key, info: outcome })
    }

    /// `sub`'s keys, newest first, revoked and expired ones included.
    pub async fn list_api_keys(&self, sub: &str) -> Result<Vec<ApiKey>, DbError> {
        self.with(async |client| {
            let rows = client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM api_keys
                         WHERE user_id = (SELECT id FROM users WHERE username = $1)
                         ORDER BY id DESC"
                    ),
                    &[&sub],
                )
                .await?;
            Ok(rows.iter().map(key_of).collect())
        })
        .await
    }

    /// Revokes `sub`'s key `id` (committed before it returns); `false` when `sub` has no
    /// such live key.
    pub async fn revoke_api_key(&self, sub: &str, id: i64) -> Result<bool, DbError> {
        let now = now_ms() as i64;
        self.with(async |client| {
            let n = client
                .execute(
                    "UPDATE api_keys SET revoked_at_ms = $3
                     WHERE id = $2 AND revoked_at_ms IS NULL
                       AND user_id = (SELECT id FROM users WHERE username = $1)",
                    &[&sub, &id, &now],
                )
                .await?;
            Ok(n == 1)
        })
        .await
    }

    /// Who `key` speaks for: `None` for a key that is unknown, revoked or expired, or whose
    /// user is disabled. One prepared statement through the unique index on the key's hash.
    pub async fn lookup_api_key(&self, key: &str) -> Result<Option<ApiKeyOwner>, DbError> {
        let hash = key_hash(key);
        let now = now_ms() as i64;
        self.with(async |client| {
            let statement = client
                .prepare_cached(
                    "SELECT u.username, ARRAY(SELECT unnest(u.roles) INTERSECT SELECT unnest(k.scopes)), k.expires_at_ms
                     FROM api_keys k JOIN users u ON u.id = k.user_id
                     WHERE k.key_hash = $1 AND k.revoked_at_ms IS NULL AND k.expires_at_ms > $2 AND NOT u.disabled",
                )
                .await?;
            let row = client.query_opt(&statement, &[&hash, &now]).await?;
            Ok(row.map(|row| {
                let mut roles: Vec<String> = row.get(1);
                roles.sort();
                ApiKeyOwner {
                    sub: row.get(0),
                    roles,
                    expires_at_ms: row.get(2),
                }
            }))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_are_well_formed_and_differ() {
        let a = new_key();
        let b = new_key();
        assert_ne!(a, b);
        assert!(is_well_formed(&a), "{a}");
        assert_eq!(a.len(), KEY_LEN);
    }

    #[test]
    fn other_shapes_are_not_keys() {
        let key = new_key();
        assert!(!is_well_formed(&key[..KEY_LEN - 1]));
        assert!(!is_well_formed(&format!("{key}A")));
        assert!(!is_well_formed(&key.replace(KEY_PREFIX, "xyz_")));
        assert!(!is_well_formed(&format!("{KEY_PREFIX}{}", "+".repeat(43))));
        assert!(!is_well_formed("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
    }

    #[test]
    fn the_stored_hash_is_sha256_of_the_key() {
        assert_eq!(key_hash("abc").len(), 32);
        assert_eq!(key_hash("abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
    }
}
