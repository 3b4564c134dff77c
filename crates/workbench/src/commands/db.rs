//! `workbench db init`: brings the user database the settings name (`database.url`, e.g.
//! `APP_DATABASE__URL`, with `database.password_file` if set) up to date and adds the users
//! of the users file it does not hold yet. The servers never change the schema themselves:
//! run this once before them (compose runs it as a one-shot service).

use anyhow::Context;
use authbench_core::Settings;
use authbench_core::database::Database;
use authbench_core::users::UserDirectory;
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct DbArgs {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Migrate the schema and seed the users file's users.
    Init,
}

pub async fn run(args: DbArgs) -> anyhow::Result<()> {
    match args.command {
        DbCommand::Init => init().await,
    }
}

async fn init() -> anyhow::Result<()> {
    let settings = Settings::load().context("failed to load settings")?;
    let database = Database::from_settings(&settings)?.context(
        "no database is configured: set APP_DATABASE__URL=postgres://user:password@host:port/database",
    )?;
    // A database that is still starting (a container beside this one) gets half a minute.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while let Err(e) = database.ping().await {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the database did not answer within 30 s: {e}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let directory = UserDirectory::load(&settings.users_file)?;
    let added = database
        .prepare(&directory)
        .await
        .context("failed to migrate the database")?;
    let total = database.count_users().await?;
    println!("database ready: schema up to date, {added} user(s) added, {total} in all");
    Ok(())
}
