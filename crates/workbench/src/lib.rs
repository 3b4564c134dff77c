//! `workbench`: starts the two architectures side by side and drives them. This crate is
//! the command line over the libraries that do the work: [`experiments`] (one module per
//! experiment, and the registry), [`report`], [`teaching`] (the demos and the page), and
//! [`harness`] (starting a flow's processes).
//!
//! Commands: `compare` (the whole suite, then the report: the main job), `up` (everything
//! on loopback, with ready-to-paste curl commands), the experiments (`throughput`,
//! `latency`, `calibrate`, `scale`, `faults`, `state`, `logins`, `revocation`, `tokens`,
//! `remote`), `report` (charts and text from results files), `hash-password` (an argon2id
//! hash for the user directory), `demo` (the teaching demos), `probe` (the containers'
//! health check), and the hidden `serve` that the experiments use to run each server as
//! its own process.

pub mod cli;
pub mod commands;

pub use cli::{Cli, Command};

/// Runs one command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    use experiments as e;
    match cli.command {
        Command::Compare(args) => commands::compare::run(args.into()).await,
        Command::Up(args) => commands::up::run(args).await,
        Command::Throughput(args) => e::throughput::run(args.into()).await.map(drop),
        Command::Latency(args) => e::latency::run(args.into()).await.map(drop),
        Command::Calibrate(args) => e::calibrate::run(args.into()).await.map(drop),
        Command::Scale(args) => e::scale::run(args.into()).await.map(drop),
        Command::Faults(args) => e::faults::run(args.into()).await.map(drop),
        Command::State(args) => e::state::run(args.into()).await.map(drop),
        Command::Logins(args) => e::logins::run(args.into()).await.map(drop),
        Command::Revocation(args) => e::revocation::run(args.into()).await.map(drop),
        Command::Tokens(args) => e::tokens::run(args.into()).await.map(drop),
        Command::Remote(args) => e::remote::run(args.into()).await.map(drop),
        Command::Report(args) => e::write_report(&args.into()).map(drop),
        Command::Probe(args) => commands::probe::run(args).await,
        Command::Demo(args) => teaching::run(args.into()).await,
        Command::Serve(args) => commands::serve::run(args).await,
        Command::HashPassword => commands::hash_password::run(),
    }
}
