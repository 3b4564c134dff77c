//! `state.json`: the state a server keeps, and the size of what clients send.

use serde::{Deserialize, Serialize};

/// The state a server keeps, and the size of what clients send.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateResults {
    pub sessions: Vec<SessionMemory>,
    pub tokens: Vec<TokenSize>,
    /// For each algorithm, the fewest roles whose `Authorization` header passes 8 KB.
    pub header_limit_roles: Vec<(String, Option<usize>)>,
    pub limit_probe: Vec<LimitProbe>,
    /// Redis memory of the JWT denylist against the number of revoked tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denylist: Vec<DenylistMemory>,
    /// PostgreSQL bytes of the `api-key` flow's keys (and their users) against their number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_keys: Vec<TableBytes>,
}

/// A table's size on disk with its indexes (`pg_total_relation_size`) at a number of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableBytes {
    pub rows: usize,
    /// The `api_keys` table with its indexes.
    pub key_bytes: u64,
    pub bytes_per_key: f64,
    /// The `users` table with its indexes (one user per key here).
    pub user_bytes: u64,
    pub bytes_per_user: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenylistMemory {
    pub entries: usize,
    pub bytes: u64,
    pub bytes_per_entry: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMemory {
    pub sessions: usize,
    /// Redis `used_memory` above what it used before the first session.
    pub bytes: u64,
    pub bytes_per_session: f64,
    /// How long creating them took, as sessions per second.
    pub created_per_second: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSize {
    pub algorithm: String,
    pub roles: usize,
    pub token_bytes: usize,
    /// `Authorization: Bearer <token>` as sent.
    pub header_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitProbe {
    /// Length of the bearer credential sent.
    pub credential_bytes: usize,
    /// None: no HTTP answer.
    pub status: Option<u16>,
    pub www_authenticate: Option<String>,
}
