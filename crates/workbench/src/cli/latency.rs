//! `workbench latency`'s command line, turned into [`latency::Options`].

use std::path::PathBuf;

use clap::Args;
use experiments::latency;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// Open-loop rates as percentages of each flow's maximum (above 100: past saturation).
    #[arg(long, value_delimiter = ',', default_value = "10,25,50,75,90,95,110")]
    pub fractions: Vec<f64>,
    /// Absolute rates every flow also runs at, spaced by factors of two up to 90 % of the
    /// slowest flow's maximum (0: none).
    #[arg(long, default_value_t = experiments::latency::COMMON_RATES)]
    pub common_rates: usize,
    /// Take each flow's maximum (the median of its rounds) from this throughput results file
    /// instead of measuring it first.
    #[arg(long)]
    pub max_from: Option<PathBuf>,
}

impl From<LatencyArgs> for latency::Options {
    fn from(a: LatencyArgs) -> Self {
        latency::Options {
            run: a.run.into(),
            out: a.output.out,
            fractions: a.fractions,
            common_rates: a.common_rates,
            max_from: a.max_from,
        }
    }
}
