//! `workbench`: starts the two architectures side by side and drives them.
//!
//! Commands: `compare` (the whole suite, then the report: the main job), `up` (everything
//! on loopback, with ready-to-paste curl commands), `throughput`, `latency`, `calibrate`,
//! `scale`, `faults`, `state`, `logins`, `revocation`, `tokens` and `remote` (the
//! experiments, see [`experiments`]), `report` (charts and text from results files, see
//! [`report`]), `hash-password` (an argon2id hash for the user directory), `demo` (the
//! teaching demos, see [`demo`]), `probe` (the containers' health check), and the hidden
//! `serve` that the experiments use to run each server as its own process.

mod commands;
mod demo;
mod experiments;
mod report;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "workbench",
    version,
    about = "Session versus JWT authentication, side by side"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole suite (throughput, latency, link delay, scale-out, faults, state, logins,
    /// revocation, calibration, token costs) and write the report with its charts: about 14
    /// minutes on 2 cores.
    Compare(commands::compare::CompareArgs),
    /// Start Redis, both auth servers and one API server per mode on loopback; print the
    /// URLs and curl commands; stop everything on Ctrl-C.
    Up(commands::up::UpArgs),
    /// Closed-loop maximum throughput per flow, with CPU microseconds per request per tier.
    Throughput(experiments::throughput::ThroughputArgs),
    /// Open-loop latency per flow at fractions of its maximum (coordinated-omission corrected).
    Latency(experiments::latency::LatencyArgs),
    /// The load generator beside wrk against the same endpoint, to state their ratio.
    Calibrate(experiments::calibrate::CalibrateArgs),
    /// Throughput against the number of API replicas under per-server CPU quotas, with a
    /// capacity model and a USL fit.
    Scale(experiments::scale::ScaleArgs),
    /// Every flow under load at once while Redis, then the session auth server, is away.
    Faults(experiments::faults::FaultsArgs),
    /// Redis bytes per session, and token size against the number of roles.
    State(experiments::state::StateArgs),
    /// CPU time of a login per flow, and of a token refresh, by tier.
    Logins(experiments::logins::LoginsArgs),
    /// How long a logout or a role removal takes to reach the API in each flow, against
    /// each flow's requests per second.
    Revocation(experiments::revocation::RevocationArgs),
    /// CPU time of one token operation per algorithm, beside the raw primitive.
    Tokens(experiments::tokens::TokensArgs),
    /// Closed-loop maximum per flow against servers that are already running (the compose
    /// file's containers, or other hosts); no CPU metering.
    Remote(experiments::remote::RemoteArgs),
    /// Charts and a README from a folder of results files.
    Report(report::ReportArgs),
    /// Exit 0 when a URL answers 2xx (the containers' health checks).
    Probe(commands::probe::ProbeArgs),
    /// The design note's two processes, step by step, with the real HTTP exchanges
    /// (session, jwt, tamper, expiry, revoke, outage, compare), or the teaching page (web).
    Demo(demo::DemoArgs),
    /// Run one server as its own process (used by the experiments).
    #[command(hide = true)]
    Serve(commands::serve::ServeArgs),
    /// Print an argon2id hash of a password (read from stdin) for configuration/users.yaml.
    HashPassword,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    authbench_core::telemetry::init("warn");
    match Cli::parse().command {
        Command::Compare(args) => commands::compare::run(args).await,
        Command::Up(args) => commands::up::run(args).await,
        Command::Throughput(args) => experiments::throughput::run(args).await.map(drop),
        Command::Latency(args) => experiments::latency::run(args).await.map(drop),
        Command::Calibrate(args) => experiments::calibrate::run(args).await.map(drop),
        Command::Scale(args) => experiments::scale::run(args).await.map(drop),
        Command::Faults(args) => experiments::faults::run(args).await.map(drop),
        Command::State(args) => experiments::state::run(args).await.map(drop),
        Command::Logins(args) => experiments::logins::run(args).await.map(drop),
        Command::Revocation(args) => experiments::revocation::run(args).await.map(drop),
        Command::Tokens(args) => experiments::tokens::run(args).await.map(drop),
        Command::Remote(args) => experiments::remote::run(args).await.map(drop),
        Command::Report(args) => report::run(args).await.map(drop),
        Command::Probe(args) => commands::probe::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Serve(args) => commands::serve::run(args).await,
        Command::HashPassword => commands::hash_password::run(),
    }
}
