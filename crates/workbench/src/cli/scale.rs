//! `workbench scale`'s command line, turned into [`scale::Options`].

use std::time::Duration;

use clap::Args;
use experiments::scale::{self, *};
use results::units::parse_duration;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct ScaleArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// API replica counts to measure.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_REPLICAS)]
    pub replicas: Vec<usize>,
    /// CPUs each server process (API replica, auth server, Redis, PostgreSQL) may use.
    #[arg(long, default_value_t = DEFAULT_CPU)]
    pub cpu: f64,
    /// The quota's accounting period: shorter periods throttle in smaller slices.
    #[arg(long, default_value = "10ms", value_parser = parse_duration)]
    pub period: Duration,
    /// Scenarios: api (API replicas only), api+auth (API replicas and session auth servers),
    /// api+auth+redis (Redis Cluster shards, each with its API replicas and auth servers).
    #[arg(long, value_delimiter = ',', default_value = "api,api+auth,api+auth+redis")]
    pub scenarios: Vec<Scenario>,
    /// The open-loop rate of every point, as a percentage of the series' first maximum.
    #[arg(long, default_value_t = DEFAULT_OPEN_FRACTION)]
    pub open_fraction: f64,
    /// api+auth+redis: Redis Cluster shard counts to measure.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_SHARDS)]
    pub shards: Vec<usize>,
    /// api+auth+redis: API replicas that come with each shard.
    #[arg(long, default_value_t = ShardOptions::default().per_shard.api)]
    pub api_per_shard: usize,
    /// api+auth+redis: session auth servers that come with each shard.
    #[arg(long, default_value_t = ShardOptions::default().per_shard.auth)]
    pub auth_per_shard: usize,
    /// api+auth+redis: CPUs of each API replica and auth server.
    #[arg(long, default_value_t = ShardOptions::default().server_cpu)]
    pub sharded_server_cpu: f64,
    /// api+auth+redis: CPUs of each Redis shard.
    #[arg(long, default_value_t = ShardOptions::default().shard_cpu)]
    pub shard_cpu: f64,
}

impl From<ScaleArgs> for scale::Options {
    fn from(a: ScaleArgs) -> Self {
        scale::Options {
            run: a.run.into(),
            out: a.output.out,
            replicas: a.replicas,
            cpu: a.cpu,
            period: a.period,
            scenarios: a.scenarios,
            open_fraction: a.open_fraction,
            sharded: ShardOptions {
                shards: a.shards,
                per_shard: harness::model::PerShard {
                    api: a.api_per_shard,
                    auth: a.auth_per_shard,
                },
                server_cpu: a.sharded_server_cpu,
                shard_cpu: a.shard_cpu,
            },
        }
    }
}
