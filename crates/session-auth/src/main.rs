//! `session-auth`: the session auth server as its own process.

use anyhow::Context;
use authbench_core::{Settings, server, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init("info");
    let settings = Settings::load().context("failed to load settings")?;
    let app =
        session_auth::Application::build(&settings).context("failed to start the session auth server")?;
    server::run_until_signalled(app)
        .await
        .context("the session auth server failed")
}
