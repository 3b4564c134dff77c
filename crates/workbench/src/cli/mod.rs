//! The command line: one clap struct per command, each turned into the plain options its
//! library function takes (`experiments::throughput::Options`, ...), so that `compare`,
//! the tests and other commands call the functions instead of building command lines.

pub mod accuracy;
pub mod calibrate;
pub mod compare;
pub mod failover;
pub mod faults;
pub mod latency;
pub mod logins;
pub mod remote;
pub mod revocation;
pub mod scale;
pub mod shared;
pub mod state;
pub mod throughput;
pub mod tokens;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;

#[derive(Parser)]
#[command(
    name = "workbench",
    version,
    about = "Session versus JWT authentication, side by side"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the whole suite (throughput 3 min, load-latency curves 9 min, scale-out 3 min,
    /// link delay 1 min, faults, failover 1.3 min, state, logins, revocation 2 min, token
    /// costs, calibration, the accuracy check 1.5 min) and write the report with its charts:
    /// about 25 minutes on 2 cores (`--quick`: about 3).
    Compare(compare::CompareArgs),
    /// Start Redis, both auth servers and one API server per mode on loopback; print the
    /// URLs and curl commands; stop everything on Ctrl-C.
    Up(commands::up::UpArgs),
    /// Closed-loop maximum throughput per flow, with CPU microseconds per request per tier.
    Throughput(throughput::ThroughputArgs),
    /// Load-latency curves per flow: open loop at shares of its maximum and at common rates
    /// (coordinated-omission corrected), with each flow's knee.
    Latency(latency::LatencyArgs),
    /// The load generator (and oha) against a server whose answer time is known.
    Accuracy(accuracy::AccuracyArgs),
    /// The load generator beside wrk against the same endpoint, to state their ratio.
    Calibrate(calibrate::CalibrateArgs),
    /// Throughput against the number of API replicas under per-server CPU quotas, with a
    /// capacity model and a USL fit.
    Scale(scale::ScaleArgs),
    /// Every flow under load at once while Redis, then the session auth server, is away.
    Faults(faults::FaultsArgs),
    /// Every flow under load while the Sentinel primary is killed (with and without WAIT)
    /// and while a single Redis restarts (with and without its append-only file); counts
    /// the acknowledged logins and revocations that did not hold.
    Failover(failover::FailoverArgs),
    /// Redis bytes per session, and token size against the number of roles.
    State(state::StateArgs),
    /// CPU time of a login per flow, and of a token refresh, by tier.
    Logins(logins::LoginsArgs),
    /// How long a logout or a role removal takes to reach the API in each flow, against
    /// each flow's requests per second.
    Revocation(revocation::RevocationArgs),
    /// CPU time of one token operation per algorithm, beside the raw primitive.
    Tokens(tokens::TokensArgs),
    /// Closed-loop maximum per flow against servers that are already running (the compose
    /// file's containers, or other hosts); no CPU metering.
    Remote(remote::RemoteArgs),
    /// Charts and a README from a folder of results files.
    Report(ReportArgs),
    /// Two results folders side by side: every figure both hold, with each run's spread,
    /// and whether the change is beyond it (Markdown on stdout).
    Diff(DiffArgs),
    /// Exit 0 when a URL answers 2xx (the containers' health checks).
    Probe(commands::probe::ProbeArgs),
    /// The design note's two processes, step by step, with the real HTTP exchanges
    /// (session, jwt, tamper, expiry, revoke, outage, compare), or the teaching page (web).
    Demo(DemoArgs),
    /// Run one server as its own process (used by the experiments).
    #[command(hide = true)]
    Serve(commands::serve::ServeArgs),
    /// Print an argon2id hash of a password (read from stdin) for configuration/users.yaml.
    HashPassword,
    /// The user database: `db init` migrates it and seeds the users file's users.
    Db(commands::db::DbArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Folder with the experiments' results files (throughput.json, latency.json,
    /// links.json, scale.json, calibrate.json, tokens.json ...).
    #[arg(default_value = "results")]
    pub results: PathBuf,
    /// Folder the report is written to (default: reports/<date-time of the results>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also chart criterion's token benchmarks from this folder (e.g. target/criterion
    /// after `cargo bench --bench tokens`).
    #[arg(long)]
    pub criterion: Option<PathBuf>,
}

impl From<ReportArgs> for report::ReportOptions {
    fn from(a: ReportArgs) -> report::ReportOptions {
        report::ReportOptions {
            results: a.results,
            out: a.out,
            criterion: a.criterion,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The results folder before (e.g. reports/reference/results).
    pub a: PathBuf,
    /// The results folder after.
    pub b: PathBuf,
}

#[derive(Args)]
pub struct DemoArgs {
    #[arg(value_enum)]
    scenario: teaching::Scenario,
    /// Wait for Enter before each step (on a terminal).
    #[arg(long)]
    step: bool,
    /// The narration's language: en, or ko (the design note's).
    #[arg(long, value_enum, default_value = "en")]
    lang: teaching::Lang,
}

impl From<DemoArgs> for teaching::Options {
    fn from(a: DemoArgs) -> teaching::Options {
        teaching::Options {
            scenario: a.scenario,
            step: a.step,
            lang: a.lang,
        }
    }
}

impl Command {
    /// Runs the command: its options go to the library function that does the work.
    pub async fn run(self) -> anyhow::Result<()> {
        use experiments as e;
        match self {
            Command::Compare(args) => commands::compare::run(args.into()).await,
            Command::Up(args) => commands::up::run(args).await,
            Command::Throughput(args) => e::throughput::run(args.into()).await.map(drop),
            Command::Latency(args) => e::latency::run(args.into()).await.map(drop),
            Command::Calibrate(args) => e::calibrate::run(args.into()).await.map(drop),
            Command::Accuracy(args) => e::accuracy::run(args.into()).await.map(drop),
            Command::Scale(args) => e::scale::run(args.into()).await.map(drop),
            Command::Faults(args) => e::faults::run(args.into()).await.map(drop),
            Command::Failover(args) => e::failover::run(args.into()).await.map(drop),
            Command::State(args) => e::state::run(args.into()).await.map(drop),
            Command::Logins(args) => e::logins::run(args.into()).await.map(drop),
            Command::Revocation(args) => e::revocation::run(args.into()).await.map(drop),
            Command::Tokens(args) => e::tokens::run(args.into()).await.map(drop),
            Command::Remote(args) => e::remote::run(args.into()).await.map(drop),
            Command::Report(args) => e::write_report(&args.into()).map(drop),
            Command::Diff(args) => {
                print!("{}", report::diff::diff(&args.a, &args.b)?);
                Ok(())
            }
            Command::Probe(args) => commands::probe::run(args).await,
            Command::Demo(args) => teaching::run(args.into()).await,
            Command::Serve(args) => commands::serve::run(args).await,
            Command::HashPassword => commands::hash_password::run(),
            Command::Db(args) => commands::db::run(args).await,
        }
    }
}
