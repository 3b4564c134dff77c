//! `workbench revocation`'s command line, turned into [`revocation::Options`].

use std::time::Duration;

use clap::Args;
use experiments::revocation::{self, *};
use results::units::parse_duration;

use super::shared::OutArgs;

#[derive(Args, Debug, Clone)]
pub struct RevocationArgs {
    #[command(flatten)]
    pub output: OutArgs,
    /// Plain-JWT access-token lifetimes to show, in minutes of the real system.
    #[arg(long, value_delimiter = ',', default_values_t = DEFAULT_LIFETIMES_MIN)]
    pub lifetimes: Vec<u64>,
    /// Seconds of the run that stand for one minute of token lifetime (1: a 15-minute
    /// token lives 15 s here, and its lag is scaled by 60).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub seconds_per_minute: u64,
    /// Introspection cache lifetimes of `session-cached` to show.
    #[arg(long, value_delimiter = ',', default_value = "250ms,1s,5s", value_parser = parse_duration)]
    pub cache_ttls: Vec<Duration>,
    /// Trials per flow and event, spread evenly over the credential's life.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub trials: u16,
    /// How often the user calls the API during a trial: the resolution of every lag.
    #[arg(long, default_value = "10ms", value_parser = parse_duration)]
    pub interval: Duration,
    /// Length of the closed-loop run that prices each flow (0 skips the pricing).
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Load before each pricing run that is not recorded.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Virtual users of the pricing runs.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
}

impl From<RevocationArgs> for revocation::Options {
    fn from(a: RevocationArgs) -> Self {
        revocation::Options {
            out: a.output.out,
            lifetimes: a.lifetimes,
            seconds_per_minute: a.seconds_per_minute,
            cache_ttls: a.cache_ttls,
            trials: a.trials,
            interval: a.interval,
            duration: a.duration,
            warmup: a.warmup,
            connections: a.connections,
        }
    }
}
