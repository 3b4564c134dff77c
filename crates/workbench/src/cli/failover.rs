//! `workbench failover`'s command line, turned into [`failover::Options`].

use std::time::Duration;

use clap::Args;
use experiments::failover::{self, *};
use results::units::parse_duration;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct FailoverArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// Open-loop rate of each flow, requests per second.
    #[arg(long, default_value_t = DEFAULT_RATE)]
    pub rate: f64,
    /// Steady load before the kill.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub before: Duration,
    /// Load after the kill: enough for down-after, the election and the recovery.
    #[arg(long, default_value = "6s", value_parser = parse_duration)]
    pub after: Duration,
    /// Sentinel's down-after-milliseconds (its own default is 30 s).
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub down_after: Duration,
    /// Trials, in turn: kill (the Sentinel primary, writes acknowledged by the primary
    /// alone), kill-wait (the same with WAIT 1), restart (a single Redis without
    /// persistence), restart-aof (with an append-only file, fsync everysec),
    /// restart-aof-always.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "kill,kill-wait,restart,restart-aof"
    )]
    pub trials: Vec<Trial>,
}

impl From<FailoverArgs> for failover::Options {
    fn from(a: FailoverArgs) -> Self {
        failover::Options {
            run: a.run.into(),
            out: a.output.out,
            rate: a.rate,
            before: a.before,
            after: a.after,
            down_after: a.down_after,
            trials: a.trials,
        }
    }
}
