//! `workbench remote`'s command line, turned into [`remote::Options`].

use std::time::Duration;

use clap::Args;
use experiments::remote::{self, *};
use results::Flow;
use results::units::parse_duration;

use super::shared::OutArgs;

#[derive(Args, Debug, Clone)]
pub struct RemoteArgs {
    /// A flow and the URL of its API server(s), `FLOW=http://host:port`; repeat for each
    /// flow. A host name that resolves to several addresses (scaled containers) is one
    /// replica per address.
    #[arg(long = "api", value_parser = parse_api, required = true)]
    pub apis: Vec<(Flow, String)>,
    /// The session auth server the `session` and `session-redis` users log in at.
    #[arg(long, default_value = "http://127.0.0.1:8081")]
    pub session_auth: String,
    /// The JWT auth server the `jwt-*` users log in at.
    #[arg(long, default_value = "http://127.0.0.1:8082")]
    pub jwt_auth: String,
    /// Virtual users per flow, each with its own login and keep-alive connection.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Load before each measured run that is not recorded.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Length of each measured run.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    #[command(flatten)]
    pub output: OutArgs,
}

impl From<RemoteArgs> for remote::Options {
    fn from(a: RemoteArgs) -> Self {
        remote::Options {
            apis: a.apis,
            session_auth: a.session_auth,
            jwt_auth: a.jwt_auth,
            connections: a.connections,
            warmup: a.warmup,
            duration: a.duration,
            out: a.output.out,
        }
    }
}
