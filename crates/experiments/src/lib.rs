//! The workbench's experiments, one module each, and [`REGISTRY`], the one list of them.
//!
//! Each module owns its name, its [`Options`](throughput::Options), its runner (which
//! starts the flows it measures with [`harness`], drives them with `loadgen`, meters CPU
//! per tier and writes one results file in the [`results`] schema) and the report sections
//! it draws from that file (its `section.rs`, through [`report::Part`]). `compare`, the
//! report, "Not in this report" and the list of results files all read [`REGISTRY`], so an
//! experiment is added by its module and one line there.
//!
//! - [`throughput`]: closed-loop maximum per flow;
//! - [`latency`]: open-loop sweep at fractions of each flow's maximum, and the link-delay
//!   pass of `compare` ([`latency::Links`]);
//! - [`scale`]: throughput against the number of API replicas under CPU quotas, with the
//!   capacity model and a USL fit;
//! - [`faults`]: every flow under load while Redis, then the session auth server, is away;
//! - [`state`]: Redis bytes per session, and token size against the number of roles;
//! - [`logins`]: the CPU cost of a login and of a token refresh, by tier;
//! - [`revocation`]: how long a logout or a role removal takes to reach the API, per flow;
//! - [`tokens`]: the CPU time of one token operation per algorithm, beside the raw
//!   primitive, and criterion's figures for the same ([`tokens::Criterion`], an input);
//! - [`calibrate`]: the generator against `wrk` on the same endpoint, in the same run;
//! - [`remote`]: the closed-loop maximum of servers that are already running (no report
//!   section).

pub mod calibrate;
pub mod faults;
pub mod latency;
pub mod logins;
pub mod remote;
pub mod revocation;
pub mod scale;
pub mod state;
pub mod throughput;
pub mod tokens;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use harness::RunOptions;
use results::Flow;

/// Every experiment, pass and input, in the order `compare` runs them and the report
/// shows them.
pub static REGISTRY: &[&dyn Experiment] = &[
    &throughput::Throughput,
    &latency::Latency,
    &scale::Scale,
    &latency::Links,
    &faults::Faults,
    &state::State,
    &logins::Logins,
    &revocation::Revocation,
    &tokens::Tokens,
    &tokens::Criterion,
    &calibrate::Calibrate,
    &remote::Remote,
];

/// What an entry of the registry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An experiment with its own command (`workbench <name>`) and results file.
    Experiment,
    /// A pass of `compare` with no command of its own, writing its own results file (the
    /// link-delay pass runs the latency experiment at several delays into `links.json`).
    Pass,
    /// Results that no experiment measures but the report reads (criterion's output,
    /// given to `workbench report --criterion`).
    Input,
}

/// A future an experiment's `compare` step returns.
pub type Step<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

/// One entry of the registry.
pub trait Experiment: Sync {
    /// Its name: its command, its results file (`<name>.json`), its `--skip` name.
    fn name(&self) -> &'static str;
    fn kind(&self) -> Kind {
        Kind::Experiment
    }
    /// What `compare` prints for its step (none: `compare` does not run it).
    fn step(&self) -> Option<&'static str> {
        None
    }
    /// Its run with `compare`'s settings. Only called when [`Experiment::step`] is some
    /// and the plan does not skip it; may print why it does nothing and return.
    fn compare<'a>(&'a self, _plan: &'a Compare) -> Step<'a> {
        Box::pin(async { Ok(()) })
    }
    /// `Some(reason)` when it cannot run on this machine (e.g. a tool is missing).
    fn unavailable(&self) -> Option<String> {
        None
    }
    /// Its sections of the report (none: it has no report section, as `remote`).
    fn report(&self) -> Option<&'static dyn report::Part> {
        None
    }
}

/// What `workbench compare` asks of every experiment.
#[derive(Debug, Clone)]
pub struct Compare {
    /// The load options every experiment shares (`--flows` empty: each one's default).
    pub run: RunOptions,
    /// Rounds of the throughput experiment.
    pub rounds: u16,
    /// Open-loop rates of the latency sweep, as percentages of each flow's maximum.
    pub fractions: Vec<f64>,
    /// Link delays of the link pass.
    pub link_delays: Vec<Duration>,
    /// Length of each scale-out run.
    pub scale_duration: Duration,
    /// Names of the entries not to run.
    pub skip: Vec<String>,
    /// Folder every results file is written to.
    pub results: PathBuf,
}

impl Compare {
    /// The flows asked for without the baseline (these experiments measure what
    /// authentication costs), or `default` when none were asked for.
    pub fn authenticated_flows(&self, default: &[Flow]) -> Vec<Flow> {
        let mut flows = self.run.flows_or(default);
        flows.retain(|f| *f != Flow::Baseline);
        flows
    }
}

/// The entry called `name`.
pub fn find(name: &str) -> Option<&'static dyn Experiment> {
    REGISTRY.iter().copied().find(|e| e.name() == name)
}

/// The report's parts, in the registry's order.
pub fn report_parts() -> Vec<&'static dyn report::Part> {
    REGISTRY.iter().filter_map(|e| e.report()).collect()
}

/// `workbench report`: the report of a results folder, with every registered part.
pub fn write_report(options: &report::ReportOptions) -> anyhow::Result<PathBuf> {
    report::build(options, &report_parts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_its_own_name() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|e| e.name()).collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
    }

    #[test]
    fn every_results_file_the_report_reads_belongs_to_an_entry() {
        for file in report::file_names(&report_parts()) {
            assert!(find(file).is_some(), "{file}.json is read by the report but no entry writes it");
        }
    }
}
