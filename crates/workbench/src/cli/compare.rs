//! `workbench compare`'s command line, turned into [`CompareOptions`].

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use experiments::Compare;
use results::method::rfc3339_now;
use results::units::parse_duration;

use super::shared::RunArgs;
use crate::commands::compare::CompareOptions;

#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Rounds of the throughput experiment (interleaved over the flows).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
    pub rounds: u16,
    /// Open-loop rates of the latency sweep, as percentages of each flow's maximum (110:
    /// past saturation, to show it).
    #[arg(long, value_delimiter = ',', default_value = "10,25,50,75,90,95,110")]
    pub fractions: Vec<f64>,
    /// Absolute rates every flow of the latency sweep also runs at, spaced by factors of two
    /// up to 90 % of the slowest flow's maximum.
    #[arg(long, default_value_t = experiments::latency::COMMON_RATES)]
    pub common_rates: usize,
    /// Length of each point of the latency sweep (11 flows × 12 points: about 8 minutes at
    /// the default, with its 1 s warm-up).
    #[arg(long, default_value = "2500ms", value_parser = parse_duration)]
    pub latency_duration: Duration,
    /// A first look in about 3 minutes: five flows, one round of 2 s, the latency sweep at
    /// 10/50/90/110 % and three common rates, the link pass, state and token costs; no
    /// scale-out, faults, logins, revocation, calibration or accuracy check.
    #[arg(long)]
    pub quick: bool,
    /// Link delays of the link pass (session, session-redis, jwt-hs256 at 5 % of their
    /// maxima, a load light enough that the delay is all that changes).
    #[arg(long, value_delimiter = ',', default_value = "0,250us,1ms", value_parser = parse_duration)]
    pub link_delays: Vec<Duration>,
    /// Length of each scale-out run (shorter than the others: that experiment has 34 points).
    #[arg(long, default_value = "2500ms", value_parser = parse_duration)]
    pub scale_duration: Duration,
    /// Steps to leave out, comma-separated, by name: throughput, latency, scale, links,
    /// faults, failover, state, logins, revocation, tokens, calibrate, accuracy.
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Skip the scale-out experiment (`--skip scale`).
    #[arg(long)]
    pub no_scale: bool,
    /// Skip the fault experiment (`--skip faults`).
    #[arg(long)]
    pub no_faults: bool,
    /// Skip the revocation experiment (`--skip revocation`).
    #[arg(long)]
    pub no_revocation: bool,
    /// Skip the calibration against wrk (`--skip calibrate`).
    #[arg(long)]
    pub no_calibrate: bool,
    /// Folder the report (and its results/ folder) is written to (default:
    /// reports/<date-time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl From<CompareArgs> for CompareOptions {
    fn from(a: CompareArgs) -> CompareOptions {
        let out = a.out.unwrap_or_else(|| report::default_folder(&rfc3339_now()));
        let mut skip = a.skip;
        for (flag, name) in [
            (a.no_scale, "scale"),
            (a.no_faults, "faults"),
            (a.no_revocation, "revocation"),
            (a.no_calibrate, "calibrate"),
        ] {
            if flag {
                skip.push(name.into());
            }
        }
        let mut plan = Compare {
            run: a.run.into(),
            rounds: a.rounds,
            fractions: a.fractions,
            common_rates: a.common_rates,
            latency_duration: a.latency_duration,
            link_delays: a.link_delays,
            scale_duration: a.scale_duration,
            skip,
            results: out.join("results"),
        };
        if a.quick {
            plan.quick();
        }
        CompareOptions { plan, out }
    }
}
