//! The `workbench` binary: parses the command line and hands it to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    authbench_core::telemetry::init("warn");
    workbench::run(workbench::Cli::parse()).await
}
