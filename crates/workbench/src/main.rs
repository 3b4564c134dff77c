//! The `workbench` binary: parses the command line and hands it to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    authbench_core::telemetry::init("warn");
    let outcome = workbench::run(workbench::Cli::parse()).await;
    // A private PostgreSQL the database flows started stops here, and its folder goes.
    harness::database::shutdown().await;
    outcome
}
