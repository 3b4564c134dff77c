//! `workbench serve <server>`: one server as its own process, configured like the thin
//! binaries (`configuration/` files, then `APP_` variables). The experiments start each
//! tier this way, so that `/proc` can tell the CPU time of each tier apart.

use anyhow::Context;
use authbench_core::{Settings, server};
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Server {
    SessionAuth,
    JwtAuth,
    Api,
    /// The minimal JWT server the API server's JWT route is measured against.
    JwtFloor,
}

#[derive(Args)]
pub struct ServeArgs {
    #[arg(value_enum)]
    server: Server,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings::load().context("failed to load settings")?;
    let app = match args.server {
        Server::SessionAuth => {
            session_auth::Application::build(&settings).context("failed to start the session auth server")?
        }
        Server::JwtAuth => {
            jwt_auth::Application::build(&settings).context("failed to start the JWT auth server")?
        }
        Server::Api => api::Application::build(&settings).context("failed to start the API server")?,
        Server::JwtFloor => {
            jwt_floor::Application::build(&settings).context("failed to start the JWT floor server")?
        }
    };
    server::run_until_signalled(app)
        .await
        .context("the server failed")
}
