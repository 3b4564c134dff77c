//! `workbench faults`'s command line, turned into [`faults::Options`].

use std::time::Duration;

use clap::Args;
use experiments::faults::{self, *};
use harness::Dependency;
use results::units::parse_duration;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct FaultsArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// Open-loop rate of each flow, requests per second. Kept low on purpose: while a
    /// dependency is away each request may hold its connection up to the servers' timeout,
    /// and rate × that time must stay below `--connections`, or the requests would queue in
    /// the generator and hide what the servers answered.
    #[arg(long, default_value_t = DEFAULT_RATE)]
    pub rate: f64,
    /// How long each dependency stays away.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub outage: Duration,
    /// Steady load before the outage.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub before: Duration,
    /// Load after the dependency returns, to see the recovery.
    #[arg(long, default_value = "4s", value_parser = parse_duration)]
    pub after: Duration,
    /// Dependencies to take away, in turn: redis, session-auth, postgres.
    #[arg(long, value_delimiter = ',', default_value = "redis,session-auth,postgres")]
    pub dependencies: Vec<Dependency>,
}

impl From<FaultsArgs> for faults::Options {
    fn from(a: FaultsArgs) -> Self {
        faults::Options {
            run: a.run.into(),
            out: a.output.out,
            rate: a.rate,
            outage: a.outage,
            before: a.before,
            after: a.after,
            dependencies: a.dependencies,
        }
    }
}
