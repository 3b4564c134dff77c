//! The user database: PostgreSQL holding the users, their roles and their API keys, for the
//! flows of the seeds that look something up in a database on every request (`api-key`,
//! `jwt-userdb`) and for logins that read the user from a database.
//!
//! Reached through a pool (deadpool-postgres over tokio-postgres): a fixed set of
//! connections opened on first use and kept, so a request never opens one; each connection
//! prepares a statement once and keeps it (`prepare_cached`). tokio-postgres rather than
//! sqlx: the queries are few and fixed, the statements are prepared explicitly (the point of
//! the measurement), and it builds in a fraction of sqlx's time with no database at build
//! time.
//!
//! Every call is bounded by the dependency timeout: a database that does not answer gives a
//! [`DbError`] the servers turn into 503, never a hang.

pub mod api_keys;
mod migrations;
pub mod users;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::NoTls;

pub use api_keys::{ApiKey, ApiKeyOwner, IssuedKey, KeyRequest};
pub use users::UserRow;

/// Connections per server process when the settings name none.
pub const DEFAULT_POOL_SIZE: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("the database refused the query: {0}")]
    Query(String),
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        // A closed connection or a server shutting down is an outage; anything the server
        // answered with an SQL state is the query's fault.
        match e.code() {
            Some(code) if !is_outage(code) => DbError::Query(e.to_string()),
            _ => DbError::Unavailable(e.to_string()),
        }
    }
}

fn is_outage(code: &tokio_postgres::error::SqlState) -> bool {
    use tokio_postgres::error::SqlState;
    [
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::CONNECTION_EXCEPTION,
        SqlState::CONNECTION_FAILURE,
        SqlState::TOO_MANY_CONNECTIONS,
        SqlState::READ_ONLY_SQL_TRANSACTION,
    ]
    .contains(code)
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => DbError::Unavailable(other.to_string()),
        }
    }
}

/// The pool of connections to the user database. Cheap to clone (shared).
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    timeout: Duration,
}

impl Database {
    /// A pool of at most `pool_size` connections to `url`; none is opened until first use,
    /// so a server starts while the database is down (and its `/readyz` says so).
    pub fn new(url: &SecretString, pool_size: usize, timeout: Duration) -> Result<Self, DbError> {
        let config: tokio_postgres::Config = url
            .expose_secret()
            .parse()
            .map_err(|e: tokio_postgres::Error| DbError::Query(format!("the database URL: {e}")))?;
        Database::with_config(config, pool_size, timeout)
    }

    fn with_config(
        mut config: tokio_postgres::Config,
        pool_size: usize,
        timeout: Duration,
    ) -> Result<Self, DbError> {
        config.connect_timeout(timeout);
        config.application_name("authbench");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .build()
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Database { pool, timeout })
    }

    /// The pool the settings describe, or `None` when no database is configured.
    pub fn from_settings(settings: &crate::Settings) -> Result<Option<Self>, DbError> {
        let Some(db) = &settings.database else {
            return Ok(None);
        };
        let mut config: tokio_postgres::Config = db
            .url
            .expose_secret()
            .parse()
            .map_err(|e: tokio_postgres::Error| DbError::Query(format!("the database URL: {e}")))?;
        if let Some(file) = &db.password_file {
            let password = std::fs::read_to_string(file).map_err(|e| {
                DbError::Query(format!(
                    "cannot read database.password_file {}: {e}",
                    file.display()
                ))
            })?;
            config.password(password.trim_end_matches(['\r', '\n']));
        }
        Database::with_config(config, db.pool_size, settings.dependency_timeout()).map(Some)
    }

    /// Runs `work` on a pooled connection, within the dependency timeout.
    pub(crate) async fn with<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: AsyncFnOnce(&deadpool_postgres::Client) -> Result<T, DbError>,
    {
        let call = async {
            let client = self.pool.get().await?;
            work(&client).await
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| DbError::Timeout(self.timeout))?
    }

    /// `Ok` when the database answers a trivial query in time.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.with(async |client| {
            client.simple_query("SELECT 1").await?;
            Ok(())
        })
        .await
    }

    /// Brings the schema up to date (idempotent; servers starting together take turns).
    pub async fn migrate(&self) -> Result<(), DbError> {
        let mut client = tokio::time::timeout(self.timeout * 10, self.pool.get())
            .await
            .map_err(|_| DbError::Timeout(self.timeout * 10))??;
        migrations::run(&mut client).await
    }

    /// Brings the schema up to date and adds the users `directory`'s file lists that the
    /// database does not hold yet (`workbench db init`, and every system the workbench
    /// starts with a database). Returns how many users were added.
    pub async fn prepare(&self, directory: &crate::users::UserDirectory) -> Result<u64, DbError> {
        self.migrate().await?;
        self.seed_users(&directory.records()).await
    }

    /// Connections open now and at most.
    pub fn pool_status(&self) -> (usize, usize) {
        let status = self.pool.status();
        (status.size, status.max_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_that_is_not_one_is_refused_with_its_reason() {
        let err = Database::new(
            &SecretString::from("postgres://u@h:notaport/db"),
            4,
            Duration::from_secs(1),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("database URL"), "{err}");
    }
}
