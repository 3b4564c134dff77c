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
//! - [`scale`]: throughput against the number of API replicas, and of Redis Cluster shards,
//!   under CPU quotas, with the capacity model and a USL fit;
//! - [`bill`]: what each architecture needs for 10 k-1 M req/s, computed by the report from
//!   the other entries' results with [`harness::bill`] (a model: it measures nothing);
//! - [`faults`]: every flow under load while Redis, then the session auth server, is away;
//! - [`failover`]: every flow under load while a Sentinel primary is killed or a single
//!   Redis restarts, and which acknowledged writes held;
//! - [`state`]: Redis bytes per session, and token size against the number of roles;
//! - [`logins`]: the CPU cost of a login and of a token refresh, by tier;
//! - [`revocation`]: how long a logout or a role removal takes to reach the API, per flow;
//! - [`tokens`]: the CPU time of one token operation per algorithm, beside the raw
//!   primitive, and criterion's figures for the same ([`tokens::Criterion`], an input);
//! - [`calibrate`]: the generator against `wrk` on the same endpoint, in the same run;
//! - [`accuracy`]: the generator (and oha) against a server whose answer time is known;
//! - [`remote`]: the closed-loop maximum of servers that are already running (no report
//!   section).

pub mod accuracy;
pub mod bill;
pub mod calibrate;
pub mod experiment;
pub mod failover;
pub mod faults;
pub mod latency;
pub mod logins;
pub mod registry;
pub mod remote;
pub mod revocation;
pub mod scale;
pub mod state;
pub mod throughput;
pub mod tokens;

pub use experiment::{Compare, Experiment, Kind, Step};
pub use registry::{REGISTRY, find, report_parts, write_report};
