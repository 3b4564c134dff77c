//! The options several commands share: the load options and the results folder.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use harness::RunOptions;
use results::Flow;
use results::units::parse_duration;

/// Options every load experiment shares.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Flows to measure, comma-separated: baseline, session, session-redis, session-cached
    /// (session-cached-250ms names a cache lifetime), jwt-hs256, jwt-eddsa, jwt-es256,
    /// jwt-rs256, jwt-denylist, and the database flows api-key and jwt-userdb (PostgreSQL)
    /// (default: all of them; for `scale`: session, session-redis, jwt-hs256, jwt-es256,
    /// api-key), and the reference flows jwt-floor and session-h2 (which `throughput` adds by
    /// default).
    #[arg(long, value_delimiter = ',')]
    pub flows: Vec<Flow>,
    /// One-way delay on every server-to-server link (API→auth, auth→Redis, API→Redis),
    /// through a user-space delay link; a list runs each flow at each delay (e.g.
    /// 0,250us,1ms).
    #[arg(long, value_delimiter = ',', default_value = "0", value_parser = parse_duration)]
    pub link_delay: Vec<Duration>,
    /// Virtual users, each with its own login and keep-alive connection.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Load before each measured run that is not recorded (e.g. 1s, 500ms).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Length of each measured run (e.g. 5s, 1m).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub duration: Duration,
    /// actix-web workers per server process.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// CPUs for the load generator, the servers (API, auth, Redis) on the rest: `auto` (one
    /// in four, at least one), a number, or `off` (everyone shares every CPU). Default:
    /// auto, but off for `scale`, whose CPU quotas already fix each server's share.
    #[arg(long)]
    pub generator_cpus: Option<harness::placement::Ask>,
}

impl From<RunArgs> for RunOptions {
    fn from(a: RunArgs) -> RunOptions {
        RunOptions {
            flows: a.flows,
            link_delay: a.link_delay,
            connections: a.connections,
            warmup: a.warmup,
            duration: a.duration,
            workers: a.workers,
            placement: a.generator_cpus,
        }
    }
}

/// Where an experiment writes its results file.
#[derive(Args, Debug, Clone)]
pub struct OutArgs {
    /// Folder the results file is written to.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}
