//! The PostgreSQL the database flows (`api-key`, `jwt-userdb`) run on: found or started once
//! per workbench process (`pg-locator`: `DATABASE_URL`, else a private cluster from
//! PostgreSQL's binaries, else a container), with a fresh database for each flow system, as
//! each flow system gets a fresh Redis key prefix. [`shutdown`] stops a private server when
//! the workbench is done; a workbench that is killed takes it along anyway.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use pg_locator::{LocalPostgres, Source};

static POSTGRES: tokio::sync::Mutex<Option<Arc<LocalPostgres>>> = tokio::sync::Mutex::const_new(None);

/// The process's PostgreSQL, found or started on first use.
pub async fn shared() -> anyhow::Result<Arc<LocalPostgres>> {
    let mut slot = POSTGRES.lock().await;
    if let Some(postgres) = slot.as_ref() {
        return Ok(postgres.clone());
    }
    let postgres = Arc::new(
        pg_locator::locate()
            .await
            .context("the api-key and jwt-userdb flows need PostgreSQL")?,
    );
    // The postmaster and the helpers it started; every backend it forks later inherits the
    // placement.
    for pid in postgres.server_pids() {
        if let Err(e) = crate::placement::place_server(pid) {
            // A helper that ended in between (the start-up process) needs no place.
            if std::path::Path::new(&format!("/proc/{pid}")).exists() {
                eprintln!("note: cannot place PostgreSQL (pid {pid}) on the servers' CPUs: {e}");
                break;
            }
        }
    }
    *slot = Some(postgres.clone());
    Ok(postgres)
}

/// Stops the process's PostgreSQL if the workbench started it (once every flow system that
/// used it is gone).
pub async fn shutdown() {
    POSTGRES.lock().await.take();
}

/// Where the PostgreSQL came from, for a results file's method; empty before any flow used
/// one.
pub async fn described() -> String {
    match POSTGRES.lock().await.as_ref() {
        None => String::new(),
        Some(postgres) => match postgres.source() {
            Source::Env => "DATABASE_URL; its CPU time is not metered".into(),
            Source::Process => "a private PostgreSQL cluster started by the workbench (initdb, \
                                defaults but max_connections 200 and pg_stat_statements)"
                .into(),
            Source::Container => "a PostgreSQL container (CPU time not metered)".into(),
        },
    }
}

/// A database of one flow system's own: created, migrated, and seeded with the users of
/// `users_file`. Returns its URL.
pub async fn fresh(postgres: &LocalPostgres, users_file: &Path) -> anyhow::Result<String> {
    let name = format!("authbench_bench_{}", authbench_core::secret::random_id());
    let url = postgres
        .create_database(&name)
        .await
        .context("cannot create a database for the flow")?;
    let directory = authbench_core::users::UserDirectory::load(users_file)?;
    let database =
        authbench_core::database::Database::new(&url.clone().into(), 1, std::time::Duration::from_secs(10))?;
    database
        .prepare(&directory)
        .await
        .context("cannot migrate and seed the flow's database")?;
    Ok(url)
}
