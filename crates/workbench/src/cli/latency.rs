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
    /// Open-loop rates as percentages of each flow's maximum.
    #[arg(long, value_delimiter = ',', default_value = "25,50,75,90")]
    pub fractions: Vec<f64>,
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
            max_from: a.max_from,
        }
    }
}
