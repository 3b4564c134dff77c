//! What every entry of the registry is: the [`Experiment`] trait, and [`Compare`], what
//! `workbench compare` asks of each.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use harness::RunOptions;
use results::Flow;

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
    /// A model over other entries' results: it measures nothing and writes no file; the
    /// report computes it (the bill).
    Model,
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
    /// Absolute rates every flow of the latency sweep also runs at.
    pub common_rates: usize,
    /// Length of each measured point of the latency sweep.
    pub latency_duration: Duration,
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
    /// `compare --quick`: a first look in about 3 minutes (flows and steps the user named
    /// are kept).
    pub fn quick(&mut self) {
        use authbench_core::settings::SigningAlgorithm;
        if self.run.flows.is_empty() {
            self.run.flows = vec![
                Flow::Baseline,
                Flow::Session,
                Flow::SessionRedis,
                Flow::Jwt(SigningAlgorithm::HS256),
                Flow::Jwt(SigningAlgorithm::ES256),
            ];
        }
        self.rounds = 1;
        self.run.warmup = Duration::from_millis(500);
        self.run.duration = Duration::from_secs(2);
        self.latency_duration = Duration::from_secs(2);
        self.fractions = vec![10.0, 50.0, 90.0, 110.0];
        self.common_rates = 3;
        for step in [
            "scale",
            "faults",
            "failover",
            "logins",
            "revocation",
            "calibrate",
            "accuracy",
        ] {
            if !self.skip.iter().any(|s| s == step) {
                self.skip.push(step.into());
            }
        }
    }

    /// The flows asked for without the baseline (these experiments measure what
    /// authentication costs), or `default` when none were asked for.
    pub fn authenticated_flows(&self, default: &[Flow]) -> Vec<Flow> {
        let mut flows = self.run.flows_or(default);
        flows.retain(|f| *f != Flow::Baseline);
        flows
    }
}
