//! `workbench accuracy`'s command line, turned into [`accuracy::Options`].

use std::time::Duration;

use clap::Args;
use experiments::accuracy;
use results::units::parse_duration;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct AccuracyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// The reference server's fixed answer times.
    #[arg(long, value_delimiter = ',', default_value = "0,100us,500us", value_parser = parse_duration)]
    pub delays: Vec<Duration>,
    /// Offered rates, requests per second.
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,20000,40000")]
    pub rates: Vec<f64>,
    /// Leave oha out even when it is on PATH.
    #[arg(long)]
    pub no_oha: bool,
}

impl From<AccuracyArgs> for accuracy::Options {
    fn from(a: AccuracyArgs) -> Self {
        accuracy::Options {
            run: a.run.into(),
            out: a.output.out,
            delays: a.delays,
            rates: a.rates,
            no_oha: a.no_oha,
        }
    }
}
