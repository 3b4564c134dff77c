//! `workbench tokens`'s command line, turned into [`tokens::Options`].

use std::time::Duration;

use clap::Args;
use experiments::tokens::{self, *};
use results::units::parse_duration;

use super::shared::OutArgs;

#[derive(Args, Debug, Clone)]
pub struct TokensArgs {
    /// Samples per operation; the median is kept.
    #[arg(long, default_value_t = SAMPLES)]
    pub samples: usize,
    /// Length of each sample (and of the warm-up before them), e.g. 20ms.
    #[arg(long, default_value = "20ms", value_parser = parse_duration)]
    pub sample_time: Duration,
    #[command(flatten)]
    pub output: OutArgs,
}

impl From<TokensArgs> for tokens::Options {
    fn from(a: TokensArgs) -> Self {
        tokens::Options {
            samples: a.samples,
            sample_time: a.sample_time,
            out: a.output.out,
        }
    }
}
