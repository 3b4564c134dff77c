//! `workbench calibrate`'s command line, turned into [`calibrate::Options`].

use clap::Args;
use experiments::calibrate;

use super::shared::{OutArgs, RunArgs};

#[derive(Args, Debug, Clone)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub output: OutArgs,
    /// wrk threads (`-t`).
    #[arg(long, default_value_t = 2)]
    pub wrk_threads: usize,
}

impl From<CalibrateArgs> for calibrate::Options {
    fn from(a: CalibrateArgs) -> Self {
        calibrate::Options {
            run: a.run.into(),
            out: a.output.out,
            wrk_threads: a.wrk_threads,
        }
    }
}
