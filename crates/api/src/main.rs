//! `api`: the API server as its own process; `APP_API__MODE` picks the flow.

use anyhow::Context;
use authbench_core::{Settings, server, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init("info");
    let settings = Settings::load().context("failed to load settings")?;
    let app = api::Application::build(&settings).context("failed to start the API server")?;
    server::run_until_signalled(app)
        .await
        .context("the API server failed")
}
