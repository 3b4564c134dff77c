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
    cli.command.run().await
}
