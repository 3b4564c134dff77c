//! The schema, as numbered SQL files applied in order and recorded in `schema_migrations`.
//! Each runs in a transaction under an advisory lock, so servers that start together apply
//! each file once.

use super::DbError;

/// Every migration, in order: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "users and API keys",
    include_str!("migrations/0001_users_and_api_keys.sql"),
)];

/// An arbitrary number the servers agree on for `pg_advisory_xact_lock`.
const LOCK_ID: i64 = 0x6175_7468_6265_6e63; // "authbenc"

pub(super) async fn run(client: &mut deadpool_postgres::Client) -> Result<(), DbError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version bigint PRIMARY KEY,
                 name text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .or_else(already_created)?;
    for (version, name, sql) in MIGRATIONS {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_ID])
            .await?;
        let applied = tx
            .query_opt("SELECT 1 FROM schema_migrations WHERE version = $1", &[version])
            .await?
            .is_some();
        if !applied {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .await?;
            tracing::info!(version, name, "database migration applied");
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Two servers creating the bookkeeping table at once: one of them loses the race on the
/// catalogue's unique index, and the table is there.
fn already_created(e: tokio_postgres::Error) -> Result<(), DbError> {
    match e.code() {
        Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => Ok(()),
        _ => Err(e.into()),
    }
}
