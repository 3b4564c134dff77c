//! `workbench throughput`'s command line, turned into [`throughput::Options`].

use clap::Args;
use experiments::throughput;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct ThroughputArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// Rounds over all flows. Rounds are interleaved (every flow once, then again), so a
    /// drift of the machine spreads over all flows instead of favouring one.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub rounds: u16,
}

impl From<ThroughputArgs> for throughput::Options {
    fn from(a: ThroughputArgs) -> Self {
        throughput::Options {
            run: a.run.into(),
            out: a.output.out,
            rounds: a.rounds,
        }
    }
}
