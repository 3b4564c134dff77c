//! `workbench`: starts the two architectures side by side and drives them.
//!
//! Commands: `up` (everything on loopback, with ready-to-paste curl commands) and
//! `hash-password` (an argon2id hash for the user directory).

mod commands;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "workbench",
    version,
    about = "Session versus JWT authentication, side by side"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start Redis, both auth servers and one API server per mode on loopback; print the
    /// URLs and curl commands; stop everything on Ctrl-C.
    Up(commands::up::UpArgs),
    /// Print an argon2id hash of a password (read from stdin) for configuration/users.yaml.
    HashPassword,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    authbench_core::telemetry::init("warn");
    match Cli::parse().command {
        Command::Up(args) => commands::up::run(args).await,
        Command::HashPassword => commands::hash_password::run(),
    }
}
